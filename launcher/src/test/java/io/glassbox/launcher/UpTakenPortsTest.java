package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.feature.FeatureConfig;
import io.glassbox.server.ConfigSource;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/glassbox up} when a port it will listen on is taken: refused before anything starts
 * (the gateway, which binds last, was else found taken only after the data and model were read),
 * naming the port and its option, and saying "already up" only where a Glassbox suite answers.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class UpTakenPortsTest {
  private static final String ROOT = System.getProperty("glassbox.repo.root");

  /**
   * A data folder that does not exist: a suite that started loading would stop on it first, so
   * a refusal that names the port was said before anything started.
   */
  @TempDir Path dir;

  private UpCommand upOnMissingData() {
    UpCommand up = new UpCommand();
    up.settings = () -> ConfigSource.of(Map.of(FeatureConfig.DATA_DIR_KEY, dir.resolve("no-such-data").toString()));
    return up;
  }

  @Test
  void up_gatewayPortHeldByAnotherServer_refusedBeforeAnythingStarts_withoutAlreadyUp() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CliRun run = CliRun.ofCommand(upOnMissingData(), "--no-metrics", "--http-port", "0",
          "--gateway-port", String.valueOf(taken.getLocalPort()), "--feature-port", "0", "--model-port", "0",
          "--explain-port", "0", "--feature-admin-port", "0", "--model-admin-port", "0");

      assertEquals(1, run.exit(), run.err());
      assertEquals("glassbox: port " + taken.getLocalPort() + " (--gateway-port) on 127.0.0.1 is held by another"
          + " process.\nNothing was started. No Glassbox gateway answers on localhost:" + taken.getLocalPort()
          + " (--gateway-port). Stop what holds the port, or move the suite to free ones: `bin/glassbox up --help`"
          + " lists the port options (--metrics-port moves the four /metrics ports, 9451-9454 by default;"
          + " --no-metrics frees them).\n", run.errWithoutLogLines());
    }
  }

  @Test
  void up_viewerPortChosenAndHeld_refusedBeforeAnythingStarts_namingHttpPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CliRun run = CliRun.ofCommand(upOnMissingData(), "--no-metrics", "--http-port", String.valueOf(taken.getLocalPort()),
          "--gateway-port", "0", "--feature-port", "0", "--model-port", "0",
          "--explain-port", "0", "--feature-admin-port", "0", "--model-admin-port", "0");

      assertEquals(1, run.exit(), run.err());
      assertTrue(run.errWithoutLogLines().startsWith("glassbox: port " + taken.getLocalPort()
          + " (--http-port) on 127.0.0.1 is held by another process.\nNothing was started."), run.err());
      assertFalse(run.err().contains("already up"), run.err());
    }
  }

  @Test
  void up_everyPortHeld_eachIsNamedWithItsOption() throws Exception {
    try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ServerSocket b = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CliRun run = CliRun.ofCommand(upOnMissingData(), "--no-metrics", "--http-port", "0",
          "--gateway-port", "0", "--feature-port", "0", "--model-port", String.valueOf(a.getLocalPort()),
          "--explain-port", "0", "--feature-admin-port", "0", "--model-admin-port", String.valueOf(b.getLocalPort()));

      assertEquals(1, run.exit(), run.err());
      assertTrue(run.errWithoutLogLines().startsWith("glassbox: port " + a.getLocalPort()
          + " (--model-port) on 127.0.0.1 is held by another process.\nglassbox: port " + b.getLocalPort()
          + " (--model-admin-port) on 127.0.0.1 is held by another process.\nNothing was started."), run.err());
    }
  }

  @Test
  void up_gatewayPortOfASuiteAlreadyUp_saysSoAndHowToTalkToIt() throws Exception {
    Map<String, String> embedded = Map.of(
        "GLASSBOX_DATA_DIR", ROOT + "/data/uci-online-retail", "GLASSBOX_MODEL_DIR", ROOT + "/models");
    try (Suite running = Suite.start(ConfigSource.of(embedded).with(Map.of("GLASSBOX_GATEWAY_HTTP_PORT", "0")),
        Suite.Ports.ephemeral())) {
      int gateway = running.ports().gateway();
      CliRun run = CliRun.ofCommand(upOnMissingData(), "--no-metrics", "--http-port", "0",
          "--gateway-port", String.valueOf(gateway), "--feature-port", "0", "--model-port", "0",
          "--explain-port", "0", "--feature-admin-port", "0", "--model-admin-port", "0");

      assertEquals(1, run.exit(), run.err());
      assertTrue(run.errWithoutLogLines().startsWith("glassbox: port " + gateway + " (--gateway-port) on 127.0.0.1"
          + " is held by another process.\nNothing was started. A Glassbox suite is already up on localhost:" + gateway
          + ": `bin/glassbox recommend --target localhost:" + gateway + " --user 12348` talks to it."), run.err());
    }
  }
}
