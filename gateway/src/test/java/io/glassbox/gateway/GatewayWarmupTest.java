package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.MetricsText;
import io.glassbox.server.RunningServers;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway's start with the real feature (embedded data), model (shipped model) and explain
 * services behind it on loopback ports: the warm-up Recommend reaches each of them before the
 * gateway reports SERVING, and a service that is down does not hold the start back.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GatewayWarmupTest {
  private static final String FEATURE = "glassbox.v1.FeatureService";
  private static final String MODEL = "glassbox.v1.ModelService";
  private static final String EXPLAIN = "glassbox.v1.ExplainService";
  private static final RunningServers running = new RunningServers();
  private static ConfigSource base;
  private static RealSuiteSettings.Backends backends;

  @BeforeAll
  static void startBackends() {
    base = RealSuiteSettings.base();
    backends = RealSuiteSettings.Backends.start(running, base);
  }

  @AfterAll
  static void stop() {
    running.close();
  }

  @Test
  void start_makesTheCallsOfARecommendOnEveryService_beforeItReportsServing() throws IOException {
    Map<String, Double> before = recommendCalls();

    // start returns the gateway SERVING: whatever the services saw by then came before it.
    running.keep(GatewayMain.start(base.with(backends.gatewaySettings())).grpc());

    Map<String, Double> after = recommendCalls();
    before.forEach((call, count) -> assertTrue(after.get(call) > count,
        call + ": " + count + " calls before the gateway started, " + after.get(call) + " after"));
  }

  @Test
  void start_withTheExplainServiceDown_stillWarmsTheOthersAndReportsServing() throws IOException {
    Map<String, String> settings = backends.gatewaySettings();
    settings.put(GatewayConfig.EXPLAIN_TARGET_KEY, "in-process:none-" + UUID.randomUUID());
    double historyCalls = calls(backends.feature(), FEATURE, "GetUserHistory");
    double scoreCalls = calls(backends.model(), MODEL, "Score");

    GrpcServer gateway = running.keep(GatewayMain.start(base.with(settings)).grpc());

    assertEquals(historyCalls + 1, calls(backends.feature(), FEATURE, "GetUserHistory"), 0.0);
    assertEquals(scoreCalls + 1, calls(backends.model(), MODEL, "Score"), 0.0);
    ServingStatus status = HealthGrpc.newBlockingStub(running.channel("localhost:" + gateway.port()))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService("glassbox.v1.Gateway").build())
        .getStatus();
    assertEquals(ServingStatus.SERVING, status);
  }

  /**
   * The calls a Recommend makes, each with the number the services have answered so far (the
   * explain service's own GetItems and Score of an Explain are counted too, so a count only says
   * that at least one such call was made).
   */
  private static Map<String, Double> recommendCalls() throws IOException {
    String feature = MetricsText.scrape(backends.feature());
    return Map.of(
        "GetUserHistory", MetricsText.calls(feature, FEATURE, "GetUserHistory"),
        "RetrieveCandidates", MetricsText.calls(feature, FEATURE, "RetrieveCandidates"),
        "GetItems", MetricsText.calls(feature, FEATURE, "GetItems"),
        "Score", calls(backends.model(), MODEL, "Score"),
        "Explain", calls(backends.explain(), EXPLAIN, "Explain"));
  }

  private static double calls(GrpcServer server, String service, String method) throws IOException {
    return MetricsText.calls(MetricsText.scrape(server), service, method);
  }
}
