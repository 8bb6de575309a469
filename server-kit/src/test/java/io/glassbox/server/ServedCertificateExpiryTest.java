package io.glassbox.server;

import static io.glassbox.server.ProbeClient.freePort;
import static io.glassbox.server.ProbeClient.probe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A served certificate that expires while the server runs takes it out of readiness for good (gRPC
 * health, {@code /ready}) and leaves it alive; real TLS servers, a clock and a timer the test drives,
 * so nothing waits for a real expiry.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServedCertificateExpiryTest {
  @TempDir static Path dir;
  private static Path caFile;
  private static Path[] aDayLeft;
  private static Path[] untilYear9999;
  /** A leaf valid for 300 days more behind an intermediate that expires at {@link #NOT_AFTER}, and its key. */
  private static Path[] intermediateEndsFirst;
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  private static final Instant NOT_AFTER = NOW.plus(Duration.ofDays(1));

  private final Closer closer = new Closer();
  private final DrivenClock clock = new DrivenClock(NOW);
  private final HandTimer timer = new HandTimer();

  @BeforeAll
  static void makeCertificates() throws Exception {
    TestCertificates authority = TestCertificates.authority("shop-root");
    caFile = authority.writeCa(dir.resolve("root.crt"));
    aDayLeft = authority.issue(dir, "srv", NOW.minus(Duration.ofDays(300)), NOT_AFTER);
    untilYear9999 = authority.issue(dir, "lasting", NOW.minus(Duration.ofDays(1)),
        Instant.parse("9999-12-31T23:59:59Z"));
    TestCertificates intermediate = authority.intermediate("shop-intermediate", NOW.minus(Duration.ofDays(300)),
        NOT_AFTER);
    Path[] leaf = intermediate.issue(dir, "chained", NOW.minus(Duration.ofDays(65)), NOW.plus(Duration.ofDays(300)));
    intermediateEndsFirst = new Path[] {Files.writeString(dir.resolve("chained-chain.crt"), Files.readString(leaf[0])
        + Files.readString(intermediate.writeCa(dir.resolve("shop-intermediate.crt")))), leaf[1]};
  }

  @AfterEach
  void tearDown() throws Exception {
    closer.close();
  }

  @Test
  void certificateExpiringWhileServing_turnsReadinessNotServing_namingTheFileAndTheRenewal_andStaysAlive()
      throws Exception {
    int metricsPort = freePort();
    try (LogCapture logged = LogCapture.of(GrpcServer.class, Level.ERROR)) {
      GrpcServer server = start(aDayLeft, metricsPort);
      server.setServing(true);
      assertEquals(ServedCertificateExpiry.LONGEST_WAIT, timer.nextDelay(), "a day away: woken within the hour");

      clock.set(NOT_AFTER);
      timer.runNext();

      assertEquals(Duration.ofMillis(1), timer.nextDelay(), "expired once past notAfter, as the start check says");
      assertEquals(List.of(ServingStatus.SERVING, ServingStatus.SERVING), statuses(server));
      assertEquals("200 SERVING", probe(metricsPort, "/ready"));

      clock.set(NOT_AFTER.plusMillis(1));
      timer.runNext();

      String reason = "GLASSBOX_TLS_CERT_FILE=" + aDayLeft[0] + " holds a certificate (CN=srv) that expired at "
          + NOT_AFTER + " (notAfter) while this service ran: every handshake with it fails, so the service reports"
          + " NOT_SERVING (alive: a restart would refuse to start). Renew it (deploy/make-secrets.sh --renew makes a"
          + " new tls.crt and tls.key signed by the kept CA; then apply secrets.yaml and restart every service), or"
          + " set GLASSBOX_TLS_CERT_FILE and GLASSBOX_TLS_KEY_FILE to a valid pair";
      assertEquals(List.of(ServingStatus.NOT_SERVING, ServingStatus.NOT_SERVING), statuses(server));
      assertEquals("503 NOT_SERVING: " + reason, probe(metricsPort, "/ready"));
      assertEquals("503 NOT_SERVING: " + reason, probe(metricsPort, "/started"));
      assertEquals("200 alive", probe(metricsPort, "/live"));
      assertEquals(0, timer.pending(), "nothing left to wait for");

      // Probed again and again: still the one line.
      probe(metricsPort, "/ready");
      assertEquals(List.of("certified: " + reason), messages(logged));
    }
  }

  /**
   * A leaf valid for months behind an intermediate that expires first: clients refuse the chain from
   * the intermediate's notAfter on, so that is when the server turns NOT_SERVING, and what the gauge
   * and the reason say.
   */
  @Test
  void intermediateExpiringBeforeTheLeaf_turnsReadinessNotServingAtItsNotAfter_namingIt() throws Exception {
    int metricsPort = freePort();
    try (LogCapture logged = LogCapture.of(GrpcServer.class, Level.ERROR)) {
      GrpcServer server = start(intermediateEndsFirst, metricsPort);
      server.setServing(true);
      assertEquals((double) NOT_AFTER.getEpochSecond(), MetricsText.labelled(MetricsText.scrape(server),
          CertificateDates.EXPIRY_GAUGE, "certificate=\"server\""));
      assertEquals(ServedCertificateExpiry.LONGEST_WAIT, timer.nextDelay());

      clock.set(NOT_AFTER.plusMillis(1));
      timer.runNext();

      String reason = "GLASSBOX_TLS_CERT_FILE=" + intermediateEndsFirst[0] + " holds a CA certificate"
          + " (CN=shop-intermediate, certificate 2 of 2 in the file, the issuer of CN=chained) that expired at "
          + NOT_AFTER + " (notAfter) while this service ran: every handshake with it fails, so the service reports"
          + " NOT_SERVING (alive: a restart would refuse to start). Put a valid certificate of CN=shop-intermediate"
          + " from its issuer in its place in " + intermediateEndsFirst[0] + " (then restart the service), or set"
          + " GLASSBOX_TLS_CERT_FILE and GLASSBOX_TLS_KEY_FILE to a valid pair";
      assertEquals(List.of(ServingStatus.NOT_SERVING, ServingStatus.NOT_SERVING), statuses(server));
      assertEquals("503 NOT_SERVING: " + reason, probe(metricsPort, "/ready"));
      assertEquals(List.of("certified: " + reason), messages(logged));
    }
  }

  /** An in-process server serves no certificate, whatever its TLS settings: nothing to watch. */
  @Test
  void inProcessServerWithTlsSettings_watchesNoCertificate() {
    ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(),
        new TlsSettings(Optional.of(aDayLeft[0]), Optional.of(aDayLeft[1]), Optional.empty()), 0, 64, 100, 0);
    closer.add(GrpcServer.inProcess("certified", "certified-" + System.nanoTime(), settings)
        .addService(EchoService.echo()).certificateClock(clock, timer).start());

    assertEquals(0, timer.pending());
  }

  /** A server that drains is NOT_SERVING already and on its way out: its certificate expiring then is no error. */
  @Test
  void certificateExpiringWhileTheServerDrains_isNoError() throws Exception {
    int metricsPort = freePort();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(),
        new TlsSettings(Optional.of(aDayLeft[0]), Optional.of(aDayLeft[1]), Optional.empty()), metricsPort, 64, 100, 0);
    GrpcServer server = closer.add(GrpcServer.onPort("certified", 0, settings).addService(EchoService.answering(text -> {
      entered.countDown();
      awaitQuietly(release);
      return text;
    })).certificateClock(clock, timer).start());
    server.setServing(true);
    ManagedChannel channel = channel(server);
    try (LogCapture logged = LogCapture.of(GrpcServer.class, Level.INFO)) {
      CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> EchoService.call(channel, "held"));
      entered.await();
      CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
      while (!probe(metricsPort, "/started").startsWith("503")) {
        Thread.onSpinWait();
      }

      clock.set(NOT_AFTER.plusSeconds(1));
      timer.runNext();
      release.countDown();
      closing.get(30, TimeUnit.SECONDS);

      assertEquals("held", call.get(30, TimeUnit.SECONDS));
      assertEquals(List.of(), logged.lines().stream().filter(line -> line.getLevel() == Level.ERROR)
          .map(ILoggingEvent::getFormattedMessage).toList());
      assertEquals(1, messages(logged).stream().filter(line -> line.startsWith("certified (draining): "
          + "GLASSBOX_TLS_CERT_FILE=" + aDayLeft[0] + " holds a certificate (CN=srv) that expired at ")).count(),
          messages(logged).toString());
    } finally {
      release.countDown();
      channel.shutdownNow();
    }
  }

  /**
   * The file is read once more as the server starts (the settings were read before a model's load):
   * one that cannot be read then fails the start, and leaves no port of the server bound.
   */
  @Test
  void certificateFileSpoiledBeforeTheServerStarts_failsTheStart_leavingNoPortBound() throws Exception {
    Path[] spoiled = authorityCopy("spoiled");
    ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(),
        new TlsSettings(Optional.of(spoiled[0]), Optional.of(spoiled[1]), Optional.empty()), freePort(), 64, 100, 0);
    Files.writeString(spoiled[0], "not a certificate");

    ConfigException e = assertThrows(ConfigException.class, () -> closer.add(
        GrpcServer.onPort("certified", 0, settings).addService(EchoService.echo()).certificateClock(clock, timer).start()));

    assertTrue(e.getMessage().startsWith("GLASSBOX_TLS_CERT_FILE=" + spoiled[0]), e.getMessage());
    try (ServerSocket again = new ServerSocket(settings.metricsPort(), 1, InetAddress.getLoopbackAddress())) {
      assertEquals(settings.metricsPort(), again.getLocalPort());
    }
    assertEquals(0, timer.pending());
  }

  /** A copy of {@link #aDayLeft} named {@code name}, to spoil. */
  private static Path[] authorityCopy(String name) throws Exception {
    return new Path[] {Files.copy(aDayLeft[0], dir.resolve(name + ".crt")), Files.copy(aDayLeft[1],
        dir.resolve(name + ".key"))};
  }

  /** Readiness composes its reasons: another one turning good does not clear the certificate's. */
  @Test
  void expiredCertificate_staysNotServing_whenTheServiceAndItsBackendSayTheyAreReadyAgain() throws Exception {
    int metricsPort = freePort();
    GrpcServer server = start(aDayLeft, metricsPort);
    server.setServing(true);
    server.setServicesAvailable(false);
    assertEquals("503 NOT_SERVING", probe(metricsPort, "/ready"), "the backend's reason, said in the log");
    assertEquals("200 SERVING", probe(metricsPort, "/started"));

    clock.set(NOT_AFTER.plusSeconds(1));
    timer.runNext();
    server.setServicesAvailable(true);
    server.setServing(false);
    server.setServing(true);

    assertEquals(List.of(ServingStatus.NOT_SERVING, ServingStatus.NOT_SERVING), statuses(server));
    assertTrue(probe(metricsPort, "/ready").startsWith("503 NOT_SERVING: GLASSBOX_TLS_CERT_FILE="),
        probe(metricsPort, "/ready"));
  }

  /**
   * The settings were read (and the certificate checked) before a long start (a model's load): one
   * that expired in between is not ready from the start, told at once.
   */
  @Test
  void certificateExpiredBeforeTheServerStarted_isNotServingFromTheStart() throws Exception {
    clock.set(NOT_AFTER.plusSeconds(30));
    try (LogCapture logged = LogCapture.of(GrpcServer.class, Level.ERROR)) {
      GrpcServer server = start(aDayLeft, 0);
      server.setServing(true);

      assertEquals(List.of(ServingStatus.NOT_SERVING, ServingStatus.NOT_SERVING), statuses(server));
      assertEquals(0, timer.pending());
      assertEquals(1, messages(logged).size(), messages(logged).toString());
    }
  }

  /** 9999-12-31 is more nanoseconds away than a long holds: the wait is an hour, again and again. */
  @Test
  void certificateValidUntilYear9999_waitsAnHourAtATime() throws Exception {
    GrpcServer server = start(untilYear9999, 0);
    server.setServing(true);
    timer.runNext();

    assertEquals(ServedCertificateExpiry.LONGEST_WAIT, timer.nextDelay());
    assertEquals(List.of(ServingStatus.SERVING, ServingStatus.SERVING), statuses(server));
  }

  /** With the system's clock and the server's own timer thread. */
  @Test
  void certificateValidUntilYear9999_servesOnTheSystemClock() {
    ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(),
        new TlsSettings(Optional.of(untilYear9999[0]), Optional.of(untilYear9999[1]), Optional.empty()), 0, 64, 100, 0);
    GrpcServer server = closer.add(GrpcServer.onPort("certified", 0, settings).addService(EchoService.echo()).start());
    server.setServing(true);

    assertEquals(List.of(ServingStatus.SERVING, ServingStatus.SERVING), statuses(server));
  }

  @Test
  void closedServer_cancelsTheWait() {
    GrpcServer server = start(aDayLeft, 0);

    server.close();

    assertEquals(0, timer.pending());
  }

  /** A one-way TLS server on {@code certificate} (its file and key), on the test's clock and timer. */
  private GrpcServer start(Path[] certificate, int metricsPort) {
    ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(),
        new TlsSettings(Optional.of(certificate[0]), Optional.of(certificate[1]), Optional.empty()), metricsPort, 64,
        100, 0);
    return closer.add(GrpcServer.onPort("certified", 0, settings).addService(EchoService.echo())
        .certificateClock(clock, timer).start());
  }

  /** The overall health status and the echo service's, asked over TLS (the certificate is valid in real time). */
  private List<ServingStatus> statuses(GrpcServer server) {
    ManagedChannel channel = channel(server);
    try {
      HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
      return List.of(health.check(HealthCheckRequest.getDefaultInstance()).getStatus(),
          health.check(HealthCheckRequest.newBuilder().setService(EchoService.SERVICE).build()).getStatus());
    } finally {
      channel.shutdownNow();
    }
  }

  /** A channel to {@code server} that trusts the test's CA. */
  private static ManagedChannel channel(GrpcServer server) {
    return ClientChannels.forTarget("localhost:" + server.port(), new ClientSettings(
        Optional.empty(), new TlsSettings(Optional.empty(), Optional.empty(), Optional.of(caFile)),
        ClientSettings.DEFAULT_RECONNECT_PROBE), Retries.none());
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static List<String> messages(LogCapture logged) {
    return logged.lines().stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  /** A clock that stands where the test sets it. */
  private static final class DrivenClock extends Clock {
    private volatile Instant now;

    DrivenClock(Instant now) {
      this.now = now;
    }

    void set(Instant now) {
      this.now = now;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException("UTC only");
    }
  }

  /** A timer whose tasks run when the test says, on the test's thread. */
  private static final class HandTimer implements ServedCertificateExpiry.Timer {
    private final Deque<Waiting> waiting = new ArrayDeque<>();

    private record Waiting(Runnable task, Duration delay, CompletableFuture<Void> future) {}

    @Override
    public synchronized Future<?> schedule(Runnable task, Duration delay) {
      Waiting next = new Waiting(task, delay, new CompletableFuture<>());
      waiting.add(next);
      return next.future();
    }

    /** How many tasks wait, not cancelled. */
    synchronized long pending() {
      return waiting.stream().filter(next -> !next.future().isCancelled()).count();
    }

    synchronized Duration nextDelay() {
      assertEquals(1, pending(), "one task waits");
      return waiting.peek().delay();
    }

    /** Runs the one task waiting, as if its delay had passed. */
    void runNext() {
      Waiting next;
      synchronized (this) {
        assertEquals(1, pending(), "one task waits");
        next = waiting.poll();
      }
      next.task().run();
    }
  }
}
