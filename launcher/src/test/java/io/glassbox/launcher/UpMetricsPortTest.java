package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.ServiceStartup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code up --metrics-port N}: the four /metrics ports move together (gateway N, feature N+1,
 * model N+2, explain N+3), so a second suite, or anything holding 9451-9454, need not cost them.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class UpMetricsPortTest {
  private static final String ROOT = System.getProperty("glassbox.repo.root");

  @Test
  void metricsPorts_moveTogetherFromTheFirst() throws Exception {
    ConfigSource config = ConfigSource.of(Map.of(
        "GLASSBOX_DATA_DIR", ROOT + "/data/uci-online-retail", "GLASSBOX_MODEL_DIR", ROOT + "/models",
        ViewerConfig.PORT_KEY, "0"));
    // The block is found free beforehand, so one of the suite's own ephemeral ports can take one of
    // its ports before a metrics server binds: then the suite starts again on another block.
    int first = 0;
    Suite started = null;
    for (int attempt = 1; started == null; attempt++) {
      first = freeBlockOfFour();
      try {
        started = Suite.start(config, new Suite.Ports(0, 0, 0, 0, 0, 0, first));
      } catch (RuntimeException e) {
        if (attempt == 3 || !ServiceStartup.addressInUse(e)) {
          throw e;
        }
      }
    }
    try (Suite suite = started) {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      // Four services in one process: each must have a port of its own, or the suite would not start.
      for (int port = first; port < first + 4; port++) {
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode(), "port " + port);
        assertTrue(metrics.body().contains("# HELP "), "port " + port);
      }
    }
  }

  @Test
  void metricsPortWithoutRoomForFour_isRefusedNamingTheRange() {
    CliRun run = CliRun.of("up", "--metrics-port", "65534");

    assertEquals(2, run.exit());
    assertTrue(run.err().startsWith("--metrics-port must be 0 (none) or 1..65532 (the first of four ports), got 65534"),
        run.err());
  }

  /** The first of four consecutive ports free on loopback. */
  private static int freeBlockOfFour() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int first;
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        first = probe.getLocalPort();
      }
      if (first > 65535 - 3) {
        continue;
      }
      List<ServerSocket> held = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          held.add(new ServerSocket(first + i, 1, InetAddress.getLoopbackAddress()));
        }
        return first;
      } catch (IOException taken) {
        // another try
      } finally {
        for (ServerSocket socket : held) {
          socket.close();
        }
      }
    }
    throw new IOException("no four consecutive free ports on loopback");
  }
}
