package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import io.glassbox.server.ConfigSource;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Error;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A --target naming an HTTP port (the viewer's, a metrics one) failed with "INTERNAL: http2
 * exception" and nothing more: the command now says the address may not be a gRPC port, or, when
 * what answered spoke TLS, to set the TLS files.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpPortTargetTest {
  /** bin/glassbox up's gRPC servers and what moves them, as each hint that sends the command to one ends. */
  static final String UP_GRPC_SERVERS = "bin/glassbox up's gRPC servers are by default the gateway at localhost:50051"
      + " (recommend, explain, why-not, what-if, feedback), the explain service at localhost:50054 (insights), the"
      + " feature admin at localhost:50062 (import) and the model admin at localhost:50063 (reload-model), unless up's"
      + " --gateway-port, --explain-port, --feature-admin-port or --model-admin-port moved them"
      + " (GLASSBOX_GATEWAY_TARGET, GLASSBOX_EXPLAIN_TARGET, GLASSBOX_FEATURE_ADMIN_TARGET and"
      + " GLASSBOX_MODEL_ADMIN_TARGET then move the commands' defaults to match).";
  /** The hint for a target that answered, but not in HTTP/2. */
  private static final String NOT_A_GRPC_PORT = "name a gRPC port with --target, not an HTTP one (by default up's"
      + " viewer, 8080, or metrics, 9451-9454, unless up's --http-port or --metrics-port moved them): "
      + UP_GRPC_SERVERS;

  @Test
  void recommendAndHealth_atAnHttpPort_sayItMayNotBeAGrpcPort() throws IOException {
    HttpServer http = notFoundServer();
    try {
      String target = "localhost:" + http.getAddress().getPort();
      // The hint said "H:P did not answer in gRPC: is it an HTTP port …?" under the line that says so.
      String hint = NOT_A_GRPC_PORT + "\n";

      CliRun recommend = CliRun.of("recommend", "--user", "12348", "--target", target);
      CliRun health = CliRun.of("health", "--target", target);

      assertEquals(1, recommend.exit(), recommend.err());
      assertEquals("glassbox: INTERNAL: " + target + " answered, but not in gRPC\nglassbox: " + hint, recommend.err());
      // health printed "... is INTERNAL" alone, then "... is INTERNAL" above the hint.
      assertEquals(1, health.exit(), health.err());
      assertEquals("glassbox health: INTERNAL: " + target + " answered, but not in gRPC\nglassbox health: " + hint,
          health.err());
      for (CliRun run : List.of(recommend, health)) {
        assertEquals(1, CliRun.timesSaid(run.err(), "answer"), run.err());
      }
    } finally {
      http.stop(0);
    }
  }

  /**
   * The same answer failing the call as UNAVAILABLE (the code is a race's: read first as a frame it
   * is INTERNAL, as above) is told the same. It said "start the suite with `bin/glassbox up`" under
   * "answered, but not in gRPC". The command's probe asks the real HTTP server how it speaks.
   */
  @Test
  void tell_unavailableFromAnAnswerThatIsNotHttp2_saysToNameAGrpcPort() throws IOException {
    HttpServer http = notFoundServer();
    try {
      String target = "localhost:" + http.getAddress().getPort();
      StatusRuntimeException notHttp2 = Status.UNAVAILABLE.withDescription("http2 exception")
          .withCause(Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR,
              "First received frame was not SETTINGS. Hex dump for first 5 bytes: 485454502f"))
          .asRuntimeException();

      CallHints.Told told = CallHints.tell(notHttp2, target, ConfigSource.of(Map.of()),
          Deadline.after(30, TimeUnit.SECONDS));

      assertEquals(Optional.of(target + " answered, but not in gRPC"), told.whatFailed());
      assertEquals(Optional.of(NOT_A_GRPC_PORT), told.hint());
    } finally {
      http.stop(0);
    }
  }

  /**
   * A TLS server (not a Netty one) that answers a plaintext client's HTTP/2 preface with a TLS
   * alert record (15 03 03 …): the command says to set the TLS files. Before, it got the "is it an
   * HTTP port?" hint.
   */
  @Test
  void recommend_atATlsServerAnsweringWithAnAlert_saysToSetTheTlsFiles() throws Exception {
    byte[] protocolVersionAlert = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46};
    try (ServerSocket tls = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> answered = CompletableFuture.runAsync(() -> {
        try (Socket client = tls.accept()) {
          client.getOutputStream().write(protocolVersionAlert);
          client.getInputStream().transferTo(OutputStream.nullOutputStream());   // until the client closes
        } catch (IOException e) {
          // the client closed first
        }
      });
      String target = "localhost:" + tls.getLocalPort();

      CliRun recommend = CliRun.of("recommend", "--user", "12348", "--target", target);

      assertEquals(1, recommend.exit(), recommend.err());
      assertEquals("glassbox: INTERNAL: " + target + " speaks TLS; this command sent plaintext\nglassbox: set"
          + " GLASSBOX_TLS_CA_FILE (and GLASSBOX_TLS_CERT_FILE and GLASSBOX_TLS_KEY_FILE where the suite wants mutual"
          + " TLS) to the files the suite uses.\n", recommend.err());
      answered.get(10, TimeUnit.SECONDS);
    }
  }

  /** An HTTP server on a free loopback port answering every request 404, as the viewer or a /metrics port might. */
  private static HttpServer notFoundServer() throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/", exchange -> {
      exchange.sendResponseHeaders(404, -1);
      exchange.close();
    });
    http.start();
    return http;
  }
}
