package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A --target naming an HTTP port (the viewer's, a metrics one) failed with "INTERNAL: http2
 * exception" and nothing more: the command now says the address may not be a gRPC port.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpPortTargetTest {
  @Test
  void recommendAndHealth_atAnHttpPort_sayItMayNotBeAGrpcPort() throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/", exchange -> {
      exchange.sendResponseHeaders(404, -1);
      exchange.close();
    });
    http.start();
    try {
      String target = "localhost:" + http.getAddress().getPort();
      String hint = target + " did not answer in gRPC: is it an"
          + " HTTP port (the viewer's, 8080, or metrics, 9451-9454)? bin/glassbox up's gRPC servers are the gateway at"
          + " localhost:50051 (recommend, explain, why-not, what-if, feedback), the explain service at localhost:50054"
          + " (insights), the feature admin at localhost:50062 (import) and the model admin at localhost:50063"
          + " (reload-model).\n";

      CliRun recommend = CliRun.of("recommend", "--user", "12348", "--target", target);
      CliRun health = CliRun.of("health", "--target", target);

      assertEquals(1, recommend.exit(), recommend.err());
      assertEquals("glassbox: INTERNAL: http2 exception\nglassbox: " + hint, recommend.err());
      // health printed "... is INTERNAL" alone.
      assertEquals(1, health.exit(), health.err());
      assertEquals("glassbox health: " + target + " is INTERNAL\nglassbox health: " + hint, health.err());
    } finally {
      http.stop(0);
    }
  }
}
