package io.glassbox.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.common.util.concurrent.Uninterruptibles;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HeadFirstHttpServer} over TLS, with a real handshake of a certificate made here: the
 * answers are those over plain HTTP, a client that stalls mid-handshake is closed at the head
 * limit, the answers held count their plaintext within the bound, and a closed connection gets a
 * close_notify.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HeadFirstHttpServerTlsTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @TempDir
  static Path dir;
  private static SSLContext serverTls;
  private static SSLContext clientTls;

  private final Closer closer = new Closer();

  @BeforeAll
  static void certificates() throws Exception {
    TestCertificates ca = TestCertificates.authority("head-first-tls-ca");
    Path caFile = ca.writeCa(dir.resolve("ca.crt"));
    Path[] server = ca.issue(dir, "server");
    serverTls = new TlsSettings(Optional.of(server[0]), Optional.of(server[1]), Optional.empty())
        .sslContext().orElseThrow();
    clientTls = new TlsSettings(Optional.empty(), Optional.empty(), Optional.of(caFile)).sslContext().orElseThrow();
  }

  @AfterEach
  void close() throws Exception {
    closer.close();
  }

  /**
   * Each request gets over TLS the bytes it gets over plain HTTP (but the date): a probe, HEAD, a
   * refused head, HTTP/1.0, pipelined requests and an answer of several records.
   */
  @Test
  void overTls_eachRequestGetsThePlainAnswer() throws Exception {
    byte[] big = letters(1 << 20);
    HeadFirstHttpServer.Limits limits =
        new HeadFirstHttpServer.Limits(16, Duration.ofSeconds(10), 4096, Duration.ofSeconds(10), 2, 4);
    HeadFirstHttpServer plain = closer.add(HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, 0),
        HeadFirstHttpServerTest.bigAnswers(big), limits));
    HeadFirstHttpServer tls = startTls(HeadFirstHttpServerTest.bigAnswers(big), limits);

    for (String request : List.of(
        "GET /live HTTP/1.1\r\nConnection: close\r\n\r\n",
        "HEAD /live HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /live HTTP/1.0\r\n\r\n",
        "HELLO\r\n\r\n",
        "GET /live HTTP/1.1\r\n\r\nGET /big HTTP/1.1\r\n\r\nGET /ready HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /big HTTP/1.1\r\nConnection: close\r\n\r\n")) {
      String overPlain = withoutDate(new String(readToClose(plainSocket(plain.port()), request), ISO_8859_1));
      String overTls = withoutDate(new String(readToClose(tlsSocket(tls.port()), request), ISO_8859_1));
      assertEquals(overPlain, overTls, request);
    }
    assertEquals(0, tls.heldBytes(), "bytes held once every answer was sent");
  }

  /**
   * A client that opens TLS and stalls, after one byte of its hello or after the whole hello, is
   * closed at the head limit, not before; HTTPS requests are answered meanwhile by the one worker.
   */
  @Test
  void aClientStalledMidHandshake_isClosedAtTheHeadLimit_andOthersAreAnsweredMeanwhile() throws Exception {
    Duration headLimit = Duration.ofSeconds(2);
    HeadFirstHttpServer server = startTls(new ProbeEndpoints(),
        new HeadFirstHttpServer.Limits(16, headLimit, 4096, Duration.ofSeconds(10), 1, 1));
    long since = System.nanoTime();
    Socket oneByte = closer.add(plainSocket(server.port()));
    oneByte.getOutputStream().write(0x16);
    Socket hello = closer.add(plainSocket(server.port()));
    hello.getOutputStream().write(clientHello());

    for (int i = 0; i < 3; i++) {
      assertTrue(new String(readToClose(tlsSocket(server.port()), "GET /live HTTP/1.1\r\nConnection: close\r\n\r\n"),
          ISO_8859_1).startsWith("HTTP/1.1 200 OK"), "request " + i);
    }
    for (Socket stalled : List.of(oneByte, hello)) {
      long closedAfter = awaitClosedByServer(stalled, since, headLimit.plusSeconds(5));
      assertTrue(closedAfter >= headLimit.minusMillis(300).toNanos(),
          "closed after " + TimeUnit.NANOSECONDS.toMillis(closedAfter) + " ms, before the head limit");
    }
  }

  /**
   * Clients that ask for a large answer over TLS and read none of it hold at most the bound of
   * plaintext held for writing (the oldest answers are dropped for the newest); the count returns
   * to none once they are gone, and a client that reads gets its whole answer meanwhile.
   */
  @Test
  void unreadAnswersOverTls_holdTheirPlaintextWithinTheBound() throws Exception {
    byte[] big = letters(2 * RawHttp.kernelSendQueueBytes());
    long bound = 2L * big.length;
    HeadFirstHttpServer server = startTls(HeadFirstHttpServerTest.bigAnswers(big),
        new HeadFirstHttpServer.Limits(64, Duration.ofSeconds(60), 4096, Duration.ofSeconds(60), 2, 64, bound));
    Closer unread = new Closer();
    for (int i = 0; i < 6; i++) {
      Socket socket = unread.add(tlsSocket(server.port()));
      socket.getOutputStream().write("GET /big HTTP/1.1\r\n\r\n".getBytes(ISO_8859_1));
      assertEquals("HTTP/1.1 200 OK", statusLine(socket.getInputStream()));
      long held = server.heldBytes();
      assertTrue(held <= bound, "after " + (i + 1) + " unread answers, " + held + " bytes held");
    }
    assertTrue(server.answersDropped() > 0, "the oldest unread answers were dropped");

    byte[] answer = readToClose(tlsSocket(server.port()), "GET /big HTTP/1.1\r\nConnection: close\r\n\r\n");
    assertArrayEquals(big, Arrays.copyOfRange(answer, answer.length - big.length, answer.length), "the whole answer");
    unread.close();
    HeadFirstHttpServerHeldBytesTest.awaitNothingHeld(server, Duration.ofSeconds(20), "bytes held once every client was gone");
  }

  /**
   * A connection the server closes after its answer ends with a close_notify: the client reads a
   * clean end of the stream, not a truncation.
   */
  @Test
  void aConnectionClosedAfterItsAnswer_getsACloseNotify() throws Exception {
    HeadFirstHttpServer server = startTls(new ProbeEndpoints(),
        new HeadFirstHttpServer.Limits(16, Duration.ofSeconds(10), 4096, Duration.ofSeconds(10), 1, 1));
    SSLEngine client = clientTls.createSSLEngine("localhost", server.port());
    client.setUseClientMode(true);
    try (Socket socket = plainSocket(server.port())) {
      ByteBuffer fromServer = EngineClient.handshake(client, socket);
      EngineClient.send(client, socket, "GET /live HTTP/1.1\r\nConnection: close\r\n\r\n");
      String answer = EngineClient.readToEnd(client, socket, fromServer);

      assertTrue(answer.startsWith("HTTP/1.1 200 OK"), answer);
      assertTrue(client.isInboundDone(), "the server's close_notify was read");
    }
  }

  /** Plain HTTP on the TLS port is closed with a TLS alert, no HTTP answer, and the port answers on. */
  @Test
  void plainHttpOnTheTlsPort_isClosed_andThePortAnswersOn() throws Exception {
    HeadFirstHttpServer server = startTls(new ProbeEndpoints(),
        new HeadFirstHttpServer.Limits(16, Duration.ofSeconds(10), 4096, Duration.ofSeconds(10), 1, 1));

    String answer = new String(readToClose(plainSocket(server.port()), "GET /live HTTP/1.1\r\n\r\n"), ISO_8859_1);
    assertFalse(answer.contains("HTTP/1.1"), "answered in plain: " + answer);
    // What curl shows as "Received HTTP/0.9 when not allowed": one TLS alert record (type 21), 7 bytes.
    assertEquals(7, answer.length(), answer);
    assertEquals(21, answer.charAt(0));
    assertTrue(new String(readToClose(tlsSocket(server.port()), "GET /live HTTP/1.1\r\nConnection: close\r\n\r\n"),
        ISO_8859_1).startsWith("HTTP/1.1 200 OK"));
  }

  /**
   * A TLS 1.2 client that sends a request and a renegotiation hello in one write, then, were it
   * let, a second request: the renegotiation is refused and the connection closed, so no second
   * handler runs beside the first, and the client sees its connection end rather than lose an
   * answer unseen; nothing stays held. Accepted, the renegotiation's tasks had the connection read
   * on while the first request ran: the second ran beside it, and the first's answer never came.
   */
  @Test
  void aClientRenegotiation_isRefused_andNoSecondHandlerRunsBesideTheFirst() throws Exception {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    AtomicInteger handled = new AtomicInteger();
    HttpHandler counting = exchange -> {
      mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        if (exchange.getRequestURI().getPath().equals("/slow")) {
          Thread.sleep(1500);
        }
        byte[] body = exchange.getRequestURI().getPath().getBytes(ISO_8859_1);
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        running.decrementAndGet();
        handled.incrementAndGet();
      }
    };
    HeadFirstHttpServer server = startTls(counting,
        new HeadFirstHttpServer.Limits(16, Duration.ofSeconds(10), 4096, Duration.ofSeconds(10), 2, 4));
    SSLEngine client = clientTls.createSSLEngine("localhost", server.port());
    client.setUseClientMode(true);
    client.setEnabledProtocols(new String[] {"TLSv1.2"});
    String answers;
    try (Socket socket = plainSocket(server.port())) {
      ByteBuffer fromServer = EngineClient.handshake(client, socket);
      assertEquals("TLSv1.2", client.getSession().getProtocol());
      EngineClient.sendWithRenegotiation(client, socket, "GET /slow HTTP/1.1\r\n\r\n");
      try {
        EngineClient.finishHandshake(client, socket, fromServer);
        EngineClient.send(client, socket, "GET /fast HTTP/1.1\r\nConnection: close\r\n\r\n");
        answers = EngineClient.readToEnd(client, socket, fromServer);
      } catch (IOException refused) {
        answers = "refused: " + refused;
      }
    }

    assertTrue(answers.startsWith("refused: "), "the renegotiation went through: " + answers);
    // The /slow handler, if it ran, is interrupted as its connection closes; none other runs.
    long awaitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while ((running.get() > 0 || server.heldBytes() > 0) && System.nanoTime() < awaitUntil) {
      Uninterruptibles.sleepUninterruptibly(10, TimeUnit.MILLISECONDS);
    }
    assertEquals(1, Math.max(1, mostAtOnce.get()), "handlers run at once on one connection");
    assertTrue(handled.get() <= 1, handled.get() + " requests handled");
    assertEquals(0, server.heldBytes(), "bytes held once the connection is closed");
  }

  /**
   * Client hellos on connections the server then closes for newer ones (past its bound of 8) leave
   * no handshake queued for a connection gone: the queue of tasks holds at most the connections
   * open, none is refused for a queue full of dead connections' work, and a normal HTTPS request is
   * answered after them. Before, every closed connection's batch stayed queued and ran: 1,500 such
   * hellos put a normal request 1.5 s behind.
   */
  @Test
  void clientHellos_ofConnectionsClosedMeanwhile_leaveNoHandshakeQueued() throws Exception {
    int connections = 8;
    HeadFirstHttpServer server = startTls(new ProbeEndpoints(),
        new HeadFirstHttpServer.Limits(connections, Duration.ofSeconds(30), 4096, Duration.ofSeconds(10), 1, 1));
    TlsTransport.Connections tls = server.tlsConnections();
    byte[] hello = clientHello();
    try (Closer hellos = new Closer()) {
      for (int i = 0; i < 300; i++) {
        Socket socket = hellos.add(plainSocket(server.port()));
        socket.getOutputStream().write(hello);
      }
      assertTrue(new String(readToClose(tlsSocket(server.port()), "GET /live HTTP/1.1\r\nConnection: close\r\n\r\n"),
          ISO_8859_1).startsWith("HTTP/1.1 200 OK"));
    }

    int mostQueued = tls.mostBatchesQueued();
    assertTrue(mostQueued <= connections, mostQueued + " batches of handshake tasks queued at once");
    assertEquals(0, tls.handshakesRefused(), "handshakes refused for a full queue");
  }

  private HeadFirstHttpServer startTls(HttpHandler handler, HeadFirstHttpServer.Limits limits) throws IOException {
    return closer.add(HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, 0), handler, limits,
        serverTls, serverTls.getDefaultSSLParameters()));
  }

  private static byte[] letters(int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) ('a' + i % 26);
    }
    return bytes;
  }

  private static Socket plainSocket(int port) throws IOException {
    Socket socket = new Socket(LOOPBACK, port);
    socket.setSoTimeout(30_000);
    return socket;
  }

  /** A TLS connection to the loopback {@code port}, its handshake done, that reads slowly (a small buffer). */
  private static Socket tlsSocket(int port) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(4096);
    socket.connect(new InetSocketAddress(LOOPBACK, port));
    SSLSocket tls = (SSLSocket) clientTls.getSocketFactory().createSocket(socket, "localhost", port, true);
    tls.setSoTimeout(30_000);
    tls.startHandshake();
    return tls;
  }

  /** Sends {@code request} on {@code socket} and reads everything until the server closes it; closes it. */
  private static byte[] readToClose(Socket socket, String request) throws IOException {
    try (socket) {
      socket.getOutputStream().write(request.getBytes(ISO_8859_1));
      socket.getOutputStream().flush();
      return socket.getInputStream().readAllBytes();
    }
  }

  private static String statusLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != '\n' && c != -1; c = in.read()) {
      line.append((char) c);
    }
    return line.toString().strip();
  }

  /** A client hello, as a browser's TLS sends it first. */
  private static byte[] clientHello() throws IOException {
    SSLEngine engine = clientTls.createSSLEngine("localhost", 443);
    engine.setUseClientMode(true);
    ByteBuffer hello = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), hello);
    return Arrays.copyOf(hello.array(), hello.position());
  }

  /**
   * Reads what the server sends until it closes {@code socket}; the nanoseconds from {@code since}
   * to then. Fails if it is still open {@code within} after {@code since}.
   */
  private static long awaitClosedByServer(Socket socket, long since, Duration within) throws IOException {
    long closeBy = since + within.toNanos();
    byte[] buffer = new byte[4096];
    try {
      while (true) {
        socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(closeBy - System.nanoTime())));
        if (socket.getInputStream().read(buffer) == -1) {
          break;
        }
      }
    } catch (SocketTimeoutException stillOpen) {
      fail("still open " + within.toMillis() + " ms after it stalled");
    } catch (IOException reset) {
      // Closed by the server, with a reset.
    }
    return System.nanoTime() - since;
  }

  private static String withoutDate(String answer) {
    return answer.replaceAll("(?m)^Date: .*\r\n", "Date: (now)\r\n");
  }
}
