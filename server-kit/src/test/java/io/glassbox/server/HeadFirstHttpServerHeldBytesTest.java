package io.glassbox.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.Uninterruptibles;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The answers {@link HeadFirstHttpServer} holds for writing: every way an answer ends lets its bytes
 * go, and a client that reads its answer, however slowly, is not the one closed for clients that
 * read nothing.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HeadFirstHttpServerHeldBytesTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  /** The paths the workers answer; the rest (the probes) are answered at once. */
  private static final Set<String> WORKERS_PATHS = Set.of("/big", "/chunked", "/fail", "/short");

  private final Closer closer = new Closer();

  @AfterEach
  void close() throws Exception {
    closer.close();
  }

  /**
   * However an answer ends (sent whole, chunked, reset mid-way, closed unread, dropped at the answer
   * limit, refused, failed, short, pipelined), the bytes held for writing return to none: counted
   * only as they were taken, a bound of completed answers would refuse nothing but answers for good.
   */
  @Test
  void heldBytes_returnsToZero_afterEveryEnding() throws Exception {
    byte[] big = new byte[1 << 20];
    long bound = 3L * big.length;
    HeadFirstHttpServer server = closer.add(HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, 0),
        answers(big), request -> !WORKERS_PATHS.contains(request.uri().getPath()),
        new HeadFirstHttpServer.Limits(64, Duration.ofSeconds(1), 4096, Duration.ofSeconds(1), 2, 64, bound)));
    int port = server.port();
    for (int i = 0; i < 6; i++) {
      for (String request : List.of("GET /big HTTP/1.1\r\nConnection: close\r\n\r\n",
          "GET /chunked HTTP/1.1\r\nConnection: close\r\n\r\n", "HEAD /big HTTP/1.1\r\nConnection: close\r\n\r\n",
          "GET /big HTTP/1.0\r\n\r\n", "BAD\r\n\r\n", "GET /fail HTTP/1.1\r\n\r\n", "GET /short HTTP/1.1\r\n\r\n",
          "GET /big HTTP/1.1\r\n\r\nGET /live HTTP/1.1\r\n\r\nHEAD /big HTTP/1.1\r\n\r\n"
              + "GET /big HTTP/1.1\r\nConnection: close\r\n\r\n")) {
        readToClose(port, request);
      }
      // Reset after the status line, alone and with requests pipelined behind.
      for (String request : List.of("GET /big HTTP/1.1\r\n\r\n", "GET /big HTTP/1.1\r\n\r\n".repeat(3))) {
        Socket reset = RawHttp.unreadAnswer(port, request);
        reset.setSoLinger(true, 0);
        reset.close();
      }
      // Closed after the status line, the rest unread.
      RawHttp.unreadAnswer(port, "GET /big HTTP/1.1\r\n\r\n").close();
      // Left open unread: the answer limit, or the bound, closes it.
      closer.add(RawHttp.unreadAnswer(port, "GET /big HTTP/1.1\r\n\r\n"));
      assertTrue(server.heldBytes() <= bound, server.heldBytes() + " bytes held");
    }
    awaitNothingHeld(server, Duration.ofSeconds(10), "bytes held once every answer ended");
  }

  /** Waits up to {@code within} for {@code server} to hold no answer bytes, then asserts it holds none. */
  static void awaitNothingHeld(HeadFirstHttpServer server, Duration within, String message) {
    long deadline = System.nanoTime() + within.toNanos();
    while (server.heldBytes() != 0 && System.nanoTime() - deadline < 0) {
      Uninterruptibles.sleepUninterruptibly(Duration.ofMillis(50));
    }
    assertEquals(0, server.heldBytes(), message);
  }

  /**
   * A client reading a large answer slowly (a scrape over a slow link) is not closed for clients
   * that ask for one and read nothing: the answers that waited longest unread are, and it gets its
   * whole answer. Ordered by when each answer began, it was always the oldest, and was closed each
   * time (it got 180,224 of 2,097,152 bytes).
   */
  @Test
  void aSteadilyReadingClient_isNotDroppedForNonReaders() throws Exception {
    byte[] big = new byte[2 << 20];
    HeadFirstHttpServer server = bigAnswers(big, 64, 64, 3L * big.length);
    long read = readSlowlyBesideNonReaders(server.port());
    assertTrue(read > big.length, "the reading client got " + read + " bytes of " + big.length);
    assertTrue(server.answersDropped() > 0, "answers of clients that read nothing were dropped");
  }

  /**
   * A server answering {@code big} to every worker request, with {@code connections} open at most,
   * {@code queued} requests waiting and {@code heldBytes} held for writing (60 s limits, 2 workers).
   */
  private HeadFirstHttpServer bigAnswers(byte[] big, int connections, int queued, long heldBytes) throws IOException {
    return closer.add(HeadFirstHttpServer.start("test", new InetSocketAddress(LOOPBACK, 0), answers(big),
        request -> !WORKERS_PATHS.contains(request.uri().getPath()), new HeadFirstHttpServer.Limits(connections,
            Duration.ofSeconds(60), 4096, Duration.ofSeconds(60), 2, queued, heldBytes)));
  }

  /**
   * As the bound on bytes held, the bound on connections closes the connection whose answer waited
   * longest unread, not the one a client is slowly reading.
   */
  @Test
  void full_aSteadilyReadingClient_isNotClosedForNonReaders() throws Exception {
    byte[] big = new byte[2 << 20];
    HeadFirstHttpServer server = bigAnswers(big, 2, 2, 16L * big.length);
    long read = readSlowlyBesideNonReaders(server.port());
    assertTrue(read > big.length, "the reading client got " + read + " bytes of " + big.length);
    assertEquals(0, server.answersDropped(), "answers dropped for the bytes they held");
  }

  /**
   * Reads an answer of {@code /big} at about 400 KB/s, while four more clients ask for it, a second
   * apart, and read none of it; returns the bytes read until the server closed the connection. The
   * server sees the reader take its answer only as it writes more of it, about every 400 ms here
   * (when the reader has emptied the 150 KB the two kernels queue): a second leaves room for that.
   */
  private long readSlowlyBesideNonReaders(int port) throws IOException, InterruptedException {
    Socket reader = closer.add(new Socket());
    reader.setReceiveBufferSize(16 * 1024);
    reader.connect(new InetSocketAddress(LOOPBACK, port));
    reader.setSoTimeout(20_000);
    reader.getOutputStream().write("GET /big HTTP/1.1\r\nConnection: close\r\n\r\n".getBytes(ISO_8859_1));
    InputStream in = reader.getInputStream();
    byte[] buffer = new byte[16 * 1024];
    long read = 0;
    int nonReaders = 0;
    long start = System.nanoTime();
    try {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        read += n;
        Uninterruptibles.sleepUninterruptibly(Duration.ofMillis(40));
        if (nonReaders < 4 && System.nanoTime() - start > TimeUnit.SECONDS.toNanos(nonReaders + 1)) {
          closer.add(RawHttp.unreadAnswer(port, "GET /big HTTP/1.1\r\n\r\n"));
          nonReaders++;
        }
      }
    } catch (IOException reset) {
      // Closed with its answer unsent: what it read is the answer.
    }
    return read;
  }

  /**
   * {@code /big} answers {@code big}, {@code /chunked} the same chunked, {@code /fail} fails,
   * {@code /short} sends less than the length it announced; the rest are the probes.
   */
  private static HttpHandler answers(byte[] big) {
    ProbeEndpoints probes = new ProbeEndpoints();
    return exchange -> {
      switch (exchange.getRequestURI().getPath()) {
        case "/big", "/chunked" -> {
          exchange.sendResponseHeaders(200, exchange.getRequestURI().getPath().equals("/big") ? big.length : 0);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(big);
          }
        }
        case "/fail" -> throw new IOException("the handler failed");
        case "/short" -> {
          exchange.sendResponseHeaders(200, big.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(big, 0, 10);
          }
        }
        default -> probes.handle(exchange);
      }
    };
  }

  /** Sends {@code request} and reads everything until the server closes the connection (20 s at most). */
  private static void readToClose(int port, String request) throws IOException {
    try (Socket socket = new Socket(LOOPBACK, port)) {
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write(request.getBytes(ISO_8859_1));
      try {
        socket.getInputStream().readAllBytes();
      } catch (IOException reset) {
        // Refused or failed answers may end in a reset: the bytes held after it are what is checked.
      }
    }
  }
}
