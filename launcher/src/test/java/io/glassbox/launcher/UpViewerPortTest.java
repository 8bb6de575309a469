package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.gateway.viewer.ViewerServer;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.ServiceStartup;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bin/glassbox up} when the viewer's port is taken: the default one (8080, often some other
 * server's) costs only the page; a port the user chose stops it, as any taken port does.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class UpViewerPortTest {
  private static final String ROOT = System.getProperty("glassbox.repo.root");
  private static final Map<String, String> EMBEDDED = Map.of(
      "GLASSBOX_DATA_DIR", ROOT + "/data/uci-online-retail", "GLASSBOX_MODEL_DIR", ROOT + "/models");

  @Test
  void defaultViewerPortTaken_theSuiteStartsWithoutThePage() throws Exception {
    try (ServerSocket ignored = take(ViewerConfig.DEFAULT_PORT)) {
      try (Suite suite = Suite.start(ConfigSource.of(EMBEDDED), Suite.Ports.ephemeral())) {
        assertTrue(suite.viewerUri().isEmpty());
        String why = suite.viewerOff().orElseThrow();
        assertEquals("the viewer's port " + ViewerConfig.DEFAULT_PORT + " (GLASSBOX_GATEWAY_HTTP_PORT) on 127.0.0.1"
            + " is held by another process", why);
        ManagedChannel channel = ClientChannels.forTarget("localhost:" + suite.ports().gateway());
        try {
          assertFalse(GatewayGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
              .recommend(RecommendRequest.newBuilder().setUserId("12348").build()).getItemsList().isEmpty());
        } finally {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    }
  }

  @Test
  void chosenViewerPortTaken_stopsWithTheReason() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ConfigSource config = ConfigSource.of(EMBEDDED)
          .with(Map.of(ViewerConfig.PORT_KEY, String.valueOf(taken.getLocalPort())));

      ViewerServer.ListenFailed failed = assertThrows(ViewerServer.ListenFailed.class,
          () -> Suite.start(config, Suite.Ports.ephemeral()));
      assertTrue(ServiceStartup.addressInUse(failed));
      assertEquals("the viewer's port " + taken.getLocalPort() + " (GLASSBOX_GATEWAY_HTTP_PORT) on 127.0.0.1 is held"
          + " by another process", failed.getMessage());
    }
  }

  @Test
  void up_viewerPortOfTheEnvironmentTaken_namesTheVariable() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      UpCommand up = new UpCommand();
      up.settings = () -> ConfigSource.of(EMBEDDED).with(Map.of(ViewerConfig.PORT_KEY, String.valueOf(taken.getLocalPort())));

      CliRun run = CliRun.ofCommand(up, "--no-metrics", "--gateway-port", "0", "--feature-port", "0",
          "--model-port", "0", "--explain-port", "0", "--feature-admin-port", "0", "--model-admin-port", "0");

      assertEquals(1, run.exit(), run.err());
      // It said "the viewer's port P on 127.0.0.1 is held", without the variable that chose P.
      assertTrue(run.errWithoutLogLines().startsWith("glassbox: port " + taken.getLocalPort()
          + " (GLASSBOX_GATEWAY_HTTP_PORT) on 127.0.0.1 is held by another process.\nNothing was started."),
          run.err());
    }
  }

  /** Binds {@code port} on loopback; null when something else already holds it (the same case). */
  private static ServerSocket take(int port) throws IOException {
    try {
      return new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
    } catch (BindException alreadyTaken) {
      return null;
    }
  }
}
