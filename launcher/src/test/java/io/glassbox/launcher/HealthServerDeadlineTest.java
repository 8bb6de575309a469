package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * health against a server of the suite that answers its check DEADLINE_EXCEEDED at once: that is
 * an answer, not "no answer within 5 s".
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthServerDeadlineTest {
  @Test
  void health_serverAnswersDeadlineExceeded_saysWhatTheServerAnswered() throws Exception {
    Server server = SuiteAnswer.serve(new HealthGrpc.HealthImplBase() {
      @Override
      public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> replies) {
        replies.onError(Status.DEADLINE_EXCEEDED.withDescription("the model service did not answer in time")
            .asRuntimeException(SuiteAnswer.trailers("gateway", "trace-9")));
      }
    });
    try {
      String target = "localhost:" + server.getPort();

      CliRun run = CliRun.of("health", "--target", target);

      // Before: "no answer from T within 5 s: the server is busy or slow." of a server that answered at once.
      assertEquals(1, run.exit(), run.err());
      assertEquals("glassbox health: " + target + " is DEADLINE_EXCEEDED: the model service did not answer in time\n",
          run.err());
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
