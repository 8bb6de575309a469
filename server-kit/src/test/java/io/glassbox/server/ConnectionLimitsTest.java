package io.glassbox.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.StringValue;
import io.grpc.CallOptions;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import java.io.DataInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a client connection may hold on a real TCP port: a handshake that stalls and a connection
 * that never calls are closed, and connections past the limit are closed as they are accepted.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionLimitsTest {
  /** The HTTP/2 client preface (RFC 9113 3.4), then an empty SETTINGS frame. */
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(US_ASCII);
  private static final byte[] EMPTY_SETTINGS = {0, 0, 0, 4, 0, 0, 0, 0, 0};
  private static final byte[] SETTINGS_ACK = {0, 0, 0, 4, 1, 0, 0, 0, 0};
  private static final int GOAWAY = 7;
  private static final int PING = 6;
  /** How long a test waits for the server to close; far beyond the limits set here. */
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static final String CLIENT_KEY = "client-key-" + UUID.randomUUID();

  @TempDir Path dir;
  private final Closer closer = new Closer();
  private final AtomicInteger prefaceOnlySockets = new AtomicInteger();
  private GrpcServer server;

  @AfterEach
  void tearDown() throws Exception {
    closer.close();
  }

  @Test
  void halfAPreface_isClosedAtTheHandshakeTimeout() throws IOException {
    start(new ConnectionLimits(Duration.ofSeconds(1), Duration.ofMinutes(10), 10));

    try (Socket socket = connect()) {
      socket.getOutputStream().write(PREFACE, 0, 5);
      long started = System.nanoTime();

      readUntilClosed(socket);

      Duration open = Duration.ofNanos(System.nanoTime() - started);
      assertTrue(open.compareTo(Duration.ofMillis(900)) >= 0, "closed after " + open + ", before its second");
    }
  }

  @Test
  void connectionWithNoCalls_isClosedAfterTheIdleTime_withAGoaway() throws IOException {
    start(new ConnectionLimits(Duration.ofMinutes(1), Duration.ofSeconds(1), 10));

    try (Socket socket = connect()) {
      socket.getOutputStream().write(PREFACE);
      socket.getOutputStream().write(EMPTY_SETTINGS);

      List<Integer> frames = readUntilClosed(socket);

      assertTrue(frames.contains(GOAWAY), "frames " + frames);
    }
  }

  @Test
  void connectionPastTheLimit_isClosedAtOnce_andTheOpenOnesKeepWorking() throws Exception {
    start(new ConnectionLimits(Duration.ofMinutes(1), Duration.ofMinutes(10), 2));
    ManagedChannel first = channel();
    ManagedChannel second = channel();
    assertEquals("1", EchoService.call(first, "1"));
    assertEquals("2", EchoService.call(second, "2"));

    try (Socket third = connect()) {
      third.getOutputStream().write(PREFACE);
      readUntilClosed(third);
    }

    assertEquals("1", EchoService.call(first, "1"));
    assertEquals("2", EchoService.call(second, "2"));
    assertEquals(2, gauge(ConnectionCap.OPEN_GAUGE));
    assertEquals(1, refusedConnections());
    // A connection that closes gives its place to the next one.
    first.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    awaitOpenConnections(1);
    assertEquals("3", EchoService.call(channel(), "3"));
  }

  /**
   * The admin port caps its connections at the same limit: what it refuses and holds was logged
   * ("limited-admin closed a new connection ...") but not on /metrics. Counted beside the client
   * port's now, under port="admin".
   */
  @Test
  void connectionPastTheLimit_onTheAdminPort_isCountedOnMetrics_underTheAdminPortLabel() throws Exception {
    String adminService = "test.Admin";
    server = closer.add(GrpcServer.onPort("limited", 0, ServerSettings.defaults()
            .withConnectionLimits(new ConnectionLimits(Duration.ofMinutes(1), Duration.ofMinutes(10), 2)))
        .addService(EchoService.echo())
        .addAdminService(EchoService.named(adminService), 0)
        .start());
    for (String text : List.of("1", "2")) {
      ManagedChannel admin = ClientChannels.forTarget("127.0.0.1:" + server.adminPort());
      closer.add(admin::shutdownNow);
      assertEquals(text, EchoService.call(admin, EchoService.method(adminService), CallOptions.DEFAULT, text));
    }

    try (Socket third = new Socket("127.0.0.1", server.adminPort())) {
      third.setSoTimeout((int) WAIT.toMillis());
      third.getOutputStream().write(PREFACE);
      readUntilClosed(third);
    }

    assertEquals(1, counter(ConnectionCap.REFUSED_COUNTER, "admin"));
    assertEquals(0, counter(ConnectionCap.REFUSED_COUNTER, "client"));
    assertEquals(2, gauge(ConnectionCap.OPEN_GAUGE, "admin"));
    assertEquals(0, gauge(ConnectionCap.OPEN_GAUGE, "client"));
  }

  @Test
  void channelThatConnectsAndStaysQuiet_isNotClosedBeforeTheIdleTime_andItsFirstCallIsAnswered() throws Exception {
    start(new ConnectionLimits(Duration.ofMillis(200), Duration.ofMinutes(10), 10));
    ManagedChannel client = channel();
    client.getState(true);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (client.getState(false) != ConnectivityState.READY) {
      assertTrue(System.nanoTime() < deadline, "client " + client.getState(false));
      Thread.onSpinWait();
    }
    CountDownLatch left = new CountDownLatch(1);
    client.notifyWhenStateChanged(ConnectivityState.READY, left::countDown);

    // Fifteen handshake timeouts with no call: the connection stays, as it does for the idle time.
    assertFalse(left.await(3, TimeUnit.SECONDS), "the quiet connection was closed: " + client.getState(false));

    assertEquals("first", EchoService.call(client, "first"));
    assertEquals(1, gauge(ConnectionCap.OPEN_GAUGE));
    assertEquals(ConnectivityState.READY, client.getState(false));
  }

  @Test
  void socketsThatOnlySendAPreface_reconnectingAtTheLimit_doNotLockOutAClientThatCalls() throws Exception {
    start(new ConnectionLimits(Duration.ofSeconds(1), Duration.ofSeconds(1), 4));
    ManagedChannel client = channel();
    assertEquals("1", EchoService.call(client, "1"));
    // Told when the client's connection first goes (its idle time is 1 s): a round-robin channel is
    // READY again moments later, too briefly for a look at its state now and then to see it.
    CountDownLatch connectionLost = new CountDownLatch(1);
    client.notifyWhenStateChanged(ConnectivityState.READY, connectionLost::countDown);
    startFlood("preface-only", this::holdPrefaceOnlySockets);
    // The client's connection idles out while the flood holds or takes every place the server has.
    awaitLostWhileFlooded(connectionLost, prefaceOnlySockets, "preface-only sockets");

    assertEquals(5, answeredOfTheFirst100Calls(client), "calls answered, of the first 100 after the flood began");
  }

  @Test
  void connectionsThatEachMakeOneCallWithAWrongKey_atTheLimit_doNotLockOutAClientWithAKey() throws Exception {
    byte[] wrongKeyCall = headersFrame(Map.of(":method", "POST", ":scheme", "http", ":path", "/test.Echo/Echo",
        ":authority", "127.0.0.1", "content-type", "application/grpc", "te", "trailers",
        "authorization", "Bearer guessed"));

    assertEquals(5, answeredOfTheFirst100CallsWithAKey_whileFlooding(wrongKeyCall, "sockets that called with a wrong key"),
        "calls answered, of the first 100 after the flood began");
  }

  @Test
  void connectionsThatEachOpenAHealthCheckAndNeverEndIt_atTheLimit_doNotLockOutAClientWithAKey() throws Exception {
    // The server's SETTINGS acknowledged, as a client does (or the 1 s handshake timeout closes the
    // socket), then headers only: the server waits for the request, and the call stays in flight.
    ByteArrayOutputStream openHealthCheck = new ByteArrayOutputStream();
    openHealthCheck.writeBytes(SETTINGS_ACK);
    openHealthCheck.writeBytes(headersFrame(Map.of(":method", "POST", ":scheme", "http",
        ":path", "/grpc.health.v1.Health/Check", ":authority", "127.0.0.1", "content-type", "application/grpc",
        "te", "trailers")));

    assertEquals(5, answeredOfTheFirst100CallsWithAKey_whileFlooding(openHealthCheck.toByteArray(),
        "sockets with an open health check"), "calls answered, of the first 100 after the flood began");
  }

  /**
   * Starts a server that wants API keys, at a limit of 4 connections, and a client with a key that
   * calls once; floods it with sockets that each send {@code call} after their preface and hold on;
   * once the client's connection has idled out, calls as {@link #answeredOfTheFirst100Calls}.
   */
  private int answeredOfTheFirst100CallsWithAKey_whileFlooding(byte[] call, String what) throws Exception {
    ServerSettings keyed = ServerSettings.defaults().withApiKeys(ApiKeys.read(keysFile()))
        .withConnectionLimits(new ConnectionLimits(Duration.ofSeconds(1), Duration.ofSeconds(1), 4));
    server = closer.add(GrpcServer.onPort("limited", 0, keyed).addService(EchoService.echo()).start());

    ManagedChannel client = ClientChannels.forTarget("127.0.0.1:" + server.port(),
        ClientSettings.plaintext().withApiKey(CLIENT_KEY), Retries.none());
    closer.add(client::shutdownNow);
    assertEquals("1", EchoService.call(client, "1"));
    CountDownLatch connectionLost = new CountDownLatch(1);
    client.notifyWhenStateChanged(ConnectivityState.READY, connectionLost::countDown);
    AtomicInteger flooded = new AtomicInteger();
    startFlood(what, () -> holdSockets(call, flooded));
    awaitLostWhileFlooded(connectionLost, flooded, what);

    return answeredOfTheFirst100Calls(client);
  }

  /** Runs {@code loop} on 8 threads until the test ends (they are interrupted then). */
  private void startFlood(String name, Runnable loop) {
    List<Thread> flood = new ArrayList<>();
    closer.add(() -> {
      flood.forEach(Thread::interrupt);
      for (Thread thread : flood) {
        thread.join();
      }
    });
    for (int i = 0; i < 8; i++) {
      Thread thread = new Thread(loop, name + "-" + i);
      thread.setDaemon(true);
      thread.start();
      flood.add(thread);
    }
  }

  /** Waits until the client's connection has gone and the flood has made 16 connections. */
  private static void awaitLostWhileFlooded(CountDownLatch connectionLost, AtomicInteger flooded, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (connectionLost.getCount() > 0 || flooded.get() < 16) {
      assertTrue(System.nanoTime() < deadline, "client connection lost: " + (connectionLost.getCount() == 0)
          + ", " + what + " " + flooded.get());
      Thread.sleep(10);
    }
  }

  /** Calls up to 100 times, each with 2 s, until 5 are answered; returns how many were. */
  private static int answeredOfTheFirst100Calls(ManagedChannel client) {
    int answered = 0;
    for (int call = 0; call < 100 && answered < 5; call++) {
      try {
        ClientCalls.blockingUnaryCall(client, EchoService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS),
            StringValue.of("again"));
        answered++;
      } catch (StatusRuntimeException unavailable) {
        // The channel backs off and reconnects; the next call tries again.
      }
    }
    return answered;
  }

  @Test
  void limits_areRead_withDefaults_andRefusedOutsideTheirRange() {
    assertEquals(ConnectionLimits.defaults(), ConnectionLimits.load(ConfigSource.of(Map.of())));
    assertEquals(new ConnectionLimits(Duration.ofSeconds(5), Duration.ofMinutes(3), 200),
        ConnectionLimits.load(ConfigSource.of(Map.of(ConnectionLimits.HANDSHAKE_TIMEOUT_KEY, "5s",
            ConnectionLimits.MAX_CONNECTION_IDLE_KEY, "3m", ConnectionLimits.MAX_CONNECTIONS_KEY, "200"))));
    assertEquals(ConnectionLimits.defaults(), ServerSettings.load(ConfigSource.of(Map.of()), 0).connections());

    ConfigException slow = assertThrows(ConfigException.class, () -> ConnectionLimits.load(
        ConfigSource.of(Map.of(ConnectionLimits.HANDSHAKE_TIMEOUT_KEY, "5m"))));
    ConfigException none = assertThrows(ConfigException.class, () -> ConnectionLimits.load(
        ConfigSource.of(Map.of(ConnectionLimits.MAX_CONNECTIONS_KEY, "0"))));

    assertTrue(slow.getMessage().startsWith("GLASSBOX_HANDSHAKE_TIMEOUT must be from 100ms to 2 minutes"),
        slow.getMessage());
    assertTrue(none.getMessage().startsWith("GLASSBOX_MAX_CONNECTIONS"), none.getMessage());
  }

  private void start(ConnectionLimits limits) {
    server = closer.add(GrpcServer.onPort("limited", 0, ServerSettings.defaults().withConnectionLimits(limits))
        .addService(EchoService.echo())
        .start());
  }

  private Path keysFile() throws IOException {
    Path file = dir.resolve("keys");
    Files.writeString(file, "client " + ApiKeys.sha256Hex(CLIENT_KEY) + " shop\n");
    return file;
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket("127.0.0.1", server.port());
    socket.setSoTimeout((int) WAIT.toMillis());
    return socket;
  }

  private ManagedChannel channel() {
    ManagedChannel channel = ClientChannels.forTarget("127.0.0.1:" + server.port());
    closer.add(channel::shutdownNow);
    return channel;
  }

  /**
   * Reads HTTP/2 frames until the server closes the connection, answering its pings as a client
   * does (a graceful close waits for one); returns the frame types read. Fails when the
   * connection is still open after {@link #WAIT}.
   */
  private static List<Integer> readUntilClosed(Socket socket) throws IOException {
    DataInputStream in = new DataInputStream(socket.getInputStream());
    OutputStream out = socket.getOutputStream();
    List<Integer> types = new ArrayList<>();
    try {
      // The server's own preface is a SETTINGS frame; a connection refused before it has none.
      while (true) {
        int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        in.readInt();
        byte[] payload = in.readNBytes(length);
        types.add(type);
        if (type == PING && (flags & 1) == 0) {
          out.write(new byte[] {0, 0, 8, PING, 1, 0, 0, 0, 0});
          out.write(payload);
        }
      }
    } catch (SocketTimeoutException stillOpen) {
      throw new AssertionError("still open after " + WAIT.toSeconds() + " s; frames " + types, stillOpen);
    } catch (EOFException closed) {
      return types;
    } catch (IOException reset) {
      // Reset by the server, or a write to a connection it had closed.
      return types;
    }
  }

  private void awaitOpenConnections(int expected) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (gauge(ConnectionCap.OPEN_GAUGE) != expected) {
      assertTrue(System.nanoTime() < deadline, "open connections " + gauge(ConnectionCap.OPEN_GAUGE));
      Thread.onSpinWait();
    }
  }

  /** The gauge {@code name} of the client port. */
  private double gauge(String name) {
    return gauge(name, "client");
  }

  /** The gauge {@code name} of {@code port} (client or admin). */
  private double gauge(String name, String port) {
    return server.metrics().scrape(name::equals).stream()
        .flatMap(snapshot -> snapshot.getDataPoints().stream())
        .filter(point -> port.equals(point.getLabels().get("port")))
        .mapToDouble(point -> ((GaugeDataPointSnapshot) point).getValue())
        .sum();
  }

  /** Until interrupted: connects, sends the preface and SETTINGS, holds the socket until the server closes it, again. */
  private void holdPrefaceOnlySockets() {
    holdSockets(new byte[0], prefaceOnlySockets);
  }

  /**
   * Until interrupted: connects, sends the preface, SETTINGS and {@code then}, holds the socket
   * until the server closes it, again; counts the sockets in {@code connected}.
   */
  private void holdSockets(byte[] then, AtomicInteger connected) {
    while (!Thread.currentThread().isInterrupted()) {
      try (Socket socket = new Socket("127.0.0.1", server.port())) {
        connected.incrementAndGet();
        socket.setSoTimeout(200);
        socket.getOutputStream().write(PREFACE);
        socket.getOutputStream().write(EMPTY_SETTINGS);
        socket.getOutputStream().write(then);
        InputStream in = socket.getInputStream();
        while (!Thread.currentThread().isInterrupted()) {
          try {
            if (in.read() < 0) {
              break;
            }
          } catch (SocketTimeoutException stillOpen) {
            // Holds on, as an attacker would.
          }
        }
      } catch (IOException closedOrRefused) {
        // Reconnects at once.
      }
    }
  }

  /**
   * A HEADERS frame opening stream 1 with {@code headers}, each a literal without indexing
   * (RFC 7541 6.2.2), names and values shorter than 127 bytes; pseudo-headers must come first.
   */
  private static byte[] headersFrame(Map<String, String> headers) {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    headers.entrySet().stream()
        .sorted((one, other) -> Boolean.compare(!one.getKey().startsWith(":"), !other.getKey().startsWith(":")))
        .forEach(header -> {
          block.write(0);
          for (String text : List.of(header.getKey(), header.getValue())) {
            byte[] bytes = text.getBytes(US_ASCII);
            block.write(bytes.length);
            block.writeBytes(bytes);
          }
        });
    byte[] payload = block.toByteArray();
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.writeBytes(new byte[] {0, (byte) (payload.length >> 8), (byte) payload.length, 1, 4, 0, 0, 0, 1});
    frame.writeBytes(payload);
    return frame.toByteArray();
  }

  private double refusedConnections() {
    return counter(ConnectionCap.REFUSED_COUNTER, "client");
  }

  /** The counter {@code name} of {@code port} (client or admin). */
  private double counter(String name, String port) {
    return server.metrics().scrape(name::equals).stream()
        .flatMap(snapshot -> snapshot.getDataPoints().stream())
        .filter(point -> port.equals(point.getLabels().get("port")))
        .mapToDouble(point -> ((CounterDataPointSnapshot) point).getValue())
        .sum();
  }
}
