package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.ApiKeys;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.Retries;
import io.glassbox.server.ServerSettings;
import io.glassbox.server.TestCertificates;
import io.glassbox.server.TlsSettings;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client command whose TLS handshake fails says why, and whose files can fix it, after a
 * certificate rotation gone wrong: against real TLS servers on loopback, with certificates made
 * here. The status line said only the JDK's words ("failed (NotAfter: Tue Dec 01 …)"), and the
 * hint told the client to set its TLS files whatever the cause, also where only the server could
 * fix it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsHandshakeRefusedTest {
  private static final String SET_TLS_FILES = "set GLASSBOX_TLS_CA_FILE (and GLASSBOX_TLS_CERT_FILE and"
      + " GLASSBOX_TLS_KEY_FILE where the suite wants mutual TLS) to the files the suite uses.";

  /** The embedded customers (the tests run in launcher/, not where bin/glassbox finds them). */
  private static final String USERS = Path.of(System.getProperty("glassbox.repo.root"), UserIds.EMBEDDED).toString();
  /** When the expired certificates expired, said as the JDK says it in this machine's zone. */
  private static final Instant EXPIRED_AT = Instant.parse("2026-12-01T00:00:00Z");

  @TempDir static Path dir;
  private static TestCertificates ours;
  private static Path oursFile;
  private static TestCertificates theirs;
  private static Path theirsFile;

  @BeforeAll
  static void makeAuthorities() throws Exception {
    ours = TestCertificates.authority("ours");
    oursFile = ours.writeCa(dir.resolve("ours.crt"));
    theirs = TestCertificates.authority("theirs");
    theirsFile = theirs.writeCa(dir.resolve("theirs.crt"));
  }

  @Test
  void serversCertificateExpired_saysWhenAndThatTheServerMustRenewIt() throws Exception {
    Path[] expired = ours.issueValidUntil(dir, "expired", EXPIRED_AT);
    ConfigSource trustingOurs = ConfigSource.of(Map.of(TlsSettings.CA_KEY, oursFile.toString()));
    try (RawServer server = rawServer(expired)) {
      String target = "localhost:" + server.port();

      assertEquals("glassbox: UNAVAILABLE: the TLS handshake with " + target + " failed (the server's certificate"
          + " expired on " + Date.from(EXPIRED_AT) + ")\n"
          + "glassbox: the server's certificate (its GLASSBOX_TLS_CERT_FILE) must be renewed: this command's files"
          + " cannot fix that.\n", printedFailure(target, trustingOurs));
    }
  }

  /** The hint said "must be renewed", as for an expired one: a certificate not valid yet says a clock is wrong. */
  @Test
  void serversCertificateNotValidYet_saysFromWhenAndThatAClockIsWrong() throws Exception {
    Instant notBefore = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
    Path[] future = ours.issue(dir, "future", notBefore, notBefore.plus(Duration.ofDays(1)));
    ConfigSource trustingOurs = ConfigSource.of(Map.of(TlsSettings.CA_KEY, oursFile.toString()));
    try (RawServer server = rawServer(future)) {
      String target = "localhost:" + server.port();

      String printed = printedFailure(target, trustingOurs);

      String date = "[A-Z][a-z]{2} [A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \\S+ [0-9]{4}";
      assertTrue(printed.matches(Pattern.quote("glassbox: UNAVAILABLE: the TLS handshake with " + target + " failed (the"
          + " server's certificate is not valid until " + Date.from(notBefore) + ")\nglassbox: this machine's clock says ")
          + date + Pattern.quote(", before that: one of the two clocks is wrong (this machine's, or that of the machine"
          + " that issued the certificate), or the certificate was issued to start in the future; set the clock right,"
          + " or have the server's certificate (its GLASSBOX_TLS_CERT_FILE) reissued: this command's files cannot fix"
          + " that.\n")), printed);
    }
  }

  @Test
  void serversCertificateFromAnUntrustedCa_namesTheCaFileAndSaysToSetIt() throws Exception {
    Path[] foreign = theirs.issue(dir, "foreign");
    ConfigSource trustingOurs = ConfigSource.of(Map.of(TlsSettings.CA_KEY, oursFile.toString()));
    try (GrpcServer server = start(new TlsSettings(Optional.of(foreign[0]), Optional.of(foreign[1]), Optional.empty()))) {
      String target = "localhost:" + server.port();

      assertEquals("glassbox: UNAVAILABLE: the TLS handshake with " + target + " failed (the server's certificate is"
          + " not issued by a CA in GLASSBOX_TLS_CA_FILE=" + oursFile + ")\nglassbox: " + SET_TLS_FILES + "\n",
          printedFailure(target, trustingOurs));
    }
  }

  /** Health connected and failed the handshake, which it said as "no connection … within 5 s". */
  @Test
  void health_serversCertificateExpired_saysTheHandshakeFailed() throws Exception {
    HealthCommand health = new HealthCommand();
    health.settings = () -> ConfigSource.of(Map.of(TlsSettings.CA_KEY, oursFile.toString()));

    assertHealthSaysTheServersCertificateExpired(health, "expired-health");
  }

  /**
   * In a fresh JVM on a loaded machine, building the TLS channel (reading the TLS files, the JVM's TLS
   * start-up) took 6 to 10 s, counted in health's 5 s: it said "no connection … within 5 s" instead of
   * the handshake's failure. Here the clock health reads jumps past its 5 s while its settings are read.
   */
  @Test
  void health_slowStartBeforeTheChannelIsBuilt_stillSaysTheHandshakeFailed() throws Exception {
    AtomicLong skipped = new AtomicLong();
    HealthCommand health = new HealthCommand();
    health.nanoTime = () -> System.nanoTime() + skipped.get();
    health.settings = () -> {
      skipped.addAndGet(HealthCommand.TRY_LIMIT.plusSeconds(1).toNanos());
      return ConfigSource.of(Map.of(TlsSettings.CA_KEY, oursFile.toString()));
    };

    assertHealthSaysTheServersCertificateExpired(health, "expired-slow-start");
  }

  /** Runs {@code health} against a server whose certificate ({@code leaf}) has expired: it must say so, and who renews it. */
  private static void assertHealthSaysTheServersCertificateExpired(HealthCommand health, String leaf) throws Exception {
    Path[] expired = ours.issueValidUntil(dir, leaf, EXPIRED_AT);
    try (RawServer server = rawServer(expired)) {
      String target = "localhost:" + server.port();

      CliRun run = CliRun.ofCommand(health, "--target", target);

      assertEquals(1, run.exit(), run.err());
      assertEquals("glassbox health: UNAVAILABLE: the TLS handshake with " + target + " failed (the server's certificate"
          + " expired on " + Date.from(EXPIRED_AT) + ")\nglassbox health: the server's certificate (its"
          + " GLASSBOX_TLS_CERT_FILE) must be renewed: this command's files cannot fix that.\n", run.err());
    }
  }

  /** Load counted its failures by status only ("UNAVAILABLE 10"), and a TLS failure looked like an outage. */
  @Test
  void load_serversCertificateExpired_saysWhyByStatus() throws Exception {
    Path[] expired = ours.issueValidUntil(dir, "expired-load", EXPIRED_AT);
    try (RawServer server = rawServer(expired)) {
      String target = "localhost:" + server.port();
      LoadCommand load = new LoadCommand();
      load.call = new GatewayCallOptions();
      load.call.settings = () -> ConfigSource.of(Map.of(TlsSettings.CA_KEY, oursFile.toString()));

      CliRun run = CliRun.ofCommand(load, "--rate", "10", "--duration", "1s", "--report-every", "0s",
          "--users", USERS, "--target", target);

      assertEquals(1, run.exit(), run.err());
      assertTrue(run.out().contains("by status: UNAVAILABLE 10 (the TLS handshake with " + target + " failed (the"
          + " server's certificate expired on " + Date.from(EXPIRED_AT) + "))\n"), run.out());
    }
  }

  /**
   * The server's CA was rotated and this client's certificate is from the old one: BoringSSL's
   * client then sends no certificate (its issuer is not among those the server asks for), and the
   * server's alert says one is required, read before as "none was sent".
   */
  @Test
  void mutualTls_serverRefusesTheClientsCertificate_namesTheFileAndItsIssuer() throws Exception {
    Path[] server = theirs.issue(dir, "server");
    Path[] client = ours.issue(dir, "client");
    ConfigSource oldClient = ConfigSource.of(Map.of(TlsSettings.CA_KEY, theirsFile.toString(),
        TlsSettings.CERT_KEY, client[0].toString(), TlsSettings.KEY_KEY, client[1].toString()));
    ConfigSource noCertificate = ConfigSource.of(Map.of(TlsSettings.CA_KEY, theirsFile.toString()));
    try (GrpcServer mutual = start(new TlsSettings(Optional.of(server[0]), Optional.of(server[1]), Optional.of(theirsFile)))) {
      String target = "localhost:" + mutual.port();

      assertEquals("glassbox: UNAVAILABLE: the TLS handshake with " + target + " failed (the server refused this"
          + " client's certificate, GLASSBOX_TLS_CERT_FILE=" + client[0] + ", issued by CN=ours)\n"
          + "glassbox: the server's GLASSBOX_TLS_CA_FILE must hold the CA that issued " + client[0] + ", or set"
          + " GLASSBOX_TLS_CERT_FILE and GLASSBOX_TLS_KEY_FILE to a certificate and key that the server's CA issued.\n",
          printedFailure(target, oldClient));
      assertEquals("glassbox: UNAVAILABLE: the TLS handshake with " + target + " failed (the server wants a client"
          + " certificate (mutual TLS); this command sent none)\nglassbox: " + SET_TLS_FILES + "\n",
          printedFailure(target, noCertificate));
    }
  }

  /**
   * A TLS gRPC server on {@code pair} outside server-kit, whose start refuses an expired certificate:
   * as a server of another make, or one whose certificate expired while it ran, serves it.
   */
  private static RawServer rawServer(Path[] pair) throws IOException {
    return new RawServer(Grpc.newServerBuilderForPort(0, TlsServerCredentials.create(pair[0].toFile(), pair[1].toFile()))
        .build().start());
  }

  private record RawServer(Server server) implements AutoCloseable {
    int port() {
      return server.getPort();
    }

    @Override
    public void close() {
      server.shutdownNow();
    }
  }

  private static GrpcServer start(TlsSettings tls) {
    GrpcServer server = GrpcServer.onPort("tls", 0,
        new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(), tls, 0, 64, 100, 0)).start();
    server.setServing(true);
    return server;
  }

  /** What a command prints for a health check to {@code target} made with the client {@code settings}, which must fail. */
  private static String printedFailure(String target, ConfigSource settings) throws InterruptedException {
    ManagedChannel channel = ClientChannels.forTarget(target, ClientSettings.load(settings), Retries.none());
    try {
      StatusRuntimeException failure = assertThrows(StatusRuntimeException.class, () -> HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()));
      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      CliCalls.printFailure(new PrintStream(printed, true, StandardCharsets.UTF_8), "glassbox", failure, target,
          "--timeout-ms 10000", Deadline.after(10, TimeUnit.SECONDS), settings);
      return printed.toString(StandardCharsets.UTF_8);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
