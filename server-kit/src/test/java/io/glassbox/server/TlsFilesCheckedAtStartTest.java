package io.glassbox.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
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
  void ed25519Key_isRefused_sayingWhichKeysServe() throws Exception {
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Path key = dir.resolve("ed25519.key");
    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(US_ASCII))
            .encodeToString(pair.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n");

    ConfigException e = assertThrows(ConfigException.class,
        () -> new TlsSettings(Optional.of(service[0]), Optional.of(key), Optional.empty()));

    assertEquals("GLASSBOX_TLS_KEY_FILE=" + key + " holds an Ed25519 key, which is not served: make an RSA or EC"
        + " key, e.g. openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256", e.getMessage());
  }

  /** A key file damaged in transit (bytes changed, base64 still well formed) is not "another kind of key". */
  @Test
  void damagedKey_isRefused_asDamaged() throws Exception {
    byte[] encoded = Files.readString(service[1]).lines().filter(line -> !line.startsWith("-----"))
        .collect(java.util.stream.Collectors.joining()).transform(Base64.getDecoder()::decode);
    byte[] damaged = java.util.Arrays.copyOf(encoded, encoded.length / 2);
    Path key = dir.resolve("damaged.key");
    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(US_ASCII)).encodeToString(damaged)
        + "\n-----END PRIVATE KEY-----\n");

    ConfigException e = assertThrows(ConfigException.class,
        () -> new TlsSettings(Optional.of(service[0]), Optional.of(key), Optional.empty()));

    assertEquals("GLASSBOX_TLS_KEY_FILE=" + key + " holds a BEGIN PRIVATE KEY block that is no key this JDK reads"
        + " (RSA, EC, RSA-PSS, Ed25519, Ed448, X25519, X448, DSA): damaged or cut short? openssl pkey -in " + key
        + " -noout says what is wrong with it", e.getMessage());
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
    assertEquals(List.of("model-service cannot start: " + mismatch(other[1], service[0], "CN=srv")),
        mainLogs("model-service", keyOfAnotherCertificate()));
  }

  /** What ServiceStartup logs at ERROR starting a server {@code name} on {@code environment}; it must exit 1. */
  private List<String> mainLogs(String name, Map<String, String> environment) throws InterruptedException {
    try (LogCapture logged = LogCapture.of(ServiceStartup.class, Level.ERROR)) {
      int status = ServiceStartup.serve(name, environment, () -> {
        GrpcServer server = GrpcServer.onPort(name, 0, ServerSettings.load(ConfigSource.of(environment), 0))
            .addService(EchoService.echo()).start();
        closer.add(server);
      }, List.of());

      assertEquals(1, status);
      return logged.lines().stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  private static String notPkcs8(Path key, String found) {
    return TlsSettings.KEY_KEY + "=" + key + " holds " + found + ", not the PKCS#8 key (BEGIN PRIVATE KEY) that"
        + " TLS here reads: convert it with openssl pkcs8 -topk8 -nocrypt -in " + key + " -out " + key
        + ".pk8 and set " + TlsSettings.KEY_KEY + " to " + key + ".pk8";
  }

  @Test
  void pkcs1RsaKey_isRefused_sayingWhatItIsAndHowToConvertIt() throws Exception {
    Path pkcs1 = TestCertificates.writeTraditional(service[1], dir.resolve("srv-pkcs1.key"));

    ConfigException e = assertThrows(ConfigException.class,
        () -> new TlsSettings(Optional.of(service[0]), Optional.of(pkcs1), Optional.empty()));

    assertEquals(notPkcs8(pkcs1, "a PKCS#1 RSA key (BEGIN RSA PRIVATE KEY)"), e.getMessage());
  }

  @Test
  void sec1EcKey_isRefused_sayingWhatItIsAndHowToConvertIt() throws Exception {
    Path sec1 = TestCertificates.writeTraditional(ecService[1], dir.resolve("ec-srv-sec1.key"));

    ConfigException e = assertThrows(ConfigException.class,
        () -> new TlsSettings(Optional.of(ecService[0]), Optional.of(sec1), Optional.empty()));

    assertEquals(notPkcs8(sec1, "a SEC1 EC key (BEGIN EC PRIVATE KEY)"), e.getMessage());
  }

  @Test
  void derCertificate_isRefused_sayingHowToConvertIt_asServerCertificateOrCa() throws Exception {
    Path der = TestCertificates.writeDer(service[0], dir.resolve("srv.der"));
    Path derCa = TestCertificates.writeDer(caFile, dir.resolve("root.der"));

    ConfigException cert = assertThrows(ConfigException.class,
        () -> new TlsSettings(Optional.of(der), Optional.of(service[1]), Optional.empty()));
    ConfigException ca = assertThrows(ConfigException.class,
        () -> new TlsSettings(Optional.empty(), Optional.empty(), Optional.of(derCa)));

    assertEquals(TlsSettings.CERT_KEY + "=" + der + " is a DER (binary) certificate, not PEM (BEGIN CERTIFICATE):"
        + " convert it with openssl x509 -inform DER -in " + der + " -out " + der + ".pem and set "
        + TlsSettings.CERT_KEY + " to " + der + ".pem", cert.getMessage());
    assertEquals(TlsSettings.CA_KEY + "=" + derCa + " is a DER (binary) certificate, not PEM (BEGIN CERTIFICATE):"
        + " convert it with openssl x509 -inform DER -in " + derCa + " -out " + derCa + ".pem and set "
        + TlsSettings.CA_KEY + " to " + derCa + ".pem", ca.getMessage());
  }

  @Test
  void serviceMain_withAPkcs1Key_logsOneErrorLineAndExits1() throws Exception {
    Path pkcs1 = TestCertificates.writeTraditional(service[1], dir.resolve("main-pkcs1.key"));
    Map<String, String> environment = Map.of(TlsSettings.CERT_KEY, service[0].toString(),
        TlsSettings.KEY_KEY, pkcs1.toString());

    assertEquals(
        List.of("feature-service cannot start: " + notPkcs8(pkcs1, "a PKCS#1 RSA key (BEGIN RSA PRIVATE KEY)")),
        mainLogs("feature-service", environment));
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
