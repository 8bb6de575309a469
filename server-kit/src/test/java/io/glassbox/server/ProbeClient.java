package io.glassbox.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** The metrics port's plain-HTTP probes as a prober sees them, for tests. */
final class ProbeClient {
  private ProbeClient() {}

  /** A port free now, for a metrics port (0 there turns it off). */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The answer to {@code GET path} on {@code port}: its status code and body, "503 NOT_SERVING". */
  static String probe(int port, String path) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body().strip();
  }
}
