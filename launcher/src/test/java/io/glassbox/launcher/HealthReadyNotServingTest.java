package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.api.v1.FeatureServiceGrpc;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * health --ready against a server whose overall status is SERVING while one of its services is
 * NOT_SERVING: names that service, and says only what is known of why.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthReadyNotServingTest {
  @Test
  void ready_serviceNotServing_namesItAndSaysABackendIsDownOrBeingRestored() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus(FeatureServiceGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
    Server server = SuiteAnswer.serve(health.getHealthService(), ProtoReflectionServiceV1.newInstance(),
        new FeatureServiceGrpc.FeatureServiceImplBase() {});
    try {
      String target = "localhost:" + server.getPort();

      CliRun run = CliRun.of("health", "--target", target, "--ready");

      // Before: "a backend it needs is down", untrue while the feature service seeds a Redis restarted empty.
      assertEquals(1, run.exit(), run.err());
      assertEquals("glassbox health: " + target + " is up, but its service " + FeatureServiceGrpc.SERVICE_NAME
          + " is NOT_SERVING (not ready: a backend it needs is down or being restored; the server's log says why)\n",
          run.err());
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
