package io.glassbox.server;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Requests written byte for byte, as a client that does not follow the rules sends them. */
public final class RawHttp {
  /** How long a test waits for an answer or a close. */
  private static final Duration WAIT = Duration.ofSeconds(5);

  private RawHttp() {}

  /**
   * The most bytes the kernel queues for sending on a connection left to its own sizing (Linux's
   * {@code tcp_wmem} maximum; 4 MiB, Linux's default, where it cannot be read). The HTTP servers
   * here queue far less ({@code HeadFirstHttpServer.SEND_BUFFER_BYTES}, about 128 KiB): an unread
   * answer of twice this waits mostly in the server's memory, and at least half of it would even
   * were their send buffer left to the kernel.
   */
  public static int kernelSendQueueBytes() throws IOException {
    Path wmem = Path.of("/proc/sys/net/ipv4/tcp_wmem");
    if (!Files.isReadable(wmem)) {
      return 4 << 20;
    }
    // Files.readString reads one byte of it: a /proc file says it has none.
    return Integer.parseInt(Files.readAllLines(wmem).get(0).trim().split("\\s+")[2]);
  }

  /**
   * Sends {@code request} to the loopback {@code port} on a new connection that reads the answer's
   * status line and then nothing more, and returns it open (the caller closes it); fails unless the
   * status line is {@code HTTP/1.1 200 OK}.
   */
  public static Socket unreadAnswer(int port, String request) throws IOException, InterruptedException {
    Socket socket = new Socket();
    try {
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      socket.getOutputStream().write(request.getBytes(US_ASCII));
      String status = firstStatusLine(List.of(socket));
      if (!"HTTP/1.1 200 OK".equals(status)) {
        throw new AssertionError("answered " + status);
      }
      return socket;
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      socket.close();
      throw e;
    }
  }

  /** A GET of {@code path} with one header {@code name} whose value is {@code valueBytes} long. */
  public static String getWithHeader(String path, String name, int valueBytes) {
    return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + name + ": " + "a".repeat(valueBytes) + "\r\n\r\n";
  }

  /**
   * Sends {@code request} to {@code host:port} and reads the answer's status line; empty when the
   * server closes the connection without one. Fails when neither comes within five seconds.
   */
  public static Optional<String> statusLine(String host, int port, String request) throws IOException {
    try (Socket socket = new Socket(host, port)) {
      socket.setSoTimeout((int) WAIT.toMillis());
      try {
        socket.getOutputStream().write(request.getBytes(US_ASCII));
        socket.getOutputStream().flush();
        return Optional.ofNullable(new BufferedReader(new InputStreamReader(socket.getInputStream(), US_ASCII))
            .readLine());
      } catch (SocketTimeoutException stillOpen) {
        throw new AssertionError("no answer and no close within " + WAIT.toSeconds() + " s", stillOpen);
      } catch (IOException closed) {
        // Reset by the server mid-request: closed without an answer.
        return Optional.empty();
      }
    }
  }

  /**
   * The status line of the first answer any of {@code sockets} gets, for requests sent at once that
   * race for one place (which gets it is the server's choice). Fails after 30 s without one.
   */
  public static String firstStatusLine(List<Socket> sockets) throws IOException, InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() - until < 0) {
      for (Socket socket : sockets) {
        if (socket.getInputStream().available() > 0) {
          socket.setSoTimeout(30_000);
          return new BufferedReader(new InputStreamReader(socket.getInputStream(), US_ASCII)).readLine();
        }
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    throw new AssertionError("no answer within 30 s");
  }

  /**
   * Sends {@code request} to the loopback {@code port} and reads the answer's status line, waiting
   * up to 30 s (a loaded machine); "closed unanswered" when the server closes first.
   */
  public static String slowStatusLine(int port, String request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(request.getBytes(US_ASCII));
      String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), US_ASCII)).readLine();
      return line == null ? "closed unanswered" : line;
    }
  }
}
