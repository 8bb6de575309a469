package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server certificate file without its intermediate starts (gRPC sends what the file holds),
 * and every client that trusts only the root fails its handshake: said at start, and only then,
 * not for a leaf the CA file's CA issued nor for one that signs itself.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CertificateChainWarningTest {
  @TempDir static Path dir;
  private static Path rootFile;
  private static Path intermediateFile;
  private static Path[] leafAlone;
  private static Path leafWithIntermediate;
  private static Path[] direct;
  private static Path[] selfSigned;
  private static Path otherRootFile;

  private final Closer closer = new Closer();
  private GrpcServer server;

  @BeforeAll
  static void makeCertificates() throws Exception {
    TestCertificates root = TestCertificates.authority("shop-root");
    rootFile = root.writeCa(dir.resolve("root.crt"));
    TestCertificates intermediate = root.intermediate("shop-intermediate");
    intermediateFile = intermediate.writeCa(dir.resolve("intermediate.crt"));
    leafAlone = intermediate.issue(dir, "srv");
    leafWithIntermediate = Files.writeString(dir.resolve("srv-chain.crt"),
        Files.readString(leafAlone[0]) + Files.readString(intermediateFile));
    direct = root.issue(dir, "direct");
    selfSigned = TestCertificates.selfSigned(dir, "self");
    otherRootFile = TestCertificates.authority("other-root").writeCa(dir.resolve("other-root.crt"));
  }

  @AfterEach
  void tearDown() throws Exception {
    closer.close();
  }

  @Test
  void leafWithoutItsIntermediate_isWarnedOfAtStart_andClientsTrustingTheRootAreRefused() throws Exception {
    TlsSettings tls = new TlsSettings(Optional.of(leafAlone[0]), Optional.of(leafAlone[1]), Optional.of(rootFile));

    List<String> warnings = startWarnings(tls);

    assertEquals(List.of("chained: " + TlsSettings.CERT_KEY + "=" + leafAlone[0] + " holds no certificate of"
        + " CN=shop-intermediate, the issuer of CN=srv, and " + TlsSettings.CA_KEY + "=" + rootFile + " holds none"
        + " either: clients will fail every handshake with \"unable to get local issuer certificate\" (Java clients:"
        + " \"PKIX path building failed\"). If CN=shop-intermediate is an intermediate CA, append its certificate"
        + " to " + leafAlone[0] + ", after the server's own (cat intermediate.crt >> " + leafAlone[0] + "); if it is"
        + " the root CA the clients trust, add its certificate to " + rootFile + " (cat root.crt >> " + rootFile
        + "), keeping the CA that signs client certificates there"), warnings);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call());
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
  }

  @Test
  void leafWithItsIntermediateAppended_isNotWarnedOf_andClientsTrustingTheRootAreAnswered() throws Exception {
    TlsSettings tls = new TlsSettings(Optional.of(leafWithIntermediate), Optional.of(leafAlone[1]),
        Optional.of(rootFile));

    assertEquals(List.of(), startWarnings(tls));
    assertEquals("hi", call());
  }

  /**
   * Without a CA file the server cannot tell an intermediate from the root its clients trust (a
   * private CA that signs leaves itself, as the one-way TLS of this suite's tests): no warning.
   */
  @Test
  void withoutCaFile_nothingIsWarnedOf() {
    assertEquals(Optional.empty(),
        chainWarning(new TlsSettings(Optional.of(leafAlone[0]), Optional.of(leafAlone[1]), Optional.empty())));
    assertEquals(Optional.empty(),
        chainWarning(new TlsSettings(Optional.of(selfSigned[0]), Optional.of(selfSigned[1]), Optional.empty())));
  }

  /** The same leaf and intermediate, the root in the CA file: a public CA's usual files. */
  @Test
  void leafAndIntermediate_withTheRootInTheCaFile_isNotWarnedOf() {
    assertEquals(Optional.empty(),
        chainWarning(new TlsSettings(Optional.of(leafWithIntermediate), Optional.of(leafAlone[1]),
            Optional.of(rootFile))));
  }

  @Test
  void leafIssuedByTheCaInTheCaFile_orTheCaFileItself_isNotWarnedOf() {
    assertEquals(Optional.empty(),
        chainWarning(new TlsSettings(Optional.of(direct[0]), Optional.of(direct[1]), Optional.of(rootFile))));
    assertEquals(Optional.empty(),
        chainWarning(new TlsSettings(Optional.of(selfSigned[0]), Optional.of(selfSigned[1]),
            Optional.of(selfSigned[0]))));
    // An intermediate in the CA file anchors the chain for the clients that trust that file.
    assertEquals(Optional.empty(),
        chainWarning(new TlsSettings(Optional.of(leafAlone[0]), Optional.of(leafAlone[1]),
            Optional.of(intermediateFile))));
  }

  /**
   * The intermediate is served and the CA file holds another root: what is missing is the root,
   * not an intermediate, so "append the intermediate" alone would send the operator the wrong way.
   */
  @Test
  void leafAndIntermediate_withAnotherRootInTheCaFile_isToldToSetTheCaFileToo() {
    Optional<String> warning = chainWarning(new TlsSettings(Optional.of(leafWithIntermediate),
        Optional.of(leafAlone[1]), Optional.of(otherRootFile)));

    assertEquals(Optional.of(TlsSettings.CERT_KEY + "=" + leafWithIntermediate + " holds no certificate of"
        + " CN=shop-root, the issuer of CN=shop-intermediate, and " + TlsSettings.CA_KEY + "=" + otherRootFile
        + " holds none either: clients will fail every handshake with \"unable to get local issuer certificate\""
        + " (Java clients: \"PKIX path building failed\"). If CN=shop-root is an intermediate CA, append its"
        + " certificate to " + leafWithIntermediate + ", after the server's own (cat intermediate.crt >> "
        + leafWithIntermediate + "); if it is the root CA the clients trust, add its certificate to "
        + otherRootFile + " (cat root.crt >> " + otherRootFile + "), keeping the CA that signs client certificates"
        + " there"), warning);
  }

  @Test
  void chainEndingAtARootTheCaFileDoesNotHold_isWarnedOf() {
    Optional<String> warning =
        chainWarning(new TlsSettings(Optional.of(selfSigned[0]), Optional.of(selfSigned[1]), Optional.of(rootFile)));

    assertEquals(Optional.of(TlsSettings.CERT_KEY + "=" + selfSigned[0] + " leads to CN=self, which "
        + TlsSettings.CA_KEY + "=" + rootFile + " does not hold: clients that trust only " + rootFile
        + ", as this suite's own services do, will fail every handshake (\"unable to get local issuer"
        + " certificate\"). Add the CA that issued the certificate to " + rootFile + ", keeping the CA that signs"
        + " client certificates there"), warning);
  }

  /** The warning for the chain a server on {@code tls} serves, read as the server reads it at its start. */
  private static Optional<String> chainWarning(TlsSettings tls) {
    return tls.chainWarning(ServedCertificateFile.read(tls.certFile().orElseThrow(), tls.keyFile().orElseThrow()));
  }

  /** The WARN lines a server starting on {@code tls} logs. */
  private List<String> startWarnings(TlsSettings tls) {
    try (LogCapture logged = LogCapture.of(GrpcServer.class, Level.WARN)) {
      ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(), tls, 0, 64, 100, 0);
      server = GrpcServer.onPort("chained", 0, settings).addService(EchoService.echo()).start();
      closer.add(server);
      return logged.lines().stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  /** A call from a client that trusts only the root CA, as the shop's back end does, with a certificate of it. */
  private String call() {
    TlsSettings client = new TlsSettings(Optional.of(direct[0]), Optional.of(direct[1]), Optional.of(rootFile));
    ManagedChannel channel = ClientChannels.forTarget("localhost:" + server.port(),
        new ClientSettings(Optional.empty(), client, ClientSettings.DEFAULT_RECONNECT_PROBE), Retries.none());
    closer.add(channel::shutdownNow);
    return EchoService.call(channel, "hi");
  }
}
