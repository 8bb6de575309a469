package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.gateway.GatewayConfig;
import io.glassbox.gateway.GatewayMain;
import io.glassbox.gateway.RunningGateway;
import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.server.ApiKeys;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.RequestIds;
import io.glassbox.server.Retries;
import io.glassbox.server.ServerSettings;
import io.glassbox.server.TestCertificates;
import io.glassbox.server.TlsSettings;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call the suite refuses for want of a key says what to do, not only the status: against the
 * real gateway requiring API keys, called by the commands as a person runs them (this JVM sets
 * no GLASSBOX_CLIENT_KEY_FILE, so they send no key).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RefusedCallsTest {
  /** What to do about TLS settings against a plaintext server (the status line says it does not speak TLS). */
  private static final String UNSET_TLS_FILES = "unset GLASSBOX_TLS_CA_FILE, GLASSBOX_TLS_CERT_FILE and"
      + " GLASSBOX_TLS_KEY_FILE, or name a server that speaks TLS with --target.";
  /** What to do about a plaintext command to a TLS suite, or one with the wrong TLS files. */
  private static final String SET_TLS_FILES = "set GLASSBOX_TLS_CA_FILE (and GLASSBOX_TLS_CERT_FILE and"
      + " GLASSBOX_TLS_KEY_FILE where the suite wants mutual TLS) to the files the suite uses.";
  private static final String NO_KEY_HINT = "the suite wants an API key: set GLASSBOX_CLIENT_KEY_FILE to a file"
      + " holding yours (bin/glassbox sends it as \"authorization: Bearer <key>\").";

  /** The embedded customers (the tests run in launcher/, not where bin/glassbox finds them). */
  private static final String USERS = Path.of(System.getProperty("glassbox.repo.root"), UserIds.EMBEDDED).toString();

  @TempDir static Path dir;
  private static RunningGateway gateway;
  private static String target;

  @BeforeAll
  static void startGatewayWithKeys() throws Exception {
    Path keys = Files.writeString(dir.resolve("api-keys"),
        "client " + ApiKeys.sha256Hex("shop-" + UUID.randomUUID()) + " shop\n");
    gateway = GatewayMain.start(ConfigSource.of(Map.of(
        GatewayConfig.PORT_KEY, "0",
        ViewerConfig.PORT_KEY, "0",
        ServerSettings.METRICS_PORT_KEY, "0",
        ApiKeys.FILE_KEY, keys.toString())));
    target = "localhost:" + gateway.port();
  }

  @AfterAll
  static void stopGateway() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void recommend_withoutAKey_saysToSetTheKeyFile() {
    CliRun run = CliRun.of("recommend", "--user", "12348", "--target", target);

    assertEquals(1, run.exit(), run.err());
    assertEquals("glassbox: UNAUTHENTICATED: glassbox.v1.Gateway/Recommend needs an API key: send metadata"
        + " \"authorization: Bearer <key>\"\nglassbox: " + NO_KEY_HINT + "\n", run.err());
  }

  @Test
  void bench_everyCallRefused_countsThemByStatusAndSaysWhy() {
    CliRun run = CliRun.of("bench", "--requests", "3", "--warmup", "0", "--users", USERS, "--target", target);

    assertEquals(1, run.exit(), run.err());
    assertTrue(run.out().contains("failed 3"), run.out());
    assertEquals("glassbox bench: failed calls by status: UNAUTHENTICATED 3; the first:\n"
        + "glassbox bench: UNAUTHENTICATED: glassbox.v1.Gateway/Recommend needs an API key: send metadata"
        + " \"authorization: Bearer <key>\"\nglassbox bench: " + NO_KEY_HINT + "\n", run.err());
  }

  @Test
  void load_noCallAnswered_saysWhy() {
    CliRun run = CliRun.of("load", "--rate", "10", "--duration", "1s", "--users", USERS, "--target", target);

    assertEquals(1, run.exit(), run.err());
    assertTrue(run.out().contains("by status: UNAUTHENTICATED 10"), run.out());
    assertEquals("glassbox load: not one call succeeded; the first failure:\n"
        + "glassbox load: UNAUTHENTICATED: glassbox.v1.Gateway/Recommend needs an API key: send metadata"
        + " \"authorization: Bearer <key>\"\nglassbox load: " + NO_KEY_HINT + "\n", run.err());
  }

  @Test
  void recommend_gatewayUpButItsFeatureServiceDown_saysTheGatewayAnsweredAndUnderWhichRequestId() throws Exception {
    int closedPort = SuiteAnswer.closedPort();
    try (RunningGateway alone = GatewayMain.start(ConfigSource.of(Map.of(
        GatewayConfig.PORT_KEY, "0",
        GatewayConfig.FEATURE_TARGET_KEY, "localhost:" + closedPort,
        ViewerConfig.PORT_KEY, "0",
        ServerSettings.METRICS_PORT_KEY, "0")))) {
      String aloneTarget = "localhost:" + alone.port();

      CliRun run = CliRun.of("recommend", "--user", "12348", "--target", aloneTarget);

      // Before, the hint said "nothing answered at …. Is the suite up?" of a gateway that answered.
      // The gateway runs in this JVM, so its log line for the call shares the command's stderr;
      // what the command printed is the rest.
      String printed = run.errWithoutLogLines();
      assertEquals(1, run.exit(), run.err());
      assertTrue(Pattern.matches("glassbox: UNAVAILABLE: the feature service is unavailable \\(UNAVAILABLE\\)\n"
          + "glassbox: the gateway at " + aloneTarget + " is up but could not serve this call; the suite's logs say"
          + " why \\(this call's request id: [0-9a-f-]{36}; at INFO the gateway logs the first call a minute that"
          + " failed each way, every one at DEBUG \\(restart the gateway with GLASSBOX_LOG_LEVEL=DEBUG\\)\\)\\.\n",
          printed), run.err());
    }
  }

  @Test
  void up_underKeys_suggestsTheFirstCommandWithItsKeyFile() {
    assertEquals("GLASSBOX_CLIENT_KEY_FILE=<file with your key> bin/glassbox recommend --user 12348",
        UpCommand.firstCommand(ConfigSource.of(Map.of(ApiKeys.FILE_KEY, "keys.txt")), UpCommand.DEFAULT_GATEWAY_PORT));
    assertEquals("bin/glassbox recommend --user 12348", UpCommand.firstCommand(ConfigSource.of(Map.of()), UpCommand.DEFAULT_GATEWAY_PORT));
  }

  @Test
  void hint_namesTheKeyFileThatWasSent() {
    ConfigSource sentFromMyKey = ConfigSource.of(Map.of(ClientSettings.KEY_FILE_KEY, "my.key"));
    ConfigSource noKey = ConfigSource.of(Map.of());
    assertEquals(Optional.of("the key in my.key (GLASSBOX_CLIENT_KEY_FILE) is not one the server accepts: its"
            + " keys file (GLASSBOX_API_KEYS_FILE) lists the sha256 of each key it takes."),
        CallHints.tell(Status.UNAUTHENTICATED.asRuntimeException(), target, sentFromMyKey, plentyOfTime()).hint());
    assertEquals(Optional.of("this call needs an admin key: set GLASSBOX_CLIENT_KEY_FILE to a file holding one"
            + " (my.key holds a client key)."),
        CallHints.tell(Status.PERMISSION_DENIED.asRuntimeException(), target, sentFromMyKey, plentyOfTime()).hint());
    assertEquals(Optional.of("this call needs an admin key: set GLASSBOX_CLIENT_KEY_FILE to a file holding one."),
        CallHints.tell(Status.PERMISSION_DENIED.asRuntimeException(), target, noKey, plentyOfTime()).hint());
    assertEquals(Optional.empty(), CallHints.tell(Status.INVALID_ARGUMENT.asRuntimeException(), target, noKey, plentyOfTime()).hint());
    Metadata answeredByTheGateway = new Metadata();
    answeredByTheGateway.put(RequestIds.SERVER_HEADER, "gateway");
    answeredByTheGateway.put(RequestIds.HEADER, "req-9");
    assertEquals(Optional.of("the gateway at " + target + " failed; the suite's logs say why (this call's request"
            + " id: req-9; at INFO the gateway logs the first call a minute that failed each way, every one at DEBUG"
            + " (restart the gateway with GLASSBOX_LOG_LEVEL=DEBUG))."),
        CallHints.tell(Status.INTERNAL.withDescription("the feature service answered UNAUTHENTICATED: no key")
            .asRuntimeException(answeredByTheGateway), target, noKey, plentyOfTime()).hint());
    // The gateway's own failure (a bug) is logged at ERROR on every call, not once a minute.
    assertEquals(Optional.of("the gateway at " + target + " failed; the suite's logs say why (this call's request"
            + " id: req-9; the gateway logs each such failure at ERROR)."),
        CallHints.tell(Status.INTERNAL.withDescription("internal error").asRuntimeException(answeredByTheGateway),
            target, noKey, plentyOfTime()).hint());
    assertEquals(Optional.empty(), CallHints.tell(Status.INTERNAL.asRuntimeException(), target, noKey, plentyOfTime()).hint());
  }

  @Test
  void tlsSettingsAgainstAPlaintextSuite_saysItDoesNotSpeakTls() throws Exception {
    Path caFile = TestCertificates.authority("plaintext-ca").writeCa(dir.resolve("plaintext-ca.crt"));
    ConfigSource caOnly = ConfigSource.of(Map.of(TlsSettings.CA_KEY, caFile.toString()));

    StatusRuntimeException refused = healthCheckFailure(target, caOnly);

    assertEquals(Optional.of(UNSET_TLS_FILES), CallHints.tell(refused, target, caOnly, plentyOfTime()).hint());
  }

  /**
   * The command's own failure, told by the hint, is said without gRPC's internals: its description
   * was "io exception\nChannel Pipeline: [SslHandler#0, ProtocolNegotiators$ClientTlsHandler#0, …]",
   * a line of Netty's between the status and the hint.
   */
  @Test
  void printFailure_tlsSettingsAgainstAPlaintextSuite_printsTheStatusLineAndTheHintOnly() throws Exception {
    Path caFile = TestCertificates.authority("plaintext-ca").writeCa(dir.resolve("plaintext-ca-3.crt"));
    ConfigSource caOnly = ConfigSource.of(Map.of(TlsSettings.CA_KEY, caFile.toString()));
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    CliCalls.printFailure(new PrintStream(printed, true, StandardCharsets.UTF_8), "glassbox",
        healthCheckFailure(target, caOnly), target, "--timeout-ms 10000", plentyOfTime(), caOnly);

    List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(2, lines.size(), lines.toString());
    assertEquals("glassbox: UNAVAILABLE: " + target + " does not speak TLS; this command sent TLS", lines.get(0));
    assertEquals("glassbox: " + UNSET_TLS_FILES, lines.get(1));
    assertEquals(1, CliRun.timesSaid(printed.toString(StandardCharsets.UTF_8), "speak TLS"), lines.toString());
  }

  /**
   * A plaintext server hangs up on a TLS client: whether the client reads its HTTP/2 bytes first
   * (not a TLS record) or the hang-up (the handshake "failed") is a race. Told from the failure,
   * the hang-up read as a handshake with the wrong files; the server is asked instead.
   */
  @Test
  void tlsSettingsAgainstAPlaintextSuite_hangUpReadFirst_stillSaysItDoesNotSpeakTls() throws Exception {
    Path caFile = TestCertificates.authority("plaintext-ca").writeCa(dir.resolve("plaintext-ca-2.crt"));
    ConfigSource caOnly = ConfigSource.of(Map.of(TlsSettings.CA_KEY, caFile.toString()));
    StatusRuntimeException hungUp = Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new SSLException("Connection reset")).asRuntimeException();

    assertEquals(Optional.of(UNSET_TLS_FILES), CallHints.tell(hungUp, target, caOnly, plentyOfTime()).hint());
  }

  @Test
  void aSuiteSpeakingMutualTls_plaintextCommandAndWrongTlsFiles_eachToldWhichFilesToSet() throws Exception {
    TestCertificates ca = TestCertificates.authority("refused-calls-ca");
    Path caFile = ca.writeCa(dir.resolve("ca.crt"));
    Path[] server = ca.issue(dir, "server");
    try (RunningGateway tlsGateway = GatewayMain.start(ConfigSource.of(Map.of(
        GatewayConfig.PORT_KEY, "0",
        ViewerConfig.PORT_KEY, "0",
        ServerSettings.METRICS_PORT_KEY, "0",
        TlsSettings.CERT_KEY, server[0].toString(),
        TlsSettings.KEY_KEY, server[1].toString(),
        TlsSettings.CA_KEY, caFile.toString())))) {
      String tlsTarget = "localhost:" + tlsGateway.port();

      // The command as run here, with no TLS settings: the server hangs up on a plaintext client,
      // which reads its alert, a close or a reset first, as the race goes; each is told the same,
      // from the server asked how it speaks, on the status line (the status's code is the race's: a
      // TLS alert read as HTTP/2 is INTERNAL), the hint saying only which files to set. The first
      // line said "closed the connection without answering" above "answered in TLS"; then the hint
      // said "answered in TLS" below "speaks TLS", and health said it in the hint alone.
      String speaksTls = tlsTarget + " speaks TLS; this command sent plaintext";
      CliRun plaintext = CliRun.of("recommend", "--user", "12348", "--target", tlsTarget);
      CliRun health = CliRun.of("health", "--target", tlsTarget);
      assertEquals(1, plaintext.exit(), plaintext.err());
      assertTrue(Pattern.matches("glassbox: (INTERNAL|UNAVAILABLE): " + Pattern.quote(speaksTls + "\nglassbox: "
          + SET_TLS_FILES + "\n"), plaintext.err()), plaintext.err());
      assertEquals(1, health.exit(), health.err());
      assertTrue(Pattern.matches("glassbox health: (INTERNAL|UNAVAILABLE): " + Pattern.quote(speaksTls
          + "\nglassbox health: " + SET_TLS_FILES + "\n"), health.err()), health.err());
      for (CliRun run : List.of(plaintext, health)) {
        assertEquals(1, CliRun.timesSaid(run.err(), " TLS;"), run.err());
      }
      ConfigSource none = ConfigSource.of(Map.of());
      for (StatusRuntimeException hungUp : List.of(
          Status.UNAVAILABLE.withDescription("Network closed for unknown reason").asRuntimeException(),
          Status.UNAVAILABLE.withDescription("io exception").withCause(new SocketException("Connection reset"))
              .asRuntimeException())) {
        assertEquals(Optional.of(SET_TLS_FILES), CallHints.tell(hungUp, tlsTarget, none, plentyOfTime()).hint(), hungUp.toString());
      }

      // Trusting the CA but presenting no certificate to a suite that wants mutual TLS: the status
      // line says why the handshake failed (the hint said it again, and the status line said only
      // that it failed).
      ConfigSource caOnly = ConfigSource.of(Map.of(TlsSettings.CA_KEY, caFile.toString()));
      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      CliCalls.printFailure(new PrintStream(printed, true, StandardCharsets.UTF_8), "glassbox",
          healthCheckFailure(tlsTarget, caOnly), tlsTarget, "--timeout-ms 10000", plentyOfTime(), caOnly);
      String failed = printed.toString(StandardCharsets.UTF_8);
      assertTrue(Pattern.matches("glassbox: UNAVAILABLE: " + Pattern.quote("the TLS handshake with " + tlsTarget
          + " failed (") + "[^\\n]+\\)\n" + Pattern.quote("glassbox: " + SET_TLS_FILES + "\n"), failed), failed);
      assertEquals(1, CliRun.timesSaid(failed, "handshake"), failed);
    }
  }

  /** A command's deadline that leaves the server time to say how it speaks. */
  private static Deadline plentyOfTime() {
    return Deadline.after(10, TimeUnit.SECONDS);
  }

  /** The status of a health check to {@code target} made with the client {@code settings}, which must fail. */
  private static StatusRuntimeException healthCheckFailure(String target, ConfigSource settings)
      throws InterruptedException {
    ManagedChannel channel = ClientChannels.forTarget(target, ClientSettings.load(settings), Retries.none());
    try {
      return assertThrows(StatusRuntimeException.class, () -> HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
