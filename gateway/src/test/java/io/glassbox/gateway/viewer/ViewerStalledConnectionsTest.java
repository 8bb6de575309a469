package io.glassbox.gateway.viewer;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.glassbox.server.TestCertificates;
import io.glassbox.server.TlsSettings;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Connections that stall before their request is read (a byte and no more, part of a request line
 * or of its headers, a TLS handshake begun and never finished, or finished and followed by half a
 * request) neither keep the page from answering others nor stay open: over HTTP, HTTPS, and HTTPS
 * with client certificates. The viewer used to read every request on one of four threads with no
 * time limit, so the fourth such connection stopped it for good.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ViewerStalledConnectionsTest {
  /** As many as a demanding user leaves open; well beyond the four that stopped the page. */
  private static final int STALLED = 100;
  /** How soon the page must answer beside them: well within the read limit that closes them. */
  private static final Duration PROMPTLY = Duration.ofSeconds(3);
  /** Slack over the read limit for the server's timer and a busy machine. */
  private static final Duration SLACK = Duration.ofSeconds(3);

  @TempDir
  static Path dir;
  private static TestCertificates ca;
  private static Path caFile;
  private static Path[] serverFiles;
  private static Path[] clientFiles;

  private final List<Stall> stalled = new ArrayList<>();
  private Server gatewayServer;
  private ManagedChannel channel;
  private ViewerServer viewer;

  /** How the page is served and how a browser reaches it. */
  private enum Transport {
    HTTP, HTTPS, HTTPS_WITH_CLIENT_CERTIFICATES;

    TlsSettings server() {
      return switch (this) {
        case HTTP -> TlsSettings.none();
        case HTTPS -> new TlsSettings(Optional.of(serverFiles[0]), Optional.of(serverFiles[1]), Optional.empty());
        case HTTPS_WITH_CLIENT_CERTIFICATES ->
            new TlsSettings(Optional.of(serverFiles[0]), Optional.of(serverFiles[1]), Optional.of(caFile));
      };
    }

    /** The browser's TLS: trust in the CA, and a certificate of it where the page wants one. */
    SSLContext browser() {
      TlsSettings tls = this == HTTPS_WITH_CLIENT_CERTIFICATES
          ? new TlsSettings(Optional.of(clientFiles[0]), Optional.of(clientFiles[1]), Optional.of(caFile))
          : new TlsSettings(Optional.empty(), Optional.empty(), Optional.of(caFile));
      return tls.sslContext().orElseThrow();
    }
  }

  @BeforeAll
  static void certificates() throws Exception {
    ca = TestCertificates.authority("viewer-stall-ca");
    caFile = ca.writeCa(dir.resolve("ca.crt"));
    serverFiles = ca.issue(dir, "gateway");
    clientFiles = ca.issue(dir, "browser");
  }

  @AfterEach
  void stop() throws Exception {
    for (Stall stall : stalled) {
      stall.socket().close();
    }
    if (viewer != null) {
      viewer.close();
    }
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (gatewayServer != null) {
      gatewayServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void stalledConnections_doNotKeepThePageFromAnswering_andAreClosedWithinTheReadLimit(Transport transport)
      throws Exception {
    start(transport);
    SSLContext tls = transport == Transport.HTTP ? null : transport.browser();
    for (int i = 0; i < STALLED; i++) {
      long since = System.nanoTime();
      stalled.add(new Stall(tls == null ? stallPlain(i) : stallTls(i, tls), since));
    }

    HttpClient browser = (tls == null ? HttpClient.newBuilder() : HttpClient.newBuilder().sslContext(tls))
        .connectTimeout(PROMPTLY).build();
    HttpResponse<String> page = browser.send(HttpRequest.newBuilder(viewer.uri()).timeout(PROMPTLY).build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(200, page.statusCode());
    for (int i = 0; i < stalled.size(); i++) {
      Stall stall = stalled.get(i);
      awaitClosedByServer(stall.socket(), stall.since() + ViewerServer.READ_LIMIT.plus(SLACK).toNanos(),
          "stalled connection " + i + " of " + transport);
    }
  }

  /** A connection that stalled, and when it began (a {@link System#nanoTime} value). */
  private record Stall(Socket socket, long since) {}

  private void start(Transport transport) throws IOException {
    String name = "viewer-stall-test-" + UUID.randomUUID();
    gatewayServer = InProcessServerBuilder.forName(name).directExecutor().addService(new FakeGateway()).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    viewer = ViewerServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        ViewerServer.Https.of(transport.server()), List.of(), channel, Duration.ofSeconds(5));
  }

  /** A plain connection that sends one byte, part of a request line, or part of its headers. */
  private Socket stallPlain(int i) throws IOException {
    Socket socket = connect();
    String start = switch (i % 3) {
      case 0 -> "G";
      case 1 -> "GET /viewer.js HT";
      default -> "GET / HTTP/1.1\r\nHost: localhost\r\n";
    };
    send(socket.getOutputStream(), start.getBytes(US_ASCII));
    return socket;
  }

  /**
   * A TLS connection that sends one byte of a record, its client hello and nothing more, or
   * finishes the handshake and sends part of a request line.
   */
  private Socket stallTls(int i, SSLContext browser) throws Exception {
    Socket socket = connect();
    switch (i % 3) {
      case 0 -> send(socket.getOutputStream(), new byte[] {0x16});
      case 1 -> send(socket.getOutputStream(), clientHello(browser));
      default -> {
        SSLSocket tls = (SSLSocket) browser.getSocketFactory()
            .createSocket(socket, "localhost", socket.getPort(), true);
        tls.setSoTimeout((int) PROMPTLY.toMillis());
        tls.startHandshake();
        send(tls.getOutputStream(), "GET / HT".getBytes(US_ASCII));
        return tls;
      }
    }
    return socket;
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress(viewer.uri().getHost(), viewer.uri().getPort()), (int) PROMPTLY.toMillis());
    return socket;
  }

  private static byte[] clientHello(SSLContext browser) throws IOException {
    SSLEngine engine = browser.createSSLEngine("localhost", 443);
    engine.setUseClientMode(true);
    ByteBuffer hello = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), hello);
    byte[] bytes = new byte[hello.flip().remaining()];
    hello.get(bytes);
    return bytes;
  }

  private static void send(OutputStream out, byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /**
   * Reads what the server sends (a TLS server's handshake messages, say) until it closes the
   * connection, failing if it is still open at {@code closeBy} (a {@link System#nanoTime} value).
   */
  private static void awaitClosedByServer(Socket socket, long closeBy, String what) throws IOException {
    InputStream in = socket.getInputStream();
    byte[] buffer = new byte[4096];
    try {
      while (true) {
        socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(closeBy - System.nanoTime())));
        if (in.read(buffer) == -1) {
          return;
        }
      }
    } catch (SocketTimeoutException stillOpen) {
      fail(what + " is still open " + ViewerServer.READ_LIMIT.plus(SLACK).toSeconds() + " s after it stalled");
    } catch (IOException closed) {
      // Reset by the server, or a TLS connection cut short: closed either way.
    }
  }
}
