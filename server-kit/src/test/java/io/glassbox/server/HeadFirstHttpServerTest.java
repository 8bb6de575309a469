package io.glassbox.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The metrics port's server: the answers of the JDK's server, byte for byte, and the bounds that
 * keep stalled connections from the requests of others.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HeadFirstHttpServerTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final HeadFirstHttpServer.Limits LIMITS =
      new HeadFirstHttpServer.Limits(16, Duration.ofSeconds(10), 4096, Duration.ofSeconds(10), 2, 4);

  private final Closer closer = new Closer();

  @AfterEach
  void close() throws Exception {
    closer.close();
  }

  @Test
  void clientGone_aResetOrABrokenPipe_asTheJdkWordsThem() {
    assertTrue(HeadFirstHttpServer.clientGone(new IOException("Connection reset by peer")));
    assertTrue(HeadFirstHttpServer.clientGone(new IOException("Connection reset")));
    assertTrue(HeadFirstHttpServer.clientGone(new IOException("Broken pipe")));
    assertTrue(HeadFirstHttpServer.clientGone(new IOException(
        "An established connection was aborted by the software in your host machine")));
  }

  @Test
  void clientGone_notAnyOtherFailure() {
    assertFalse(HeadFirstHttpServer.clientGone(new IOException("No space left on device")));
    assertFalse(HeadFirstHttpServer.clientGone(new IOException("insufficient bytes written to stream")));
    assertFalse(HeadFirstHttpServer.clientGone(new IOException()));
  }

  /**
   * Each request, sent alone on a connection whose client then shuts its side, gets the bytes the
   * JDK's server sent (but the date), keep-alive, HTTP/1.0, pipelining and a gzip scrape included.
   */
  @Test
  void answers_byteForByte_asTheJdkServer() throws Exception {
    HttpHandler handler = metricsAndProbes();
    HttpServer jdk = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
    jdk.createContext("/", handler);
    jdk.start();
    closer.add((AutoCloseable) () -> jdk.stop(0));
    HeadFirstHttpServer headFirst =
        HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, 0), handler, LIMITS);
    closer.add(headFirst);

    List<String> requests = List.of(
        "GET /live HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "GET /ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        "HEAD /live HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "DELETE /live HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "GET /elsewhere?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\n\r\n",
        "HEAD /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "GET /live HTTP/1.0\r\n\r\n",
        "\r\nGET /live HTTP/1.1\r\nHost: localhost\r\n\r\nGET /ready HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "HELLO\r\n\r\n",
        "GET /a%zz HTTP/1.1\r\n\r\n",
        // Framing it cannot trust: refused, never a body read as the next request.
        "GET /live HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 23\r\n\r\nGET /ready HTTP/1.1\r\n\r\n",
        "GET /live HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET /live HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "GET /live HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        "GET /live HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        "GET /live HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        // A CR or LF alone in a header (which Headers refuses).
        "GET /live HTTP/1.1\r\nHost: x\r\nX: a\nb\r\n\r\n",
        "GET /live HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n",
        "GET /live HTTP/1.1\r\nX\nY: b\r\n\r\n");
    for (String request : requests) {
      assertEquals(withoutDate(exchange(jdk.getAddress().getPort(), request)),
          withoutDate(exchange(headFirst.port(), request)), request);
    }
  }

  /**
   * Every status a handler may send gets the JDK server's reason phrase (the viewer sends 414 and
   * 429; the table once lacked them, and said "Found" for 302 where the JDK says "Temporary
   * Redirect").
   */
  @Test
  void everyStatus_hasTheJdkServersStatusLine() throws Exception {
    HttpHandler handler = exchange -> {
      exchange.sendResponseHeaders(Integer.parseInt(exchange.getRequestURI().getPath().substring(1)), -1);
      exchange.close();
    };
    HttpServer jdk = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
    jdk.createContext("/", handler);
    jdk.start();
    closer.add((AutoCloseable) () -> jdk.stop(0));
    HeadFirstHttpServer headFirst =
        closer.add(HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, 0), handler, LIMITS));

    for (int code = 200; code < 600; code++) {
      String request = "GET /" + code + " HTTP/1.1\r\nConnection: close\r\n\r\n";
      assertEquals(statusLine(exchange(jdk.getAddress().getPort(), request)),
          statusLine(exchange(headFirst.port(), request)), request);
    }
  }

  private static String statusLine(String answer) {
    return answer.substring(0, Math.max(0, answer.indexOf("\r\n")));
  }

  /**
   * Bounds that cannot serve (none, or negative) are refused before the port is bound, naming the
   * bound: a zero {@code threads} or {@code queued} failed only after binding and left the port
   * bound; a zero connection bound or head limit started a server that closed every connection.
   */
  @ParameterizedTest
  @MethodSource("badLimits")
  void badLimits_areRefusedNamingTheBound_andLeaveThePortFree(String bound,
      Supplier<HeadFirstHttpServer.Limits> limits) throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, LOOPBACK)) {
      port = free.getLocalPort();
    }
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> closer.add(HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, port), new ProbeEndpoints(),
            limits.get())));

    assertTrue(refused.getMessage().startsWith(bound + " must be positive"), refused.getMessage());
    try (ServerSocket again = new ServerSocket(port, 1, LOOPBACK)) {
      assertEquals(port, again.getLocalPort());
    }
  }

  /** Each bound, and limits with it zero or negative, every other bound valid. */
  static Stream<Arguments> badLimits() {
    Duration second = Duration.ofSeconds(1);
    return Stream.of(
        badLimits("connections", () -> new HeadFirstHttpServer.Limits(0, second, 4096, second, 1, 1)),
        badLimits("headLimit", () -> new HeadFirstHttpServer.Limits(16, Duration.ZERO, 4096, second, 1, 1)),
        badLimits("headBytes", () -> new HeadFirstHttpServer.Limits(16, second, -1, second, 1, 1)),
        badLimits("answerLimit", () -> new HeadFirstHttpServer.Limits(16, second, 4096, second.negated(), 1, 1)),
        badLimits("threads", () -> new HeadFirstHttpServer.Limits(16, second, 4096, second, 0, 1)),
        badLimits("queued", () -> new HeadFirstHttpServer.Limits(16, second, 4096, second, 1, 0)),
        badLimits("heldBytes", () -> new HeadFirstHttpServer.Limits(16, second, 4096, second, 1, 1, -1)));
  }

  private static Arguments badLimits(String bound, Supplier<HeadFirstHttpServer.Limits> limits) {
    return Arguments.of(bound, limits);
  }

  @Test
  void aStalledHead_isClosedAtItsLimit_andOthersAreAnsweredMeanwhile() throws Exception {
    HeadFirstHttpServer server = probesServer(16, Duration.ofSeconds(1));
    try (Socket stalled = new Socket(LOOPBACK, server.port())) {
      stalled.getOutputStream().write('G');
      assertEquals(Optional.of("HTTP/1.1 200 OK"), RawHttp.statusLine(LOOPBACK.getHostAddress(), server.port(),
          "GET /live HTTP/1.1\r\nHost: localhost\r\n\r\n"));
      stalled.setSoTimeout(30_000);
      assertEquals(-1, stalled.getInputStream().read(), "closed, unanswered");
    }
  }

  /** Beyond its bound, a new connection closes the one longest waiting for its head, and is answered. */
  @Test
  void full_aNewConnectionClosesTheOneLongestWaiting() throws Exception {
    HeadFirstHttpServer server = probesServer(4, Duration.ofSeconds(30));
    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        Socket socket = new Socket(LOOPBACK, server.port());
        stalled.add(socket);
        socket.getOutputStream().write('G');
        socket.setSoTimeout(30_000);
      }
      assertEquals(Optional.of("HTTP/1.1 200 OK"), RawHttp.statusLine(LOOPBACK.getHostAddress(), server.port(),
          "GET /live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
      assertEquals(-1, stalled.get(0).getInputStream().read(), "the one waiting longest, closed");
      stalled.get(3).setSoTimeout(200);
      try {
        stalled.get(3).getInputStream().read();
        throw new AssertionError("the newest stalled connection was closed");
      } catch (SocketTimeoutException stillOpen) {
        // Still waiting for its head, as it should.
      }
    } finally {
      for (Socket socket : stalled) {
        socket.close();
      }
    }
  }

  /**
   * A request with a body is answered and its connection closed: the body, which looks like a
   * request, is never read as the next one.
   */
  @Test
  void aBody_isNeverReadAsTheNextRequest() throws Exception {
    HeadFirstHttpServer server = probesServer(16, Duration.ofSeconds(30));
    String answers = exchangeKeepingOpen(server.port(),
        "GET /live HTTP/1.1\r\nContent-Length: 23\r\n\r\nGET /ready HTTP/1.1\r\n\r\n");
    assertEquals(1, answers.split("HTTP/1.1 ", -1).length - 1, answers);
    assertTrue(answers.startsWith("HTTP/1.1 200 OK"), answers);
  }

  /**
   * A handler past the answer limit is interrupted and its connection closed; the request queued
   * behind it, whose limit passed too, is dropped, closed; the worker then serves the next request.
   */
  @Test
  void aHandlerPastItsLimit_isInterrupted_itsAndTheQueuedConnectionClosed_andTheWorkerServesAgain() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    ProbeEndpoints probes = new ProbeEndpoints();
    HttpHandler blocking = exchange -> {
      if (!exchange.getRequestURI().getPath().equals("/block")) {
        probes.handle(exchange);
        return;
      }
      running.countDown();
      try {
        new CountDownLatch(1).await();
      } catch (InterruptedException e) {
        interrupted.countDown();
        Thread.currentThread().interrupt();
      }
    };
    HeadFirstHttpServer server = closer.add(HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, 0),
        blocking, new HeadFirstHttpServer.Limits(16, Duration.ofSeconds(60), 4096, Duration.ofSeconds(2), 1, 1)));
    try (Socket first = new Socket(LOOPBACK, server.port());
        Socket second = new Socket(LOOPBACK, server.port());
        Socket third = new Socket(LOOPBACK, server.port())) {
      first.setSoTimeout(30_000);
      first.getOutputStream().write("GET /block HTTP/1.1\r\n\r\n".getBytes(ISO_8859_1));
      assertTrue(running.await(30, TimeUnit.SECONDS), "the handler runs");
      second.getOutputStream().write("GET /block HTTP/1.1\r\n\r\n".getBytes(ISO_8859_1));
      third.getOutputStream().write("GET /block HTTP/1.1\r\n\r\n".getBytes(ISO_8859_1));
      assertEquals("HTTP/1.1 503 Service Unavailable", RawHttp.firstStatusLine(List.of(second, third)),
          "the worker and the queue are taken: one of the two is queued");

      assertEquals(-1, first.getInputStream().read(), "the handler's connection, closed unanswered");
      assertFalse((readToClose(second) + readToClose(third)).contains("200 OK"),
          "the queued connection, closed unanswered");
    }
    // The connection closes as the interrupt is sent; the handler sees it on its own thread after.
    assertTrue(interrupted.await(30, TimeUnit.SECONDS), "the handler was interrupted");
    assertEquals("HTTP/1.1 200 OK", RawHttp.slowStatusLine(server.port(), "GET /live HTTP/1.1\r\n\r\n"));
  }

  /**
   * Full of connections whose clients stopped reading their answers, a new connection closes the
   * one whose answer has waited longest, and is answered.
   */
  @Test
  void full_ofUnreadAnswers_aNewConnectionIsAnswered() throws Exception {
    byte[] big = new byte[32 << 20];
    // Room for both answers: the connection limit, not the bound on bytes held, closes one.
    HeadFirstHttpServer server = closer.add(HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, 0),
        bigAnswers(big), new HeadFirstHttpServer.Limits(2, Duration.ofSeconds(60), 4096, Duration.ofSeconds(60), 2, 2,
            4L * big.length)));
    try (Socket oldest = new Socket(LOOPBACK, server.port()); Socket newer = new Socket(LOOPBACK, server.port())) {
      for (Socket socket : List.of(oldest, newer)) {
        socket.setReceiveBufferSize(4096);
        socket.getOutputStream().write("GET /big HTTP/1.1\r\n\r\n".getBytes(ISO_8859_1));
        // Its answer has begun, and stalls: the client reads no more.
        assertEquals("HTTP/1.1 200 OK", RawHttp.firstStatusLine(List.of(socket)));
      }
      assertEquals("HTTP/1.1 200 OK", RawHttp.slowStatusLine(server.port(), "GET /live HTTP/1.1\r\n\r\n"));
      assertEquals(0, server.answersDropped(), "answers dropped for the bytes they held");
    }
  }

  /**
   * Clients that ask for a large answer and read none of it hold at most the bound of answers held
   * for writing: beyond it, a new answer closes the connection whose answer has waited longest
   * (unbounded, 120 such clients of a 4 MiB scrape held 219 MiB). Probes are answered meanwhile, and
   * a client that reads gets its whole answer.
   */
  @Test
  void unreadAnswers_areHeldWithinTheBound_andProbesAndAReadingClientAreAnswered() throws Exception {
    // Twice what the kernel would queue of it left to its own sizing: each unread answer holds at
    // least half of it in memory (nearly all: the server's send buffer takes about 128 KiB).
    byte[] big = new byte[2 * RawHttp.kernelSendQueueBytes()];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) ('a' + i % 26);
    }
    long bound = 2L * big.length;
    HeadFirstHttpServer server = closer.add(HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, 0),
        bigAnswers(big), request -> !request.uri().getPath().equals("/big"),
        new HeadFirstHttpServer.Limits(64, Duration.ofSeconds(60), 4096, Duration.ofSeconds(60), 2, 64, bound)));
    for (int i = 0; i < 8; i++) {
      closer.add(RawHttp.unreadAnswer(server.port(), "GET /big HTTP/1.1\r\n\r\n"));
      long held = server.heldBytes();
      assertTrue(held <= bound, "after " + (i + 1) + " unread answers, " + held + " bytes held");
    }
    assertTrue(server.answersDropped() > 0, "the oldest unread answers were dropped");

    assertEquals("HTTP/1.1 200 OK", RawHttp.slowStatusLine(server.port(), "GET /live HTTP/1.1\r\n\r\n"));
    byte[] answer = exchange(server.port(), "GET /big HTTP/1.1\r\nConnection: close\r\n\r\n").getBytes(ISO_8859_1);
    assertArrayEquals(big, Arrays.copyOfRange(answer, answer.length - big.length, answer.length), "the whole answer");
    assertTrue(new String(answer, 0, 20, ISO_8859_1).startsWith("HTTP/1.1 200 OK"));
    assertTrue(server.heldBytes() <= bound, server.heldBytes() + " bytes held");
  }

  /**
   * The kernel queues little of an answer its client does not read: the rest stays within the
   * server's bound on bytes held. With the kernel's own sizing, each such connection on loopback
   * took about 3 MB (50 took 199 MiB of kernel memory), outside any bound of the server's.
   */
  @Test
  void anUnreadAnswer_theKernelQueuesLittleOfIt() throws Exception {
    byte[] big = new byte[4 << 20];
    HeadFirstHttpServer server = closer.add(HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, 0),
        bigAnswers(big), request -> !request.uri().getPath().equals("/big"), LIMITS));
    closer.add(RawHttp.unreadAnswer(server.port(), "GET /big HTTP/1.1\r\n\r\n"));
    long queued = big.length - server.heldBytes();
    assertTrue(queued <= 4 * HeadFirstHttpServer.SEND_BUFFER_BYTES, queued + " bytes of the answer left the server");
  }

  /** A folded header line (obs-fold) is refused 400, as RFC 9112 allows, not read as a header of its own. */
  @Test
  void aFoldedHeaderLine_isRefused() throws Exception {
    HeadFirstHttpServer server = probesServer(16, Duration.ofSeconds(30));
    assertEquals("HTTP/1.1 400 Bad Request",
        RawHttp.slowStatusLine(server.port(), "GET /live HTTP/1.1\r\nX-A: b\r\n Connection: close\r\n\r\n"));
  }

  /**
   * A CR or LF alone inside a header's name or value (which {@code Headers} refuses) is answered 400,
   * not thrown into the selector's loop, which stopped the port: the next probe is answered.
   */
  @Test
  void aBareLineFeedOrCarriageReturnInAHeader_isRefused400_andThePortAnswersOn() throws Exception {
    HeadFirstHttpServer server = closer.add(HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, 0),
        new ProbeEndpoints(), request -> true, LIMITS));
    for (String request : List.of("GET /live HTTP/1.1\r\nHost: x\r\nX: a\nb\r\n\r\n",
        "GET /live HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", "GET /live HTTP/1.1\r\nX\nY: b\r\n\r\n")) {
      assertEquals("HTTP/1.1 400 Bad Request", RawHttp.slowStatusLine(server.port(), request), request);
      assertEquals("HTTP/1.1 200 OK", RawHttp.slowStatusLine(server.port(), "GET /live HTTP/1.1\r\n\r\n"), request);
    }
  }

  /**
   * A failure on the selector thread that no check foresaw closes its connection, not the port: the
   * next probe is answered.
   */
  @Test
  void aFailureOnTheSelector_closesItsConnection_andThePortAnswersOn() throws Exception {
    HeadFirstHttpServer server = closer.add(HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, 0),
        new ProbeEndpoints(), request -> {
          if (request.uri().getPath().equals("/fail")) {
            throw new IllegalStateException("selector bug");
          }
          return true;
        }, LIMITS));
    try (LogCapture log = LogCapture.of(HeadFirstHttpServer.class, Level.WARN)) {
      assertEquals("closed unanswered", RawHttp.slowStatusLine(server.port(), "GET /fail HTTP/1.1\r\n\r\n"));
      assertEquals("HTTP/1.1 200 OK", RawHttp.slowStatusLine(server.port(), "GET /live HTTP/1.1\r\n\r\n"));
      assertTrue(log.lines().toString().contains("selector bug"), () -> log.lines().toString());
    }
  }

  /**
   * A client that streams pipelined probes and reads their answers gets one request served per pass
   * of the selector: probes on other connections are answered meanwhile (one such client held the
   * selector for as long as it kept sending, and every other probe timed out).
   */
  @Test
  void aClientStreamingPipelinedProbes_doesNotHoldUpOtherProbes() throws Exception {
    HeadFirstHttpServer server = closer.add(HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, 0),
        new ProbeEndpoints(), request -> true, LIMITS));
    Socket hog = closer.add(new Socket(LOOPBACK, server.port()));
    byte[] requests = "GET /live HTTP/1.1\r\n\r\n".repeat(1000).getBytes(ISO_8859_1);
    AtomicLong received = new AtomicLong();
    Thread writer = new Thread(() -> {
      try {
        while (true) {
          hog.getOutputStream().write(requests);
        }
      } catch (IOException closed) {
        // The test is over.
      }
    });
    Thread reader = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try {
        for (int read = 0; read >= 0; read = hog.getInputStream().read(buffer)) {
          received.addAndGet(read);
        }
      } catch (IOException closed) {
        // The test is over.
      }
    });
    writer.setDaemon(true);
    reader.setDaemon(true);
    writer.start();
    reader.start();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (received.get() < 1_000_000 && System.nanoTime() - until < 0) {
      TimeUnit.MILLISECONDS.sleep(10);
    }
    assertTrue(received.get() >= 1_000_000, "the hog is answered: " + received.get() + " bytes");
    for (int i = 0; i < 4; i++) {
      try (Socket probe = new Socket()) {
        long start = System.nanoTime();
        probe.connect(new InetSocketAddress(LOOPBACK, server.port()), 5_000);
        probe.setSoTimeout(5_000);
        probe.getOutputStream().write("GET /live HTTP/1.1\r\n\r\n".getBytes(ISO_8859_1));
        String line;
        try {
          line = new BufferedReader(new InputStreamReader(probe.getInputStream(), ISO_8859_1)).readLine();
        } catch (SocketTimeoutException e) {
          line = "no answer in 5 s";
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals("HTTP/1.1 200 OK", line, "probe " + i);
        assertTrue(millis < 2_000, "probe " + i + " took " + millis + " ms");
      }
    }
    assertTrue(writer.isAlive() && reader.isAlive(), "the hog was still streaming");
  }

  /**
   * An Error a handler throws, on a worker or on the selector (a request it answers at once), is
   * one ERROR line in the log, not a trace on stderr; the connection closes and the port answers on.
   */
  @Test
  void aHandlerThrowingAnError_isLogged_andThePortAnswersOn() throws Exception {
    ProbeEndpoints probes = new ProbeEndpoints();
    HttpHandler failing = exchange -> {
      if (exchange.getRequestURI().getPath().startsWith("/fail")) {
        throw new AssertionError("handler bug");
      }
      probes.handle(exchange);
    };
    HeadFirstHttpServer server = closer.add(HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, 0),
        failing, request -> request.uri().getPath().equals("/fail-at-once"), LIMITS));
    try (LogCapture log = LogCapture.of(BufferedExchange.class, Level.ERROR)) {
      for (String path : List.of("/fail", "/fail-at-once")) {
        assertEquals("closed unanswered", RawHttp.slowStatusLine(server.port(), "GET " + path + " HTTP/1.1\r\n\r\n"));
      }
      assertEquals(2, log.lines().size(), () -> log.lines().toString());
      assertEquals("HTTP/1.1 200 OK", RawHttp.slowStatusLine(server.port(), "GET /live HTTP/1.1\r\n\r\n"));
    }
  }

  /** The probes, and {@code big} at {@code /big}. */
  static HttpHandler bigAnswers(byte[] big) {
    ProbeEndpoints probes = new ProbeEndpoints();
    return exchange -> {
      if (!exchange.getRequestURI().getPath().equals("/big")) {
        probes.handle(exchange);
        return;
      }
      exchange.sendResponseHeaders(200, big.length);
      try (var out = exchange.getResponseBody()) {
        out.write(big);
      }
    };
  }

  /** Everything {@code socket} receives until the server closes it (30 s at most). */
  /**
   * Closing with a drain stops listening and closes the idle connections at once, answers the
   * request in progress, and returns as soon as that answer is written, long before the drain's end.
   */
  @Test
  void closeWithADrain_answersTheRequestInProgress_refusesNewConnections_andReturnsOnceAnswered()
      throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ProbeEndpoints probes = new ProbeEndpoints();
    HttpHandler handler = exchange -> {
      if (exchange.getRequestURI().getPath().equals("/slow")) {
        running.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        exchange.sendResponseHeaders(200, -1);
        exchange.close();
        return;
      }
      probes.handle(exchange);
    };
    // Limits far beyond the test's waits: only the drain closes these connections.
    HeadFirstHttpServer server = closer.add(HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, 0),
        handler, new HeadFirstHttpServer.Limits(16, Duration.ofSeconds(60), 4096, Duration.ofSeconds(60), 2, 4)));
    int port = server.port();
    try (Socket idle = new Socket(LOOPBACK, port); Socket slow = new Socket(LOOPBACK, port)) {
      idle.setSoTimeout(30_000);
      slow.setSoTimeout(30_000);
      idle.getOutputStream().write("GET /live HTTP/1.1\r\n\r\n".getBytes(ISO_8859_1));
      assertEquals("HTTP/1.1 200 OK", RawHttp.firstStatusLine(List.of(idle)));
      slow.getOutputStream().write("GET /slow HTTP/1.1\r\n\r\n".getBytes(ISO_8859_1));
      assertTrue(running.await(30, TimeUnit.SECONDS), "the handler runs");

      long since = System.nanoTime();
      Thread closing = new Thread(() -> server.close(Duration.ofSeconds(45)));
      closing.start();
      // The idle connection is closed: what is left of its answer, then the end.
      readToClose(idle);
      assertTrue(refuses(port), "the port still accepts connections while draining");

      release.countDown();
      String answer = readToClose(slow);
      closing.join(30_000);

      assertTrue(answer.startsWith("HTTP/1.1 200 OK"), answer);
      assertFalse(closing.isAlive(), "close still waits after the last answer was written");
      assertTrue(System.nanoTime() - since < TimeUnit.SECONDS.toNanos(25), "close waited for the drain's end");
    }
  }

  /**
   * A close with a drain after the server is closed returns at once: nothing is left to drain. It
   * waited out the whole drain, for the selector that would have said so had stopped.
   */
  @Test
  void closeWithADrain_afterClose_returnsAtOnce() throws Exception {
    HeadFirstHttpServer server = probesServer(16, Duration.ofSeconds(30));
    server.close();

    long since = System.nanoTime();
    server.close(Duration.ofSeconds(20));

    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    assertTrue(millis < 5_000, "the second close took " + millis + " ms");
  }

  /** Whether a connection to the loopback {@code port} is refused. */
  private static boolean refuses(int port) throws IOException {
    try (Socket socket = new Socket(LOOPBACK, port)) {
      return false;
    } catch (ConnectException refused) {
      return true;
    }
  }

  private static String readToClose(Socket socket) throws IOException {
    socket.setSoTimeout(30_000);
    return new String(socket.getInputStream().readAllBytes(), ISO_8859_1);
  }

  /** Sends {@code request}, keeping the sending side open, and reads everything until the server closes. */
  private static String exchangeKeepingOpen(int port, String request) throws IOException {
    try (Socket socket = new Socket(LOOPBACK, port)) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(request.getBytes(ISO_8859_1));
      return new String(socket.getInputStream().readAllBytes(), ISO_8859_1);
    }
  }

  /** The metrics port's answers, with a fixed registry's scrape. */
  private static HttpHandler metricsAndProbes() {
    PrometheusRegistry registry = new PrometheusRegistry();
    Counter.builder().name("test_requests").help("requests").register(registry).inc(3);
    ProbeEndpoints probes = new ProbeEndpoints();
    probes.serving(true);
    return MetricsPort.handler(registry, probes);
  }

  /** A server of the probes with {@code connections} at most, each with {@code headLimit} for its head. */
  private HeadFirstHttpServer probesServer(int connections, Duration headLimit) throws IOException {
    return closer.add(HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, 0), new ProbeEndpoints(),
        new HeadFirstHttpServer.Limits(connections, headLimit, 4096, Duration.ofSeconds(30), 1, 4)));
  }

  /** Sends {@code request}, shuts the sending side, and reads everything until the server closes. */
  private static String exchange(int port, String request) throws IOException {
    try (Socket socket = new Socket(LOOPBACK, port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(ISO_8859_1));
      socket.shutdownOutput();
      InputStream in = socket.getInputStream();
      try {
        return new String(in.readAllBytes(), ISO_8859_1);
      } catch (IOException reset) {
        return "reset: " + reset.getMessage();
      }
    }
  }

  private static String withoutDate(String answer) {
    return answer.replaceAll("(?m)^Date: .*\r\n", "Date: (now)\r\n");
  }
}
