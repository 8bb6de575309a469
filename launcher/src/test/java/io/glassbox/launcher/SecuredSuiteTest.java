package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.ReloadModelRequest;
import io.glassbox.server.ApiKeys;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.Retries;
import io.glassbox.server.TestCertificates;
import io.glassbox.server.TlsSettings;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four real services with API keys and mutual TLS between all of them, configured the way
 * an operator would (keys file, client key file, TLS files), called from outside with and
 * without the right credentials.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SecuredSuiteTest {
  private static final String SERVICE_KEY = "svc-" + UUID.randomUUID();
  private static final String SHOP_KEY = "shop-" + UUID.randomUUID();
  private static final String OPERATOR_KEY = "ops-" + UUID.randomUUID();

  @TempDir static Path dir;
  private static Suite suite;
  private static ConfigSource suiteConfig;
  private static TlsSettings clientTls;
  private static final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void startSuite() throws Exception {
    TestCertificates ca = TestCertificates.authority("glassbox-suite-ca");
    Path caFile = ca.writeCa(dir.resolve("ca.crt"));
    Path[] service = ca.issue(dir, "service");
    Path[] shop = ca.issue(dir, "shop");
    clientTls = new TlsSettings(Optional.of(shop[0]), Optional.of(shop[1]), Optional.of(caFile));
    Path keys = Files.writeString(dir.resolve("api-keys"),
        "# role sha256 name\n"
            + "client " + ApiKeys.sha256Hex(SERVICE_KEY) + " glassbox-services\n"
            + "client " + ApiKeys.sha256Hex(SHOP_KEY) + " shop\n"
            + "admin " + ApiKeys.sha256Hex(OPERATOR_KEY) + " operator\n");
    Path serviceKey = Files.writeString(dir.resolve("service-api-key.txt"), SERVICE_KEY + "\n");
    String root = System.getProperty("glassbox.repo.root");
    suiteConfig = ConfigSource.of(Map.of(
            "GLASSBOX_DATA_DIR", root + "/data/uci-online-retail",
            "GLASSBOX_MODEL_DIR", root + "/models",
            "GLASSBOX_GATEWAY_MODEL_TIMEOUT", "5s",
            "GLASSBOX_EXPLAIN_TIMEOUT", "5s",
            "GLASSBOX_DEFAULT_DEADLINE", "10s",
            ApiKeys.FILE_KEY, keys.toString(),
            ClientSettings.KEY_FILE_KEY, serviceKey.toString(),
            TlsSettings.CERT_KEY, service[0].toString(),
            TlsSettings.KEY_KEY, service[1].toString(),
            TlsSettings.CA_KEY, caFile.toString()));
    suite = ViewerSuites.start(suiteConfig);
  }

  @AfterAll
  static void stopSuite() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (suite != null) {
      suite.close();
    }
  }

  @Test
  void recommend_withClientKeyOverMutualTls_isAnsweredByEveryServiceBehind() {
    RecommendResponse response = gateway(channel(suite.ports().gateway(), SHOP_KEY, clientTls)).recommend(
        // Buy-again off: this customer's 5 places would all go to regular items, and the explain
        // service would not be asked.
        RecommendRequest.newBuilder().setUserId("12347").setLimit(5).setBuyAgainSlots(0).build());

    assertEquals(5, response.getItemsCount());
    // Not degraded: the gateway reached feature, model and explain, and explain reached model
    // and feature, each presenting the services' key over mutual TLS.
    assertFalse(response.getRankingDegraded(), "ranking degraded");
    assertFalse(response.getExplanationsDegraded(), "explanations degraded");
  }

  @Test
  void upsWarmUp_presentsTheSuitesOwnKeyAndCertificate_soItsCallsAreAnswered() {
    // Before, the warm-up called in plaintext without a key: both calls were refused and a
    // person's first Recommend paid the first-call costs.
    assertEquals(new UpCommand.WarmUp(2, false), UpCommand.warmUp(suite.ports().gateway(), List.of("12347", "12348"),
        ClientSettings.load(suiteConfig)));
  }

  @Test
  void recommend_withoutKey_isUnauthenticated() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> gateway(channel(suite.ports().gateway(), null, clientTls))
            .recommend(RecommendRequest.newBuilder().setUserId("12347").build()));

    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
  }

  @Test
  void recommend_withoutClientCertificate_isRefused() {
    TlsSettings trustOnly = new TlsSettings(Optional.empty(), Optional.empty(), clientTls.caFile());

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> gateway(channel(suite.ports().gateway(), SHOP_KEY, trustOnly))
            .recommend(RecommendRequest.newBuilder().setUserId("12347").build()));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
  }

  @Test
  void reloadModel_needsTheAdminRole_onTheAdminPort() {
    int adminPort = suite.ports().modelAdmin();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> ModelAdminGrpc.newBlockingStub(channel(adminPort, SHOP_KEY, clientTls))
            .withDeadlineAfter(30, TimeUnit.SECONDS).reloadModel(ReloadModelRequest.getDefaultInstance()));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());

    String active = ModelAdminGrpc.newBlockingStub(channel(adminPort, OPERATOR_KEY, clientTls))
        .withDeadlineAfter(60, TimeUnit.SECONDS).reloadModel(ReloadModelRequest.getDefaultInstance())
        .getActive().getVersion();
    assertFalse(active.isEmpty());
  }

  @Test
  void reloadModel_isNotServedOnTheModelServicesPublicPort() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> ModelAdminGrpc.newBlockingStub(channel(suite.ports().model(), OPERATOR_KEY, clientTls))
            .withDeadlineAfter(30, TimeUnit.SECONDS).reloadModel(ReloadModelRequest.getDefaultInstance()));

    assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
  }

  @Test
  void health_staysOpenWithoutKey_forProbes() {
    for (int port : List.of(suite.ports().gateway(), suite.ports().feature(), suite.ports().model(),
        suite.ports().explain())) {
      ServingStatus status = HealthGrpc.newBlockingStub(channel(port, null, clientTls))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
      assertEquals(ServingStatus.SERVING, status, "port " + port);
    }
    assertTrue(suite.ports().modelAdmin() > 0);
  }

  private static GatewayGrpc.GatewayBlockingStub gateway(ManagedChannel channel) {
    return GatewayGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /**
   * Under the suite's TLS files the viewer page is HTTPS and wants a client certificate signed by
   * the suite's CA, as the gRPC port does. Before, it was plain HTTP: the page, which calls the
   * gateway with the gateway's own certificate, went around mutual TLS, and its callers' API keys
   * crossed the network in clear.
   */
  @Test
  void viewerPage_isHttps_andWantsAClientCertificate() throws Exception {
    URI page = suite.viewerUri().orElseThrow();
    assertEquals("https", page.getScheme());
    HttpClient withCertificate = https(clientTls);
    HttpResponse<String> recommended = withCertificate.send(HttpRequest.newBuilder(
            page.resolve("/api/recommend?user=12347&limit=3")).header("Authorization", "Bearer " + SHOP_KEY).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, recommended.statusCode(), recommended.body());
    assertTrue(recommended.body().contains("\"items\""), recommended.body());

    HttpClient withoutCertificate = https(new TlsSettings(Optional.empty(), Optional.empty(), clientTls.caFile()));
    assertThrows(IOException.class, () -> withoutCertificate.send(HttpRequest.newBuilder(page).build(),
        HttpResponse.BodyHandlers.ofString()));
    Path[] stranger = TestCertificates.authority("another-ca").issue(dir, "stranger");
    HttpClient withAStrangersCertificate = https(new TlsSettings(Optional.of(stranger[0]), Optional.of(stranger[1]),
        clientTls.caFile()));
    assertThrows(IOException.class, () -> withAStrangersCertificate.send(HttpRequest.newBuilder(page).build(),
        HttpResponse.BodyHandlers.ofString()));
    URI plain = URI.create(page.toString().replaceFirst("^https:", "http:"));
    assertThrows(IOException.class, () -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
        .send(HttpRequest.newBuilder(plain).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString()));
  }

  private static HttpClient https(TlsSettings tls) {
    return HttpClient.newBuilder().sslContext(tls.sslContext().orElseThrow()).connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  private static ManagedChannel channel(int port, String key, TlsSettings tls) {
    ClientSettings withoutKey = new ClientSettings(Optional.empty(), tls, ClientSettings.DEFAULT_RECONNECT_PROBE);
    ClientSettings settings = key == null ? withoutKey : withoutKey.withApiKey(key);
    ManagedChannel channel = ClientChannels.forTarget("localhost:" + port, settings, Retries.none());
    channels.add(channel);
    return channel;
  }
}
