package io.glassbox.launcher;

import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.gateway.viewer.ViewerServer;
import io.glassbox.server.ConfigSource;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;

/** A suite on ephemeral ports with the viewer page on, for tests that open the page. */
final class ViewerSuites {
  private ViewerSuites() {}

  /**
   * Starts the suite of {@code config} with its viewer on a free port. The port is picked free
   * beforehand (0 turns the page off), so one of the suite's own ephemeral ports can take it
   * before the gateway binds: then the suite starts again, at most three times.
   */
  static Suite start(ConfigSource config) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        return Suite.start(config.with(Map.of(ViewerConfig.PORT_KEY, String.valueOf(freePort()))),
            Suite.Ports.ephemeral());
      } catch (ViewerServer.ListenFailed taken) {
        if (attempt == 3) {
          throw taken;
        }
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
