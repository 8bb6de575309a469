package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.FeatureServiceGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.reflection.v1.ErrorResponse;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * health --ready against fakes of a server of the suite (SuiteAnswer) that answer its two questions,
 * the health check and the list of services through server reflection, one way each; HealthReadyTest
 * runs it against the real suite.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthReadyAnswersTest {
  /** What a try may take past its limit: the wait for a lost answer's slack, and a busy machine's. */
  private static final Duration SLACK = Duration.ofMillis(1500);

  private final ScheduledExecutorService answers = Executors.newSingleThreadScheduledExecutor();
  private Server server;

  @AfterEach
  void stopServer() throws Exception {
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    answers.shutdownNow();
  }

  /** A server that answers its health check SERVING but serves no server reflection. */
  @Test
  void ready_serverWithoutReflection_saysItServesNoReflection() throws Exception {
    server = SuiteAnswer.serve(new HealthStatusManager().getHealthService());
    String target = "localhost:" + server.getPort();

    CliRun run = CliRun.of("health", "--target", target, "--ready");

    // Before: "T is UNIMPLEMENTED … does not serve this call: does --target name the right server? …".
    assertEquals(1, run.exit(), run.err());
    assertEquals("glassbox health: " + target + " is SERVING overall but serves no server reflection"
        + " (grpc.reflection.v1.ServerReflection), which --ready needs to list its services\n", run.err());
  }

  /** A server whose overall status is SERVING while one of its services is NOT_SERVING. */
  @Test
  void ready_serviceNotServing_namesItAndSaysABackendIsDownOrBeingRestored() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus(FeatureServiceGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
    server = SuiteAnswer.serve(health.getHealthService(), ProtoReflectionServiceV1.newInstance(),
        new FeatureServiceGrpc.FeatureServiceImplBase() {});
    String target = "localhost:" + server.getPort();

    CliRun run = CliRun.of("health", "--target", target, "--ready");

    // Before: "a backend it needs is down", untrue while the feature service seeds a Redis restarted empty.
    assertEquals(1, run.exit(), run.err());
    assertEquals("glassbox health: " + target + " is up, but its service " + FeatureServiceGrpc.SERVICE_NAME
        + " is NOT_SERVING (not ready: a backend it needs is down or being restored; the server's log says why)\n",
        run.err());
  }

  /**
   * A server whose reflection answers an error_response and leaves its stream open: each try of
   * --wait ends its stream, so tries do not pile up open streams until their deadlines.
   */
  @Test
  void readyWait_reflectionAnswersErrorAndStaysOpen_atMostOneStreamOpenAtATime() throws Exception {
    AtomicInteger open = new AtomicInteger();
    AtomicInteger mostOpen = new AtomicInteger();
    AtomicInteger streams = new AtomicInteger();
    server = SuiteAnswer.serve(new HealthStatusManager().getHealthService(),
        new ServerReflectionGrpc.ServerReflectionImplBase() {
          @Override
          public StreamObserver<ServerReflectionRequest> serverReflectionInfo(
              StreamObserver<ServerReflectionResponse> replies) {
            streams.incrementAndGet();
            mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
            ((ServerCallStreamObserver<ServerReflectionResponse>) replies).setOnCancelHandler(open::decrementAndGet);
            return new StreamObserver<>() {
              @Override
              public void onNext(ServerReflectionRequest request) {
                replies.onNext(ServerReflectionResponse.newBuilder().setErrorResponse(ErrorResponse.newBuilder()
                    .setErrorCode(Status.Code.RESOURCE_EXHAUSTED.value()).setErrorMessage("busy")).build());
              }

              @Override
              public void onError(Throwable failure) {}

              @Override
              public void onCompleted() {}   // left open
            };
          }
        });
    String target = "localhost:" + server.getPort();
    // A first command in this JVM takes seconds to load its classes, which would leave --wait one try.
    assertEquals(0, CliRun.of("health", "--target", target).exit());

    CliRun run = CliRun.of("health", "--target", target, "--ready", "--wait", "3s");

    assertEquals(1, run.exit(), run.err());
    // Before: every try's stream stayed open till its deadline, 3 s.
    assertEquals(1, mostOpen.get(), "of " + streams.get() + " streams opened");
  }

  /**
   * A server whose overall check answers SERVING after 3 s and whose server reflection never
   * answers: one try keeps to its 5 s in all, not 5 s per call.
   */
  @Test
  void ready_reflectionNeverAnswers_oneTryEndsWithinItsFiveSeconds() throws Exception {
    String target = serveSlowHealthAndSilentReflection();

    long start = System.nanoTime();
    CliRun run = CliRun.of("health", "--target", target, "--ready");
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    // Before: 8 s, the list of services given 5 s of its own after the 3 s the overall check took.
    assertEquals(1, run.exit(), run.err());
    assertEquals("glassbox health: no answer from " + target + " within 5 s: the server is busy or slow.\n", run.err());
    assertTrue(took.compareTo(HealthCommand.TRY_LIMIT.plus(SLACK)) < 0, "took " + took.toMillis() + " ms");
  }

  /** As above, with --wait: the command keeps to the wait in all. */
  @Test
  void readyWait_reflectionNeverAnswers_endsWithinTheWait() throws Exception {
    String target = serveSlowHealthAndSilentReflection();

    long start = System.nanoTime();
    CliRun run = CliRun.of("health", "--target", target, "--ready", "--wait", "4s");
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    // Before: 7 s, saying "no answer … within 4 s".
    assertEquals(1, run.exit(), run.err());
    assertTrue(took.compareTo(Duration.ofSeconds(4).plus(SLACK)) < 0, "took " + took.toMillis() + " ms");
  }

  /** Serves a health check that answers SERVING after 3 s and a reflection that never answers; its target. */
  private String serveSlowHealthAndSilentReflection() throws Exception {
    server = SuiteAnswer.serve(new HealthGrpc.HealthImplBase() {
      @Override
      public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> replies) {
        answers.schedule(() -> {
          replies.onNext(HealthCheckResponse.newBuilder().setStatus(ServingStatus.SERVING).build());
          replies.onCompleted();
        }, 3, TimeUnit.SECONDS);
      }
    }, SuiteAnswer.silentReflection(() -> {}));
    return "localhost:" + server.getPort();
  }
}
