package io.glassbox.server;

import static io.glassbox.server.ProbeClient.freePort;
import static io.glassbox.server.ProbeClient.probe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** TLS and mutual TLS on real loopback servers, with certificates made here. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsTest {
  @TempDir static Path dir;
  private static Path caFile;
  private static Path[] service;
  private static Path rogueCaFile;
  private static Path[] rogue;

  private final Closer closer = new Closer();

  @BeforeAll
  static void makeCertificates() throws Exception {
    TestCertificates authority = TestCertificates.authority("glassbox-test-ca");
    caFile = authority.writeCa(dir.resolve("ca.crt"));
    service = authority.issue(dir, "service");
    TestCertificates other = TestCertificates.authority("someone-else");
    rogueCaFile = other.writeCa(dir.resolve("rogue-ca.crt"));
    rogue = other.issue(dir, "rogue");
  }

  @AfterEach
  void tearDown() throws Exception {
    closer.close();
  }

  /**
   * The viewer page's TLS (sslContext) reads the files gRPC reads, a certificate and its key in
   * one file too: it refused that one ("signed fields invalid"), and the gateway exited.
   */
  @Test
  void sslContext_readsWhatGrpcReads_aCertificateAndKeyInOneFileToo() throws IOException {
    Path combined = Files.writeString(dir.resolve("combined.pem"),
        Files.readString(service[0]) + Files.readString(service[1]));
    TlsSettings oneFile = new TlsSettings(Optional.of(combined), Optional.of(combined), Optional.of(caFile));

    assertTrue(oneFile.sslContext().isPresent());
    GrpcServer server = start(new TlsSettings(Optional.of(combined), Optional.of(combined), Optional.empty()));
    assertEquals("hi", EchoService.call(channel(server, clientTrustingOnly()), "hi"));
    ConfigException noKey = assertThrows(ConfigException.class, () -> new TlsSettings(Optional.of(service[0]),
        Optional.of(service[0]), Optional.of(caFile)).sslContext());
    assertEquals(TlsSettings.KEY_KEY + "=" + service[0] + " holds no private key, only CERTIFICATE blocks: set "
        + TlsSettings.KEY_KEY + " to the certificate's PEM PKCS#8 private key (BEGIN PRIVATE KEY)", noKey.getMessage());
  }

  @Test
  void tls_clientTrustingTheCa_isAnswered() {
    GrpcServer server = start(new TlsSettings(Optional.of(service[0]), Optional.of(service[1]), Optional.empty()));

    assertEquals("hi", EchoService.call(channel(server, clientTrustingOnly()), "hi"));
  }

  @Test
  void tls_plaintextClient_cannotCall() {
    GrpcServer server = start(new TlsSettings(Optional.of(service[0]), Optional.of(service[1]), Optional.empty()));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> EchoService.call(channel(server, ClientSettings.plaintext()), "hi"));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
  }

  @Test
  void mutualTls_clientWithCertificateFromTheCa_isAnswered() {
    TlsSettings mutual = new TlsSettings(Optional.of(service[0]), Optional.of(service[1]), Optional.of(caFile));
    GrpcServer server = start(mutual);

    ClientSettings client = new ClientSettings(Optional.empty(), mutual, ClientSettings.DEFAULT_RECONNECT_PROBE);
    assertEquals("hi", EchoService.call(channel(server, client), "hi"));
  }

  @Test
  void mutualTls_clientWithoutCertificate_isRefused() {
    GrpcServer server = start(new TlsSettings(Optional.of(service[0]), Optional.of(service[1]), Optional.of(caFile)));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> EchoService.call(channel(server, clientTrustingOnly()), "hi"));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
  }

  @Test
  void mutualTls_clientWithCertificateFromAnotherCa_isRefused() {
    GrpcServer server = start(new TlsSettings(Optional.of(service[0]), Optional.of(service[1]), Optional.of(caFile)));
    // Trusts the server, but presents a certificate the server's CA did not sign.
    TlsSettings rogueClient = new TlsSettings(Optional.of(rogue[0]), Optional.of(rogue[1]), Optional.of(caFile));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> EchoService.call(
        channel(server, new ClientSettings(Optional.empty(), rogueClient, ClientSettings.DEFAULT_RECONNECT_PROBE)), "hi"));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
  }

  @Test
  void client_notTrustingTheServersCa_refusesTheServer() {
    GrpcServer server = start(new TlsSettings(Optional.of(service[0]), Optional.of(service[1]), Optional.empty()));
    TlsSettings trustsOther = new TlsSettings(Optional.of(rogue[0]), Optional.of(rogue[1]), Optional.of(rogueCaFile));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> EchoService.call(
        channel(server, new ClientSettings(Optional.empty(), trustsOther, ClientSettings.DEFAULT_RECONNECT_PROBE)), "hi"));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
  }

  @Test
  void server_withCaButNoCertificate_failsNamingTheKeys() {
    TlsSettings caOnly = TlsSettings.load(ConfigSource.of(Map.of(TlsSettings.CA_KEY, caFile.toString())));

    ConfigException e = assertThrows(ConfigException.class, () -> start(caOnly));

    assertTrue(e.getMessage().contains(TlsSettings.CERT_KEY), e.getMessage());
  }

  /** One-way TLS for a client: trusts the test CA, presents no certificate. */
  private static ClientSettings clientTrustingOnly() {
    return new ClientSettings(Optional.empty(),
        new TlsSettings(Optional.empty(), Optional.empty(), Optional.of(caFile)), ClientSettings.DEFAULT_RECONNECT_PROBE);
  }

  @Test
  void httpProbes_onTheMetricsPort_followTheHealthStatus_whileGrpcIsTlsOnly() throws Exception {
    int metricsPort = freePort();
    GrpcServer server = startProbed(metricsPort);

    assertEquals("503 NOT_SERVING", probe(metricsPort, "/ready"));
    assertEquals("503 NOT_SERVING", probe(metricsPort, "/started"));
    assertEquals("200 alive", probe(metricsPort, "/live"));
    server.setServing(true);
    assertEquals("200 SERVING", probe(metricsPort, "/ready"));
    assertEquals("200 SERVING", probe(metricsPort, "/started"));
    server.setServing(false);
    assertEquals("503 NOT_SERVING", probe(metricsPort, "/ready"));
    assertTrue(probe(metricsPort, "/elsewhere").startsWith("404 "));
    server.setServing(true);
    assertEquals("200 SERVING", probe(metricsPort, "/ready"));
    server.close();
    assertThrows(IOException.class, () -> probe(metricsPort, "/ready"),
        "after the drain the probe port is closed too");
  }

  @Test
  void startedProbe_followsTheOverallStatus_soABackendOutageAtStartDoesNotHoldTheStartBack() throws Exception {
    int metricsPort = freePort();
    GrpcServer server = startProbed(metricsPort);

    server.setServicesAvailable(false);
    server.setServing(true);

    assertEquals("503 NOT_SERVING", probe(metricsPort, "/ready"), "no traffic while the backend is down");
    assertEquals("200 SERVING", probe(metricsPort, "/started"), "but start-up has finished");
    assertEquals("200 alive", probe(metricsPort, "/live"));
  }

  /** A mutual-TLS server with its probes on {@code metricsPort}, NOT_SERVING until told. */
  private GrpcServer startProbed(int metricsPort) {
    ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(),
        new TlsSettings(Optional.of(service[0]), Optional.of(service[1]), Optional.of(caFile)), metricsPort, 64, 100, 0);
    GrpcServer server = GrpcServer.onPort("probed", 0, settings).addService(EchoService.echo()).start();
    closer.add(server);
    return server;
  }

  private GrpcServer start(TlsSettings tls) {
    ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(), tls, 0, 64, 100, 0);
    GrpcServer server = GrpcServer.onPort("tls", 0, settings).addService(EchoService.echo()).start();
    closer.add(server);
    return server;
  }

  private ManagedChannel channel(GrpcServer server, ClientSettings settings) {
    ManagedChannel channel = ClientChannels.forTarget("localhost:" + server.port(), settings, Retries.none());
    closer.add(channel::shutdownNow);
    return channel;
  }
}
