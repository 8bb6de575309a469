package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS files that cannot work are refused when the settings are read, before any port is bound,
 * with one line naming the settings and files: otherwise a server reports SERVING and every
 * client's handshake fails, while the server logs nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsFilesCheckedAtStartTest {
  @TempDir static Path dir;
  private static Path caFile;
  private static Path[] service;
  private static Path[] other;
  private static Path[] ecService;
  private static Path[] ecOther;

  private final Closer closer = new Closer();

  @BeforeAll
  static void makeCertificates() throws Exception {
    TestCertificates authority = TestCertificates.authority("shop-root");
    caFile = authority.writeCa(dir.resolve("root.crt"));
    service = authority.issue(dir, "srv");
    other = authority.issue(dir, "other");
    ecService = authority.issueEc(dir, "ec-srv");
    ecOther = authority.issueEc(dir, "ec-other");
  }

  @AfterEach
  void tearDown() throws Exception {
    closer.close();
  }

  @Test
  void keyOfAnotherCertificate_isRefused_namingBothSettingsAndFiles() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> TlsSettings.load(ConfigSource.of(keyOfAnotherCertificate())));

    assertEquals(mismatch(other[1], service[0], "CN=srv"), e.getMessage());
  }

  @Test
  void ecKeyOfAnotherCertificate_orAnRsaKeyForAnEcCertificate_isRefused() {
    ConfigException otherEc = assertThrows(ConfigException.class,
        () -> new TlsSettings(Optional.of(ecService[0]), Optional.of(ecOther[1]), Optional.empty()));
    ConfigException rsaForEc = assertThrows(ConfigException.class,
        () -> new TlsSettings(Optional.of(ecService[0]), Optional.of(service[1]), Optional.empty()));

    assertEquals(mismatch(ecOther[1], ecService[0], "CN=ec-srv"), otherEc.getMessage());
    assertEquals(mismatch(service[1], ecService[0], "CN=ec-srv"), rsaForEc.getMessage());
  }

  @Test
  void ecCertificateWithItsKey_servesTls() {
    TlsSettings tls = new TlsSettings(Optional.of(ecService[0]), Optional.of(ecService[1]), Optional.of(caFile));
    ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(), tls, 0, 64, 100, 0);
    GrpcServer server = GrpcServer.onPort("ec", 0, settings).addService(EchoService.echo()).start();
    closer.add(server);
    ClientSettings client = new ClientSettings(Optional.empty(), tls, ClientSettings.DEFAULT_RECONNECT_PROBE);
    var channel = ClientChannels.forTarget("localhost:" + server.port(), client, Retries.none());
    closer.add(channel::shutdownNow);

    assertEquals("hi", EchoService.call(channel, "hi"));
  }

  @Test
  void clientCertificateWithAnotherKey_isRefusedWhenTheClientSettingsAreRead() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ClientSettings.load(ConfigSource.of(keyOfAnotherCertificate())));

    assertEquals(mismatch(other[1], service[0], "CN=srv"), e.getMessage());
  }

  /** What a service's main does with it: one ERROR line, status 1, and nothing listening. */
  @Test
  void serviceMain_withAKeyOfAnotherCertificate_logsOneErrorLineAndExits1() throws Exception {
    Map<String, String> environment = keyOfAnotherCertificate();
    try (LogCapture logged = LogCapture.of(ServiceStartup.class, Level.ERROR)) {
      int status = ServiceStartup.serve("model-service", environment, () -> {
        GrpcServer server = GrpcServer.onPort("model-service", 0,
            ServerSettings.load(ConfigSource.of(environment), 0)).addService(EchoService.echo()).start();
        closer.add(server);
      }, List.of());

      assertEquals(1, status);
      assertEquals(List.of("model-service cannot start: " + mismatch(other[1], service[0], "CN=srv")),
          logged.lines().stream().map(ILoggingEvent::getFormattedMessage).toList());
    }
  }

  /** The tester's settings: srv.crt with other.key, mutual TLS. */
  private static Map<String, String> keyOfAnotherCertificate() {
    return Map.of(TlsSettings.CERT_KEY, service[0].toString(), TlsSettings.KEY_KEY, other[1].toString(),
        TlsSettings.CA_KEY, caFile.toString());
  }

  private static String mismatch(Path key, Path cert, String subject) {
    return TlsSettings.KEY_KEY + "=" + key + " is not the private key of the certificate in " + TlsSettings.CERT_KEY
        + "=" + cert + " (" + subject + "): every TLS handshake would fail. Set " + TlsSettings.KEY_KEY
        + " to the key the certificate was issued for (openssl x509 -noout -pubkey -in CERT and"
        + " openssl pkey -pubout -in KEY print the same public key)";
  }
}
