package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/glassbox load} stopped early (Ctrl-C's SIGINT, or SIGTERM) says what the calls so far
 * measured. Before, a run of minutes stopped early printed its progress lines and no summary. The
 * test sends SIGTERM: both end in the JVM's shutdown hooks, but a process started in the background
 * of a non-interactive shell (as a CI run may start the build) inherits SIGINT ignored, and the
 * JVM then never sees it (the test ran its full 120 s in CI).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LoadStoppedEarlyTest {
  @Test
  void load_stoppedBySigterm_printsTheSummaryOfTheCallsSoFar(@TempDir Path dir) throws Exception {
    Server gateway = SuiteAnswer.serve(new GatewayGrpc.GatewayImplBase() {
      @Override
      public void recommend(RecommendRequest request, StreamObserver<RecommendResponse> responses) {
        responses.onNext(RecommendResponse.getDefaultInstance());
        responses.onCompleted();
      }
    });
    Path users = Files.writeString(dir.resolve("users.txt"), "u1\nu2\n");
    Process load = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), GlassboxCli.class.getName(), "load",
        "--target", "localhost:" + gateway.getPort(), "--users", users.toString(), "--rate", "20",
        "--duration", "120s", "--report-every", "1s")
        .redirectErrorStream(true).start();
    StringBuilder printed = new StringBuilder();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(load.getInputStream(), StandardCharsets.UTF_8))) {
      boolean interrupted = false;
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        printed.append(line).append('\n');
        // Interrupted once a progress line shows calls answered: the run is under way.
        if (!interrupted && line.matches("\\[ *[0-9.]+ s\\] answered [1-9].*")) {
          new ProcessBuilder(List.of("kill", "-TERM", String.valueOf(load.pid()))).start().waitFor();
          interrupted = true;
        }
      }
    } finally {
      load.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      gateway.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    String said = printed.toString();
    assertTrue(said.matches("(?s).*\nload: stopped after [0-9.]+ s of 120\\.0 s; what the calls so far measured:\n"
        + "requests: 2400 planned, [1-9][0-9]* sent, [1-9][0-9]* answered in [0-9.]+ s\n.*"), said);
  }
}
