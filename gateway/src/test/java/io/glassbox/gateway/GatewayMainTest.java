package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.server.ApiKeys;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.LogCapture;
import io.glassbox.server.ServerSettings;
import io.glassbox.server.ServiceStartup;
import io.glassbox.server.TestCertificates;
import io.glassbox.server.TlsSettings;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class GatewayMainTest {

  @Test
  void start_servesOnItsPortAndIsServingAtOnce_evenWithItsDependenciesDown() throws InterruptedException {
    RunningGateway server = GatewayMain.start(unreachableServicesOnFreePorts(Map.of()));
    ManagedChannel channel =
        ManagedChannelBuilder.forAddress("localhost", server.port()).usePlaintext().build();
    try {
      ServingStatus status = HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService("glassbox.v1.Gateway").build())
          .getStatus();
      assertEquals(ServingStatus.SERVING, status);
      assertTrue(server.port() > 0);
      StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
          () -> GatewayGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
              .recommend(RecommendRequest.newBuilder().setUserId("u1").build()));
      assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.close();
    }
  }

  @Test
  void closingTheServer_closesTheChannelsToTheServicesBehindIt() throws InterruptedException {
    GatewayConfig config = GatewayConfig.load(ConfigSource.of(Map.of(
        GatewayConfig.FEATURE_TARGET_KEY, "in-process:a-" + UUID.randomUUID(),
        GatewayConfig.MODEL_TARGET_KEY, "in-process:b-" + UUID.randomUUID(),
        GatewayConfig.EXPLAIN_TARGET_KEY, "in-process:c-" + UUID.randomUUID())));
    DownstreamChannels channels = DownstreamChannels.open(config, ClientSettings.plaintext());
    GrpcServer server = GrpcServer.inProcess("gateway", "gw-" + UUID.randomUUID())
        .addService(new GatewayGrpc.GatewayImplBase() {})
        .closeAfterDrain(channels)
        .start();
    assertFalse(channels.isTerminated());

    server.close();

    assertTrue(channels.feature().awaitTermination(10, TimeUnit.SECONDS));
    assertTrue(channels.model().awaitTermination(10, TimeUnit.SECONDS));
    assertTrue(channels.explain().awaitTermination(10, TimeUnit.SECONDS));
  }

  @Test
  void start_withALimitThatCannotCarryOneRecommend_warnsNamingTheSettings_andWhyTheWarmUpFailed() {
    try (LogCapture main = LogCapture.of(GatewayMain.class, Level.WARN);
        LogCapture warmup = LogCapture.of(GatewayWarmup.class, Level.WARN)) {
      RunningGateway gateway = GatewayMain.start(unreachableServicesOnFreePorts(Map.of(
          ServerSettings.MAX_CONCURRENT_CALLS_KEY, "1",
          ServerSettings.MAX_QUEUED_CALLS_KEY, "0")));
      gateway.close();

      assertEquals(List.of("GLASSBOX_MAX_CONCURRENT_CALLS is 1 with no queue (GLASSBOX_MAX_QUEUED_CALLS 0,"
          + " GLASSBOX_MAX_QUEUE_WAIT 500 ms), but one Recommend sends the feature service 2 calls at once and the"
          + " model service at least 1 (GLASSBOX_GATEWAY_SCORE_SHARDS; more when an explanation's counterfactuals"
          + " need more than one Score call): a service run with these settings refuses the"
          + " suite's own calls (RESOURCE_EXHAUSTED) however idle it is; set GLASSBOX_MAX_CONCURRENT_CALLS to 2"
          + " or more, or GLASSBOX_MAX_QUEUED_CALLS above 0"),
          limitWarnings(main));
      assertEquals(List.of("warm-up Recommend failed (UNAVAILABLE: the feature service is unavailable"
          + " (UNAVAILABLE)); starting without it"),
          warmup.lines().stream().map(ILoggingEvent::getFormattedMessage).toList());
    }
  }

  @Test
  void start_withTheDefaultLimits_givesNoLimitWarning() {
    try (LogCapture main = LogCapture.of(GatewayMain.class, Level.WARN)) {
      GatewayMain.start(unreachableServicesOnFreePorts(Map.of())).close();

      assertEquals(List.of(), limitWarnings(main));
    }
  }

  /** The start's warnings about the admission settings (the trend window's wait warns too). */
  private static List<String> limitWarnings(LogCapture logged) {
    return logged.lines().stream().map(ILoggingEvent::getFormattedMessage)
        .filter(message -> message.startsWith(ServerSettings.MAX_CONCURRENT_CALLS_KEY)).toList();
  }

  @Test
  void start_viewerPortTaken_failsBeforeEverReportingServing() throws Exception {
    // What health said is what the log says: a probe must never see this gateway SERVING.
    try (LogCapture logged = LogCapture.of(GrpcServer.class, Level.INFO);
        ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      UncheckedIOException failure = assertThrows(UncheckedIOException.class, () -> GatewayMain.start(
          unreachableServicesOnFreePorts(Map.of(ViewerConfig.PORT_KEY, String.valueOf(taken.getLocalPort())))));

      assertTrue(ServiceStartup.addressInUse(failure), failure.toString());
      List<String> said = logged.lines().stream().map(ILoggingEvent::getFormattedMessage)
          .filter(message -> message.startsWith("gateway is ") && !message.startsWith("gateway is draining")).toList();
      assertEquals(List.of("gateway is NOT_SERVING"), said);
    }
  }

  /**
   * The start's one ERROR line names the page's port and its setting, as a taken gRPC port's does:
   * it said "the viewer could not listen on 127.0.0.1:P: Address already in use (another process
   * holds the port)", naming no setting to change.
   */
  @Test
  void serve_viewerPortTaken_logsOneLineNamingThePortAndItsSetting() throws Exception {
    try (LogCapture logged = LogCapture.of(ServiceStartup.class, Level.ERROR);
        ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int status = ServiceStartup.serve("gateway", () -> GatewayMain.start(unreachableServicesOnFreePorts(
          Map.of(ViewerConfig.PORT_KEY, String.valueOf(taken.getLocalPort())))).serveUntilShutdown(), List.of());

      assertEquals(1, status);
      assertEquals(List.of("gateway cannot start: the viewer's port " + taken.getLocalPort()
          + " (GLASSBOX_GATEWAY_HTTP_PORT) on 127.0.0.1 is held by another process"),
          logged.lines().stream().map(ILoggingEvent::getFormattedMessage).toList());
    }
  }

  /**
   * With its page off nothing read the TLS files before gRPC's first handshake: a PKCS#1 key
   * was a stack trace naming neither the file nor the setting. Page on or off, one line now.
   */
  @Test
  void serve_pkcs1Key_logsOneLineNamingTheSettingAndTheConversion_viewerOnOrOff(@TempDir Path dir)
      throws Exception {
    TestCertificates authority = TestCertificates.authority("shop-root");
    Path[] gateway = authority.issue(dir, "gateway");
    Path pkcs1 = TestCertificates.writeTraditional(gateway[1], dir.resolve("gateway-pkcs1.key"));
    String viewerOn = String.valueOf(GatewayHarness.closedPort());
    for (String viewerPort : List.of("0", viewerOn)) {
      try (LogCapture logged = LogCapture.of(ServiceStartup.class, Level.ERROR)) {
        int status = ServiceStartup.serve("gateway", () -> GatewayMain.start(unreachableServicesOnFreePorts(Map.of(
            ViewerConfig.PORT_KEY, viewerPort, TlsSettings.CERT_KEY, gateway[0].toString(),
            TlsSettings.KEY_KEY, pkcs1.toString()))).serveUntilShutdown(), List.of());

        assertEquals(1, status);
        assertEquals(List.of("gateway cannot start: " + TlsSettings.KEY_KEY + "=" + pkcs1
            + " holds a PKCS#1 RSA key (BEGIN RSA PRIVATE KEY), not the PKCS#8 key (BEGIN PRIVATE KEY) that TLS here"
            + " reads: convert it with openssl pkcs8 -topk8 -nocrypt -in " + pkcs1 + " -out " + pkcs1 + ".pk8 and set "
            + TlsSettings.KEY_KEY + " to " + pkcs1 + ".pk8"),
            logged.lines().stream().map(ILoggingEvent::getFormattedMessage).toList(), "viewer port " + viewerPort);
      }
    }
  }

  @Test
  void start_servesTheViewer_whichCallsThisGatewayOverARealChannel_untilClosed() throws Exception {
    RunningGateway gateway = GatewayMain.start(
        unreachableServicesOnFreePorts(Map.of(ViewerConfig.PORT_KEY, String.valueOf(GatewayHarness.closedPort()))));
    URI viewer = gateway.viewerUri().orElseThrow();
    HttpClient http = HttpClient.newHttpClient();
    try {
      assertEquals("127.0.0.1", viewer.getHost());
      HttpResponse<String> page = http.send(HttpRequest.newBuilder(viewer).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, page.statusCode());
      // The gateway's own answer with its feature service down: UNAVAILABLE, here 503.
      HttpResponse<String> recommend = http.send(
          HttpRequest.newBuilder(viewer.resolve("/api/recommend?user=u1")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(503, recommend.statusCode(), recommend.body());
      assertTrue(recommend.body().contains("the gateway answered UNAVAILABLE"), recommend.body());
    } finally {
      gateway.close();
    }
    assertThrows(IOException.class, () -> http.send(HttpRequest.newBuilder(viewer).build(),
        HttpResponse.BodyHandlers.ofString()));
  }

  /**
   * The example customers are real customers' ids: with API keys, the viewer lists them only to a
   * caller whose key the gateway accepts, as each of its other endpoints answers only such a caller.
   * It listed them to anyone who reached the page.
   */
  @Test
  void viewer_withApiKeys_listsTheExampleCustomersOnlyToACallerWithAKey_asItsOtherEndpointsAnswer(
      @TempDir Path dir) throws Exception {
    Path keys = Files.writeString(dir.resolve("api-keys"), "client " + ApiKeys.sha256Hex("shop-key") + " shop\n");
    RunningGateway gateway = GatewayMain.start(unreachableServicesOnFreePorts(Map.of(
        ViewerConfig.PORT_KEY, String.valueOf(GatewayHarness.closedPort()), ApiKeys.FILE_KEY, keys.toString())));
    URI viewer = gateway.viewerUri().orElseThrow();
    try {
      HttpResponse<String> anonymous = get(viewer.resolve("/api/config"), Optional.empty());
      assertEquals(401, anonymous.statusCode(), anonymous.body());
      assertTrue(anonymous.body().startsWith("{\"error\":{\"status\":401,\"message\":\"the example customers are "
          + "shown with an API key: send \\\"Authorization: Bearer "), anonymous.body());
      assertEquals("nosniff", anonymous.headers().firstValue("X-Content-Type-Options").orElse(""));
      HttpResponse<String> unknown = get(viewer.resolve("/api/config"), Optional.of("Bearer not-a-key"));
      assertEquals(401, unknown.statusCode(), unknown.body());
      assertFalse(unknown.body().contains("12348"), unknown.body());

      HttpResponse<String> known = get(viewer.resolve("/api/config"), Optional.of("bearer shop-key"));
      assertEquals(200, known.statusCode(), known.body());
      assertTrue(known.body().contains("\"12348\""), known.body());
      // As the other endpoints: the gateway itself refuses a call without a key.
      assertEquals(401, get(viewer.resolve("/api/recommend?user=u1"), Optional.empty()).statusCode());
    } finally {
      gateway.close();
    }
  }

  private static HttpResponse<String> get(URI uri, Optional<String> authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri);
    authorization.ifPresent(value -> request.header("Authorization", value));
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void selfTarget_isLoopbackForTheWildcardAddress_andTheAddressItselfOtherwise() throws Exception {
    assertEquals("127.0.0.1:50051", GatewayMain.selfTarget(InetAddress.getByName("0.0.0.0"), 50051));
    assertEquals("10.1.2.3:50051", GatewayMain.selfTarget(InetAddress.getByName("10.1.2.3"), 50051));
    assertEquals("[0:0:0:0:0:0:0:1]:7", GatewayMain.selfTarget(InetAddress.getByName("::1"), 7));
  }

  /**
   * A gateway's settings with {@code overrides} applied: its services unreachable, its gRPC and
   * /metrics ports picked free and its page off (unless {@code overrides} give it a port), so it
   * never binds a default port that a suite running on this machine ({@code bin/glassbox up}) may hold.
   */
  private static ConfigSource unreachableServicesOnFreePorts(Map<String, String> overrides) {
    String unreachable = "in-process:none-" + UUID.randomUUID();
    return ConfigSource.of(Map.of(
        GatewayConfig.PORT_KEY, "0",
        ServerSettings.METRICS_PORT_KEY, "0",
        ViewerConfig.PORT_KEY, "0",
        GatewayConfig.FEATURE_TARGET_KEY, unreachable,
        GatewayConfig.MODEL_TARGET_KEY, unreachable,
        GatewayConfig.EXPLAIN_TARGET_KEY, unreachable)).with(overrides);
  }
}
