package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * health --ready against a server whose overall check answers SERVING after 3 s and whose server
 * reflection never answers: one try keeps to its 5 s (or to --wait) in all, not 5 s per call.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthReadyDeadlineTest {
  /** What a try may take past its limit: the wait for a lost answer's slack, and a busy machine's. */
  private static final Duration SLACK = Duration.ofMillis(1500);

  private final ScheduledExecutorService answers = Executors.newSingleThreadScheduledExecutor();
  private Server server;
  private String target;

  @BeforeEach
  void startServer() throws Exception {
    server = SuiteAnswer.serve(new HealthGrpc.HealthImplBase() {
      @Override
      public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> replies) {
        answers.schedule(() -> {
          replies.onNext(HealthCheckResponse.newBuilder().setStatus(ServingStatus.SERVING).build());
          replies.onCompleted();
        }, 3, TimeUnit.SECONDS);
      }
    }, SuiteAnswer.silentReflection(() -> {}));
    target = "localhost:" + server.getPort();
  }

  @AfterEach
  void stopServer() throws Exception {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    answers.shutdownNow();
  }

  @Test
  void ready_reflectionNeverAnswers_oneTryEndsWithinItsFiveSeconds() {
    long start = System.nanoTime();
    CliRun run = CliRun.of("health", "--target", target, "--ready");
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    // Before: 8 s, the list of services given 5 s of its own after the 3 s the overall check took.
    assertEquals(1, run.exit(), run.err());
    assertEquals("glassbox health: no answer from " + target + " within 5 s: the server is busy or slow.\n", run.err());
    assertTrue(took.compareTo(HealthCommand.TRY_LIMIT.plus(SLACK)) < 0, "took " + took.toMillis() + " ms");
  }

  @Test
  void readyWait_reflectionNeverAnswers_endsWithinTheWait() {
    long start = System.nanoTime();
    CliRun run = CliRun.of("health", "--target", target, "--ready", "--wait", "4s");
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    // Before: 7 s, saying "no answer … within 4 s".
    assertEquals(1, run.exit(), run.err());
    assertTrue(took.compareTo(Duration.ofSeconds(4).plus(SLACK)) < 0, "took " + took.toMillis() + " ms");
  }
}
