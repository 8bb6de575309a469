package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.reflection.v1.ErrorResponse;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * health --ready --wait against a server whose reflection answers an error_response and leaves its
 * stream open: each try ends its stream, so tries do not pile up open streams until their deadlines.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthReadyStreamsTest {
  @Test
  void readyWait_reflectionAnswersErrorAndStaysOpen_atMostOneStreamOpenAtATime() throws Exception {
    AtomicInteger open = new AtomicInteger();
    AtomicInteger mostOpen = new AtomicInteger();
    AtomicInteger streams = new AtomicInteger();
    Server server = SuiteAnswer.serve(new HealthStatusManager().getHealthService(),
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
    try {
      String target = "localhost:" + server.getPort();
      // A first command in this JVM takes seconds to load its classes, which would leave --wait one try.
      assertEquals(0, CliRun.of("health", "--target", target).exit());

      CliRun run = CliRun.of("health", "--target", target, "--ready", "--wait", "3s");

      assertEquals(1, run.exit(), run.err());
      // Before: every try's stream stayed open till its deadline, 3 s.
      assertEquals(1, mostOpen.get(), "of " + streams.get() + " streams opened");
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
