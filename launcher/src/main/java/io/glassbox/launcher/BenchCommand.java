package io.glassbox.launcher;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.server.ClientChannels;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures end-to-end Recommend latency against a running gateway: sequential calls for users
 * drawn (with a fixed seed) from the embedded dataset, after a warm-up; prints median, p90, p99.
 */
@Command(name = "bench", description = "Measure end-to-end Recommend latency against a running suite.")
final class BenchCommand implements Callable<Integer> {
  @Option(names = "--requests", defaultValue = "500", description = "Measured calls (default ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--warmup", defaultValue = "100", description = "Unmeasured calls first (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--limit", defaultValue = "10", description = "Items per call (default ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--users", defaultValue = "data/uci-online-retail/users.csv.gz",
      description = "gzip CSV whose first column is a user id (default ${DEFAULT-VALUE}).")
  Path usersFile;

  @Option(names = "--target", defaultValue = "localhost:50051", description = "Gateway address (default ${DEFAULT-VALUE}).")
  String target;

  @Option(names = "--timeout-ms", defaultValue = "5000", description = "Deadline per call in milliseconds (default ${DEFAULT-VALUE}).")
  long timeoutMs;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (requests < 1 || warmup < 0) {
      System.err.println("glassbox: --requests must be >= 1 and --warmup >= 0");
      return 2;
    }
    List<String> users = readUserIds(usersFile);
    Random random = new Random(42);
    ManagedChannel channel = ClientChannels.forTarget(target);
    try {
      GatewayGrpc.GatewayBlockingStub stub = GatewayGrpc.newBlockingStub(channel);
      long[] nanos = new long[requests];
      int degraded = 0;
      int failed = 0;
      for (int i = 0; i < warmup + requests; i++) {
        RecommendRequest request = RecommendRequest.newBuilder()
            .setUserId(users.get(random.nextInt(users.size()))).setLimit(limit).build();
        long start = System.nanoTime();
        try {
          RecommendResponse response = stub.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
              .recommend(request);
          if (i >= warmup && (response.getExplanationsDegraded() || response.getRankingDegraded())) {
            degraded++;
          }
        } catch (StatusRuntimeException e) {
          if (i >= warmup) {
            failed++;
          }
        }
        if (i >= warmup) {
          nanos[i - warmup] = System.nanoTime() - start;
        }
      }
      Arrays.sort(nanos);
      System.out.printf(Locale.ROOT,
          "Recommend x%d (limit %d, %d users, after %d warm-up calls): median %.1f ms, p90 %.1f ms,"
              + " p99 %.1f ms, max %.1f ms; degraded %d, failed %d%n",
          requests, limit, users.size(), warmup, millis(nanos, 0.50), millis(nanos, 0.90),
          millis(nanos, 0.99), nanos[nanos.length - 1] / 1e6, degraded, failed);
      return failed == 0 ? 0 : 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static double millis(long[] sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.length) - 1;
    return sorted[Math.max(0, index)] / 1e6;
  }

  static List<String> readUserIds(Path file) throws IOException {
    List<String> users = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
      reader.readLine();
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        int comma = line.indexOf(',');
        users.add(comma < 0 ? line : line.substring(0, comma));
      }
    }
    if (users.isEmpty()) {
      throw new IOException(file + " holds no user ids");
    }
    return users;
  }
}
