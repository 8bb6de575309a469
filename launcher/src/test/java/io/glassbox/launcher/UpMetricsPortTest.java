package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.ConfigSource;
import java.io.IOException;
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
  @Test
  void up_theFeatureServicesMetricsPortTaken_saysItCameFromMetricsPortPlusOne() throws Exception {
    try (ServerSocket taken = secondOfFourFreePorts()) {
      int metricsPort = taken.getLocalPort() - 1;
      UpCommand up = new UpCommand();
      up.settings = () -> ConfigSource.of(Map.of());

      // A gateway port that is free: the gateway is not spoken of, as its port was not taken.
      CliRun run = CliRun.ofCommand(up, "--metrics-port", String.valueOf(metricsPort), "--http-port", "0",
          "--gateway-port", String.valueOf(freePort()), "--feature-port", "0", "--model-port", "0", "--explain-port", "0",
          "--feature-admin-port", "0", "--model-admin-port", "0");

      assertEquals(1, run.exit(), run.err());
      // It said "port 53171 on 127.0.0.1 is held by another process", naming no option; and then
      // "No Glassbox gateway answers on localhost:<the free gateway port>", of a port not taken.
      assertTrue(run.errWithoutLogLines().startsWith("glassbox: port " + (metricsPort + 1) + " (the feature service's"
          + " metrics port: --metrics-port " + metricsPort + " + 1) on 127.0.0.1 is held by another process.\n"
          + "Nothing was started. Stop what holds the port"), run.err());
    }
  }

  /**
   * The second of four loopback ports in a row, held, the other three free: from 53170 on, as the
   * block is in Linux's ephemeral range and any one port of it may be taken by a client's socket.
   */
  private static ServerSocket secondOfFourFreePorts() throws IOException {
    for (int first = 53170; first < 53370; first += 4) {
      if (free(first) && free(first + 2) && free(first + 3)) {
        try {
          return new ServerSocket(first + 1, 1, InetAddress.getLoopbackAddress());
        } catch (IOException taken) {
          // the next four
        }
      }
    }
    throw new IOException("no four free ports in a row in 53170-53369");
  }

  /** A loopback port free when asked (chosen by the system, then let go). */
  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }

  private static boolean free(int port) {
    try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException taken) {
      return false;
    }
  }
}
