package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Server;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * health --ready against a server that answers its health check SERVING but serves no server
 * reflection: said as such, not as a call the server does not serve ("the right server?").
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthReadyNoReflectionTest {
  @Test
  void ready_serverWithoutReflection_saysItServesNoReflection() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    Server server = SuiteAnswer.serve(health.getHealthService());
    try {
      String target = "localhost:" + server.getPort();

      CliRun run = CliRun.of("health", "--target", target, "--ready");

      // Before: "T is UNIMPLEMENTED … does not serve this call: does --target name the right server? …".
      assertEquals(1, run.exit(), run.err());
      assertEquals("glassbox health: " + target + " is SERVING overall but serves no server reflection"
          + " (grpc.reflection.v1.ServerReflection), which --ready needs to list its services\n", run.err());
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
