package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service's own certificate out of its dates is refused at start (else it reports SERVING and
 * every handshake fails); one near its end is warned of at start and every server shows the dates
 * on {@code /metrics}; a client certificate the server refuses is counted and told.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CertificateExpiryTest {
  @TempDir static Path dir;
  private static Path caFile;
  private static Path[] valid;
  private static Path[] expired;
  private static Path[] notYetValid;
  private static Path[] endingSoon;
  private static Path[] aMinuteAhead;
  private static Path[] ofAnotherCa;
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  private final Closer closer = new Closer();

  @BeforeAll
  static void makeCertificates() throws Exception {
    TestCertificates authority = TestCertificates.authority("shop-root");
    caFile = authority.writeCa(dir.resolve("root.crt"));
    valid = authority.issue(dir, "srv");
    expired = authority.issue(dir, "expired", NOW.minus(Duration.ofDays(400)), NOW.minus(Duration.ofDays(35)));
    notYetValid = authority.issue(dir, "later", NOW.plus(Duration.ofDays(2)), NOW.plus(Duration.ofDays(365)));
    aMinuteAhead = authority.issue(dir, "fresh", NOW.plus(Duration.ofMinutes(1)), NOW.plus(Duration.ofDays(365)));
    endingSoon = authority.issue(dir, "soon", NOW.minus(Duration.ofDays(300)), NOW.plus(Duration.ofDays(10)));
    ofAnotherCa = TestCertificates.authority("retired-root").issue(dir, "caller");
  }

  @AfterEach
  void tearDown() throws Exception {
    closer.close();
  }

  /** A leaf valid for months behind an intermediate that expired a minute ago: every handshake fails. */
  @Test
  void intermediateExpiredBeforeTheLeaf_isRefusedAtStart_namingTheIntermediate() throws Exception {
    Instant intermediateEnd = NOW.minus(Duration.ofSeconds(60));
    TestCertificates root = TestCertificates.authority("chain-root");
    TestCertificates intermediate = root.intermediate("chain-intermediate", NOW.minus(Duration.ofDays(400)),
        intermediateEnd);
    Path[] leaf = intermediate.issue(dir, "chained", NOW.minus(Duration.ofDays(65)), NOW.plus(Duration.ofDays(300)));
    Path chain = Files.writeString(dir.resolve("chained-chain.crt"), Files.readString(leaf[0])
        + Files.readString(intermediate.writeCa(dir.resolve("chain-intermediate.crt"))));

    ConfigException e = assertThrows(ConfigException.class,
        () -> new TlsSettings(Optional.of(chain), Optional.of(leaf[1]), Optional.empty()));

    assertEquals("GLASSBOX_TLS_CERT_FILE=" + chain + " holds a CA certificate (CN=chain-intermediate, certificate 2"
        + " of 2 in the file, the issuer of CN=chained) that expired at " + intermediateEnd + " (notAfter): every"
        + " handshake with it would fail. Put a valid certificate of CN=chain-intermediate from its issuer in its"
        + " place in " + chain + " (then restart the service), or set GLASSBOX_TLS_CERT_FILE and"
        + " GLASSBOX_TLS_KEY_FILE to a valid pair", e.getMessage());
  }

  /**
   * A root sent along in the chain is not what clients check the dates of (theirs is, the CA file's,
   * {@code certificate="ca"}): one expired there neither stops the start nor is the served expiry.
   */
  @Test
  void expiredRootSentAlongInTheChain_startsAndIsNotTheServedExpiry() throws Exception {
    TestCertificates root = TestCertificates.authority("old-root", NOW.minus(Duration.ofDays(400)),
        NOW.minus(Duration.ofDays(1)));
    TestCertificates intermediate = root.intermediate("old-root-intermediate", NOW.minus(Duration.ofDays(10)),
        NOW.plus(Duration.ofDays(200)));
    Path[] leaf = intermediate.issue(dir, "rooted", NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(100)));
    Path chain = Files.writeString(dir.resolve("rooted-chain.crt"), Files.readString(leaf[0])
        + Files.readString(intermediate.writeCa(dir.resolve("old-root-intermediate.crt")))
        + Files.readString(root.writeCa(dir.resolve("old-root.crt"))));

    GrpcServer server = start(new TlsSettings(Optional.of(chain), Optional.of(leaf[1]), Optional.empty()));

    assertEquals((double) NOW.plus(Duration.ofDays(100)).getEpochSecond(), MetricsText.labelled(
        MetricsText.scrape(server), "glassbox_tls_certificate_expiry_timestamp_seconds", "certificate=\"server\""));
  }

  @Test
  void expiredCertificate_isRefusedAtStart_namingTheFileItsNotAfterAndTheRenewal() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> new TlsSettings(Optional.of(expired[0]), Optional.of(expired[1]), Optional.of(caFile)));

    assertEquals("GLASSBOX_TLS_CERT_FILE=" + expired[0] + " holds a certificate (CN=expired) that expired at "
        + NOW.minus(Duration.ofDays(35)) + " (notAfter): every handshake with it would fail. Renew it"
        + " (deploy/make-secrets.sh --renew makes a new tls.crt and tls.key signed by the kept CA; then apply"
        + " secrets.yaml and restart every service), or set GLASSBOX_TLS_CERT_FILE and GLASSBOX_TLS_KEY_FILE to a"
        + " valid pair", e.getMessage());
  }

  /** The same files as a client's (the gateway's and the CLI's certificate is also their client certificate). */
  @Test
  void expiredCertificate_isRefusedForAClientToo() {
    ConfigException e = assertThrows(ConfigException.class, () -> ClientSettings.load(ConfigSource.of(
        Map.of(TlsSettings.CERT_KEY, expired[0].toString(), TlsSettings.KEY_KEY, expired[1].toString()))));

    assertTrue(e.getMessage().startsWith("GLASSBOX_TLS_CERT_FILE=" + expired[0] + " holds a certificate (CN=expired)"
        + " that expired at"), e.getMessage());
  }

  @Test
  void certificateNotYetValid_isRefusedAtStart_namingItsNotBefore() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> new TlsSettings(Optional.of(notYetValid[0]), Optional.of(notYetValid[1]), Optional.empty()));

    assertEquals("GLASSBOX_TLS_CERT_FILE=" + notYetValid[0] + " holds a certificate (CN=later) that is not valid"
        + " until " + NOW.plus(Duration.ofDays(2)) + " (notBefore): every handshake with it would fail until then."
        + " Check this machine's clock, or renew it (deploy/make-secrets.sh --renew makes a new tls.crt and tls.key"
        + " signed by the kept CA; then apply secrets.yaml and restart every service), or set GLASSBOX_TLS_CERT_FILE"
        + " and GLASSBOX_TLS_KEY_FILE to a valid pair", e.getMessage());
  }

  /**
   * Made on a machine whose clock runs ahead and applied at once: refused, it would stop every pod on
   * a node whose clock is behind; it starts, with a warning to check the clocks.
   */
  @Test
  void certificateValidAMinuteFromNow_startsWithAWarningOfTheClocks() {
    List<String> warnings = startWarnings(new TlsSettings(Optional.of(aMinuteAhead[0]), Optional.of(aMinuteAhead[1]),
        Optional.of(caFile)));

    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).startsWith("expiring: GLASSBOX_TLS_CERT_FILE=" + aMinuteAhead[0] + " holds a"
        + " certificate (CN=fresh) that is not valid until " + NOW.plus(Duration.ofMinutes(1)) + " (notBefore), "),
        warnings.get(0));
    assertTrue(warnings.get(0).endsWith(" s ahead of this machine's clock: peers whose clocks are behind it refuse it"
        + " until then. Check the clocks (NTP)"), warnings.get(0));
  }

  @Test
  void certificateExpiringWithin30Days_isWarnedOfAtStart() {
    List<String> warnings = startWarnings(new TlsSettings(Optional.of(endingSoon[0]), Optional.of(endingSoon[1]),
        Optional.of(caFile)));

    assertEquals(List.of("expiring: GLASSBOX_TLS_CERT_FILE=" + endingSoon[0] + " holds a certificate (CN=soon) that"
        + " expires at " + NOW.plus(Duration.ofDays(10)) + " (notAfter), in 9 days, within 30: then every handshake"
        + " with it fails. Renew it (deploy/make-secrets.sh --renew makes a new tls.crt and tls.key signed by the kept"
        + " CA; then apply secrets.yaml and restart every service), or set GLASSBOX_TLS_CERT_FILE and"
        + " GLASSBOX_TLS_KEY_FILE to a valid pair before then"), warnings);
  }

  @Test
  void certificateExpiringLater_isNotWarnedOf() {
    TlsSettings tls = new TlsSettings(Optional.of(valid[0]), Optional.of(valid[1]), Optional.of(caFile));

    assertEquals(List.of(), startWarnings(tls));
    List<X509Certificate> served = ServedCertificateFile.read(valid[0], valid[1]).chain();
    assertEquals(Optional.empty(),
        CertificateDates.expiryWarning(TlsSettings.CERT_KEY, valid[0], served, Instant.now()));
    assertTrue(CertificateDates.expiryWarning(TlsSettings.CERT_KEY, valid[0], served,
        Instant.now().plus(Duration.ofDays(340))).isPresent());
  }

  @Test
  void metrics_showWhenTheServedCertificateAndTheCaExpire() throws Exception {
    GrpcServer server = start(new TlsSettings(Optional.of(endingSoon[0]), Optional.of(endingSoon[1]),
        Optional.of(caFile)));

    String metrics = MetricsText.scrape(server);

    assertEquals((double) NOW.plus(Duration.ofDays(10)).getEpochSecond(),
        MetricsText.labelled(metrics, "glassbox_tls_certificate_expiry_timestamp_seconds", "certificate=\"server\""));
    assertEquals((double) notAfter(caFile).getEpochSecond(),
        MetricsText.labelled(metrics, "glassbox_tls_certificate_expiry_timestamp_seconds", "certificate=\"ca\""));
  }

  @Test
  void plaintextServer_showsNoCertificateDates() throws Exception {
    GrpcServer server = start(TlsSettings.none());

    assertTrue(!MetricsText.scrape(server).contains("glassbox_tls_certificate_expiry"));
  }

  /**
   * A caller whose certificate a CA the server does not trust signed (a CA rotated on one side
   * only) fails its handshake, and the server counts it and says who it was.
   */
  @Test
  void clientCertificateOfAnUntrustedCa_isCountedAndLogged() throws Exception {
    GrpcServer server = start(new TlsSettings(Optional.of(valid[0]), Optional.of(valid[1]), Optional.of(caFile)));
    try (LogCapture logged = LogCapture.of(RefusedClientCertificates.class, Level.WARN)) {
      TlsSettings caller = new TlsSettings(Optional.of(ofAnotherCa[0]), Optional.of(ofAnotherCa[1]),
          Optional.of(caFile));
      ManagedChannel channel = ClientChannels.forTarget("localhost:" + server.port(),
          new ClientSettings(Optional.empty(), caller, ClientSettings.DEFAULT_RECONNECT_PROBE), Retries.none());
      closer.add(channel::shutdownNow);

      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> EchoService.call(channel, "hi"));

      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      await("the refusal counted", () -> refusals(server, "untrusted") >= 1);
      List<String> lines = logged.lines().stream().map(ILoggingEvent::getFormattedMessage).toList();
      assertEquals(1, lines.size(), lines.toString());
      assertTrue(lines.get(0).startsWith("expiring: refused a client's TLS certificate (untrusted): subject CN=caller,"
          + " issuer CN=retired-root, valid "), lines.get(0));
      assertTrue(lines.get(0).endsWith(": not signed by a CA of GLASSBOX_TLS_CA_FILE=" + caFile + " (a CA rotated on"
          + " one side only? during a rotation the CA file holds both CAs)"), lines.get(0));
    }
  }

  @Test
  void clientCertificateOfTheTrustedCa_isNotCounted() throws Exception {
    GrpcServer server = start(new TlsSettings(Optional.of(valid[0]), Optional.of(valid[1]), Optional.of(caFile)));
    TlsSettings caller = new TlsSettings(Optional.of(valid[0]), Optional.of(valid[1]), Optional.of(caFile));
    ManagedChannel channel = ClientChannels.forTarget("localhost:" + server.port(),
        new ClientSettings(Optional.empty(), caller, ClientSettings.DEFAULT_RECONNECT_PROBE), Retries.none());
    closer.add(channel::shutdownNow);

    assertEquals("hi", EchoService.call(channel, "hi"));
    // Every reason has its series from the start, at 0 (a rate over none would show no data).
    String metrics = MetricsText.scrape(server);
    for (String reason : List.of("untrusted", "expired", "not_yet_valid", "rejected")) {
      assertEquals(0, MetricsText.labelled(metrics, "glassbox_tls_handshakes_refused_total", "reason=\"" + reason + "\""), reason);
    }
  }

  private GrpcServer start(TlsSettings tls) {
    ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(), tls, 0, 64, 100, 0);
    GrpcServer server = GrpcServer.onPort("expiring", 0, settings).addService(EchoService.echo()).start();
    closer.add(server);
    return server;
  }

  /** The WARN lines a server starting on {@code tls} logs. */
  private List<String> startWarnings(TlsSettings tls) {
    try (LogCapture logged = LogCapture.of(GrpcServer.class, Level.WARN)) {
      start(tls);
      return logged.lines().stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  private static double refusals(GrpcServer server, String reason) {
    try {
      String metrics = MetricsText.scrape(server);
      return metrics.contains("glassbox_tls_handshakes_refused_total{reason=\"" + reason + "\"}")
          ? MetricsText.labelled(metrics, "glassbox_tls_handshakes_refused_total", "reason=\"" + reason + "\"") : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Instant notAfter(Path file) throws Exception {
    try (InputStream in = Files.newInputStream(file)) {
      return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in)).getNotAfter()
          .toInstant();
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail(what + " within 10 s");
      }
      TimeUnit.MILLISECONDS.sleep(10);
    }
  }
}
