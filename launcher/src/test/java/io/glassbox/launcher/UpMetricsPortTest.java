package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.ConfigSource;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bin/glassbox up} when a /metrics port it derived from --metrics-port is taken: the port
 * is said with the option and the derivation that chose it, as no option of up's names it.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class UpMetricsPortTest {
  /** The first of four /metrics ports, of the block these tests may use. */
  private static final int METRICS_PORT = 53170;

  @Test
  void up_theFeatureServicesMetricsPortTaken_saysItCameFromMetricsPortPlusOne() throws Exception {
    try (ServerSocket taken = new ServerSocket(METRICS_PORT + 1, 1, InetAddress.getLoopbackAddress())) {
      UpCommand up = new UpCommand();
      up.settings = () -> ConfigSource.of(Map.of());

      CliRun run = CliRun.ofCommand(up, "--metrics-port", String.valueOf(METRICS_PORT), "--http-port", "0",
          "--gateway-port", "0", "--feature-port", "0", "--model-port", "0", "--explain-port", "0",
          "--feature-admin-port", "0", "--model-admin-port", "0");

      assertEquals(1, run.exit(), run.err());
      // It said "port 53171 on 127.0.0.1 is held by another process", naming no option.
      assertTrue(run.errWithoutLogLines().startsWith("glassbox: port " + (METRICS_PORT + 1) + " (the feature service's"
          + " metrics port: --metrics-port " + METRICS_PORT + " + 1) on 127.0.0.1 is held by another process.\n"
          + "Nothing was started. Stop what holds the port"), run.err());
    }
  }
}
