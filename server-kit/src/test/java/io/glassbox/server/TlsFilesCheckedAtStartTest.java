package io.glassbox.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
    Path key = pkcs8File("ed25519.key", KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate()
        .getEncoded());

    assertEquals("GLASSBOX_TLS_KEY_FILE=" + key + " holds an Ed25519 key, which is not served: make an RSA or EC"
        + " key, e.g. openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256", refusal(key));
  }

  /** A key file damaged in transit (cut short, base64 still well formed) is not "another kind of key". */
  @Test
  void keyCutShort_isRefused_asDamaged() throws Exception {
    byte[] encoded = pkcs8Bytes(service[1]);
    Path key = pkcs8File("cut.key", java.util.Arrays.copyOf(encoded, encoded.length / 2));

    assertEquals("GLASSBOX_TLS_KEY_FILE=" + key + " holds a BEGIN PRIVATE KEY block that is not a PKCS#8 key:"
        + " damaged or cut short? openssl pkey -in " + key + " -noout says what is wrong with it", refusal(key));
  }

  /**
   * One byte changed inside an EC key: a key factory that does not check the algorithm (the JDK's
   * DSA one) reads it, so the kind is told by the key's algorithm identifier, not by who reads it.
   */
  @Test
  void ecKeyDamagedInside_isNotCalledADsaKey() throws Exception {
    byte[] encoded = KeyPairGenerator.getInstance("EC").generateKeyPair().getPrivate().getEncoded();
    // 30 L | 02 01 00 | 30 13 <ecPublicKey, P-256> | 04 L 30 ...: the inner SEQUENCE becomes an INTEGER.
    int inner = 2 + 3 + 2 + encoded[6] + 2;
    assertEquals(0x30, encoded[inner]);
    encoded[inner] = 0x02;
    Path key = pkcs8File("ec-damaged.key", encoded);

    assertEquals(ecUnreadable(key), refusal(key));
  }

  /** An EC key whose curve is given by its parameters, not by name: not damaged, not read here either. */
  @Test
  void ecKeyWithExplicitCurveParameters_isToldToUseANamedCurve() throws Exception {
    Path key = pkcs8File("explicit.key", explicitParametersKey());

    assertEquals(ecUnreadable(key), refusal(key));
  }

  @Test
  void dhKey_isNamed_notCalledDamagedOrDsa() throws Exception {
    Path key = pkcs8File("dh.key", KeyPairGenerator.getInstance("DH").generateKeyPair().getPrivate().getEncoded());

    assertEquals("GLASSBOX_TLS_KEY_FILE=" + key + " holds a DH key, which is not served: make an RSA or EC key,"
        + " e.g. openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256", refusal(key));
  }

  /** secp256k1 reads as an EC key but the JDK does not sign with it: not "another certificate's key". */
  @Test
  void ecKeyOnACurveTheJdkDoesNotSignWith_isSaidSo() throws Exception {
    KeyPairGenerator secp256k1 = KeyPairGenerator.getInstance("EC",
        new org.bouncycastle.jce.provider.BouncyCastleProvider());
    secp256k1.initialize(new java.security.spec.ECGenParameterSpec("secp256k1"));
    Path key = pkcs8File("secp256k1.key", secp256k1.generateKeyPair().getPrivate().getEncoded());

    assertEquals("GLASSBOX_TLS_KEY_FILE=" + key + " holds an EC key this JDK does not sign with (Curve not"
        + " supported: secp256k1 (1.3.132.0.10)): TLS here serves RSA keys and EC keys on P-256, P-384 or P-521;"
        + " make one, e.g. openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256", refusal(key));
  }

  private String ecUnreadable(Path key) {
    return "GLASSBOX_TLS_KEY_FILE=" + key + " holds an EC key this JDK cannot read: its curve given by explicit"
        + " parameters rather than by name, or the file damaged (openssl pkey -in " + key + " -noout -text shows"
        + " which); make an EC key on a named curve, e.g. openssl genpkey -algorithm EC -pkeyopt"
        + " ec_paramgen_curve:P-256";
  }

  /** A P-256 key with its curve written out as parameters (openssl's ec_param_enc:explicit). */
  private static byte[] explicitParametersKey() throws Exception {
    KeyPairGenerator named = KeyPairGenerator.getInstance("EC", new org.bouncycastle.jce.provider.BouncyCastleProvider());
    named.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
    java.security.interfaces.ECPrivateKey key = (java.security.interfaces.ECPrivateKey) named.generateKeyPair()
        .getPrivate();
    org.bouncycastle.asn1.x9.X9ECParameters curve = org.bouncycastle.asn1.x9.ECNamedCurveTable.getByName("secp256r1");
    org.bouncycastle.asn1.x509.AlgorithmIdentifier algorithm = new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
        org.bouncycastle.asn1.x9.X9ObjectIdentifiers.id_ecPublicKey, curve);
    return new org.bouncycastle.asn1.pkcs.PrivateKeyInfo(algorithm,
        new org.bouncycastle.asn1.sec.ECPrivateKey(256, key.getS())).getEncoded();
  }

  /** The message new TlsSettings refuses the service's certificate with {@code key}. */
  private String refusal(Path key) {
    return refusal(service[0], key);
  }

  /** The message new TlsSettings refuses {@code cert} with {@code key} with. */
  private static String refusal(Path cert, Path key) {
    return assertThrows(ConfigException.class,
        () -> new TlsSettings(Optional.of(cert), Optional.of(key), Optional.empty())).getMessage();
  }

  private static byte[] pkcs8Bytes(Path pem) throws Exception {
    return Base64.getMimeDecoder().decode(Files.readString(pem).replaceAll("-----[^-]+-----", ""));
  }

  private static Path pkcs8File(String name, byte[] pkcs8) throws Exception {
    return Files.writeString(dir.resolve(name), "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(US_ASCII)).encodeToString(pkcs8) + "\n-----END PRIVATE KEY-----\n");
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

  /**
   * A certificate or key file replaced between the settings check and the server's start, here by
   * one of another pair, is checked again as read for serving: the start is refused, naming the
   * files, before any port is bound (the port it asks for is held here, so binding would fail
   * otherwise), rather than a server whose every handshake fails.
   */
  @Test
  void certificateReplacedByAnotherKeysAfterTheSettingsCheck_refusesTheStartBeforeBinding() throws Exception {
    Path cert = Files.copy(service[0], dir.resolve("replaced-cert.crt"));
    TlsSettings tls = new TlsSettings(Optional.of(cert), Optional.of(service[1]), Optional.of(caFile));
    Files.copy(other[0], cert, StandardCopyOption.REPLACE_EXISTING);

    assertEquals(mismatch(service[1], cert, "CN=other"), startRefusal(tls));
  }

  @Test
  void keyReplacedByAnotherCertificatesAfterTheSettingsCheck_refusesTheStartBeforeBinding() throws Exception {
    Path key = Files.copy(service[1], dir.resolve("replaced-key.key"));
    TlsSettings tls = new TlsSettings(Optional.of(service[0]), Optional.of(key), Optional.of(caFile));
    Files.copy(other[1], key, StandardCopyOption.REPLACE_EXISTING);

    assertEquals(mismatch(key, service[0], "CN=srv"), startRefusal(tls));
  }

  /** The message a server starting on {@code tls}, on a port held here, is refused with. */
  private static String startRefusal(TlsSettings tls) throws Exception {
    ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(), tls, 0, 64, 100, 0);
    try (ServerSocket held = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      return assertThrows(ConfigException.class, () -> GrpcServer.onPort("replaced", held.getLocalPort(), settings)
          .addService(EchoService.echo()).start()).getMessage();
    }
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

    assertEquals(notPkcs8(pkcs1, "a PKCS#1 RSA key (BEGIN RSA PRIVATE KEY)"), refusal(pkcs1));
  }

  @Test
  void sec1EcKey_isRefused_sayingWhatItIsAndHowToConvertIt() throws Exception {
    Path sec1 = TestCertificates.writeTraditional(ecService[1], dir.resolve("ec-srv-sec1.key"));

    assertEquals(notPkcs8(sec1, "a SEC1 EC key (BEGIN EC PRIVATE KEY)"), refusal(ecService[0], sec1));
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
