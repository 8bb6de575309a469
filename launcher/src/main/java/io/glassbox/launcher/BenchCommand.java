package io.glassbox.launcher;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.server.ConfigSource;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Measures end-to-end Recommend latency against a running gateway: sequential calls for users
 * drawn (with a fixed seed) from the data folder the settings name or from --users, after a
 * warm-up; prints median, p90, p99.
 */
@Command(name = "bench", description = "Measure end-to-end Recommend latency against a running suite.")
final class BenchCommand implements Callable<Integer> {
  /** The most calls --requests or --warmup may ask for (each measured call keeps its latency). */
  static final int MAX_CALLS = 1_000_000;

  /** --requests: 1..{@value #MAX_CALLS}. */
  static final class RequestsConverter extends WholeNumberRange.Converter {
    RequestsConverter() {
      super(1, MAX_CALLS, "number of measured calls");
    }
  }

  /** --warmup: 0..{@value #MAX_CALLS}. */
  static final class WarmupConverter extends WholeNumberRange.Converter {
    WarmupConverter() {
      super(0, MAX_CALLS, "number of warm-up calls");
    }
  }

  @Option(names = "--requests", defaultValue = "500", converter = RequestsConverter.class,
      description = "Measured calls, 1.." + MAX_CALLS + " (default ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--warmup", defaultValue = "100", converter = WarmupConverter.class,
      description = "Unmeasured calls first, 0.." + MAX_CALLS + " (default ${DEFAULT-VALUE}).")
  int warmup;

  @Mixin GatewayCallOptions call;

  @Option(names = "--timeout-ms", defaultValue = "5000", converter = TimeoutConverter.Millis.class,
      description = "Deadline per call in milliseconds, 1.." + TimeoutConverter.MAX_MILLIS
          + TimeoutConverter.CONNECTING + " (default ${DEFAULT-VALUE}).")
  long timeoutMs;

  @Option(names = "--compare-explanations",
      description = "Alternate calls with and without model reasons (skip_model_reasons) in the same run"
          + " and print both, and their ratio.")
  boolean compareExplanations;

  @Override
  public Integer call() throws IOException, InterruptedException {
    ConfigSource settings = call.settings.get();
    UserIds.Drawn drawn = call.drawnCustomers(settings);
    List<String> users = drawn.users();
    Random random = new Random(42);
    ManagedChannel channel = CliCalls.channel(call.target, settings);
    try {
      // Not connected, every call would wait out its deadline: 600 of them, 5 s each by default.
      if (!CliCalls.connected(channel, call.target, Duration.ofMillis(timeoutMs), "glassbox bench")) {
        return 1;
      }
      GatewayGrpc.GatewayBlockingStub stub = GatewayGrpc.newBlockingStub(channel);
      // With --compare-explanations every user is asked twice in a row, in alternating order,
      // so both variants see the same users, caches and machine load.
      Failures failures = new Failures();
      Series withReasons = new Series(requests, failures);
      Series plain = new Series(requests, failures);
      for (int i = 0; i < warmup + requests; i++) {
        String user = users.get(random.nextInt(users.size()));
        boolean measured = i >= warmup;
        if (!compareExplanations) {
          withReasons.call(stub, request(user, false), measured);
        } else if (i % 2 == 0) {
          withReasons.call(stub, request(user, false), measured);
          plain.call(stub, request(user, true), measured);
        } else {
          plain.call(stub, request(user, true), measured);
          withReasons.call(stub, request(user, false), measured);
        }
      }
      System.out.printf("Customers from %s.%n", drawn.origin());
      withReasons.print(compareExplanations ? "with explanations" : "", requests, call.limit, users.size(), warmup);
      int failed = withReasons.failed;
      if (compareExplanations) {
        plain.print("without (skip_model_reasons)", requests, call.limit, users.size(), warmup);
        System.out.printf(Locale.ROOT, "explanations cost: median x%.2f, p90 x%.2f%n",
            withReasons.millis(0.5) / plain.millis(0.5), withReasons.millis(0.9) / plain.millis(0.9));
        failed += plain.failed;
      }
      // A hint asking the server more waits no longer than one call may: the calls' deadlines have passed.
      failures.print(call.target, "--timeout-ms " + timeoutMs, Deadline.after(timeoutMs, TimeUnit.MILLISECONDS),
          settings);
      return failed == 0 ? 0 : 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private RecommendRequest request(String user, boolean skipModelReasons) {
    return RecommendRequest.newBuilder().setUserId(user).setLimit(call.limit)
        .setSkipModelReasons(skipModelReasons).build();
  }

  /** The measured calls that failed, by status, and what the first one said. */
  private static final class Failures {
    private final Map<Status.Code, Integer> byCode = new EnumMap<>(Status.Code.class);
    private StatusRuntimeException first;

    void add(StatusRuntimeException failure) {
      byCode.merge(failure.getStatus().getCode(), 1, Integer::sum);
      if (first == null) {
        first = failure;
      }
    }

    /**
     * Nothing when every call was answered; else the counts, the first failure and what to do
     * ({@code deadlineOption}: --timeout-ms as typed; a hint asks the server more until {@code deadline},
     * and reads the client {@code settings}).
     */
    void print(String target, String deadlineOption, Deadline deadline, ConfigSource settings) {
      if (first == null) {
        return;
      }
      System.err.printf("glassbox bench: failed calls by status: %s; the first:%n", byCode.entrySet().stream()
          .map(entry -> entry.getKey() + " " + entry.getValue()).collect(Collectors.joining(", ")));
      CliCalls.printFailure(System.err, "glassbox bench", first, target, deadlineOption, deadline, settings);
    }
  }

  /** The latencies of one kind of call. */
  private final class Series {
    private final long[] nanos;
    private final Failures failures;
    private int count;
    int degraded;
    int failed;

    Series(int requests, Failures failures) {
      nanos = new long[requests];
      this.failures = failures;
    }

    void call(GatewayGrpc.GatewayBlockingStub stub, RecommendRequest request, boolean measured) {
      long start = System.nanoTime();
      try {
        RecommendResponse response = stub.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).recommend(request);
        if (measured && (response.getExplanationsDegraded() || response.getRankingDegraded())) {
          degraded++;
        }
      } catch (StatusRuntimeException e) {
        if (measured) {
          failed++;
          failures.add(e);
        }
      }
      if (measured) {
        nanos[count++] = System.nanoTime() - start;
      }
    }

    double millis(double quantile) {
      long[] sorted = Arrays.copyOf(nanos, count);
      Arrays.sort(sorted);
      int index = (int) Math.ceil(quantile * sorted.length) - 1;
      return sorted[Math.max(0, index)] / 1e6;
    }

    void print(String label, int requests, int limit, int userCount, int warmup) {
      System.out.printf(Locale.ROOT,
          "Recommend%s x%d (limit %d, %d users, after %d warm-up calls): median %.1f ms, p90 %.1f ms,"
              + " p99 %.1f ms, max %.1f ms; degraded %d, failed %d%n",
          label.isEmpty() ? "" : " " + label, requests, limit, userCount, warmup, millis(0.50),
          millis(0.90), millis(0.99), millis(1.0), degraded, failed);
    }
  }

}
