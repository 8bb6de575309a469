package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.glassbox.api.v1.WhyNotResponse;
import io.glassbox.feature.FeatureMain;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.MetricsText;
import io.glassbox.server.RunningServers;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * WhyNot's check of the "bought together" additions an explain service names
 * ({@link CitablePairs#belowMinimum}), counted where it costs, with the real services on the
 * embedded data: the gateways here read a feature service of their own, so its
 * GetCoPurchaseNeighbours calls are theirs alone (the explain service asks another, on the same
 * data, for the neighbours it tries). Behind an up-to-date explain service, which says it applied
 * the gateway's minimum of 3 orders, WhyNot makes none. Behind one older than
 * WhyNotRequest.min_cited_orders ({@link ExplainServiceOlderThanTheMinimum}) it makes one for an
 * answer that names a neighbour, timed as its {@code neighbours} stage: it passes on an answer whose
 * neighbours all reach the minimum, and refuses one that names a neighbour from fewer orders.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GatewayWhyNotPairCheckRealDataTest {
  private static final String CUSTOMER = "12348";
  /** The shop's best seller, outside 12348's top 10; its strongest neighbours share hundreds of orders with it. */
  private static final String BEST_SELLER = "85123A";
  /** An item 12348 has not bought, whose co-purchase neighbours include pairs from 1 and 2 orders. */
  private static final String ITEM_WITH_RARE_PAIRS = "16049";

  private static final RunningServers running = new RunningServers();
  private static GrpcServer gatewaysFeatureService;
  private static GrpcServer upToDateGateway;
  private static GrpcServer olderExplainServicesGateway;
  private static GatewayGrpc.GatewayBlockingStub upToDate;
  private static GatewayGrpc.GatewayBlockingStub behindAnOlderExplainService;
  private static Server olderExplainService;

  @BeforeAll
  static void start() throws IOException {
    ConfigSource base = RealSuiteSettings.base();
    RealSuiteSettings.Backends backends = RealSuiteSettings.Backends.start(running, base);
    gatewaysFeatureService = running.keep(FeatureMain.start(base));
    Map<String, String> settings = backends.gatewaySettings();
    settings.put("GLASSBOX_FEATURE_TARGET", "localhost:" + gatewaysFeatureService.port());
    upToDateGateway = running.keep(GatewayMain.start(base.with(settings)).grpc());
    upToDate = stub(upToDateGateway);
    olderExplainService = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(new ExplainServiceOlderThanTheMinimum(running.channel("localhost:" + backends.explain().port())))
        .build().start();
    settings.put("GLASSBOX_EXPLAIN_TARGET", "localhost:" + olderExplainService.getPort());
    olderExplainServicesGateway = running.keep(GatewayMain.start(base.with(settings)).grpc());
    behindAnOlderExplainService = stub(olderExplainServicesGateway);
  }

  private static GatewayGrpc.GatewayBlockingStub stub(GrpcServer gateway) {
    return GatewayGrpc.newBlockingStub(running.channel("localhost:" + gateway.port()));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    running.close();
    if (olderExplainService != null) {
      olderExplainService.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static WhyNotResponse whyNot(GatewayGrpc.GatewayBlockingStub gateway, String item) {
    return gateway.withDeadlineAfter(60, TimeUnit.SECONDS)
        .whyNot(UserWhyNotRequest.newBuilder().setUserId(CUSTOMER).setItemId(item).build());
  }

  /** The GetCoPurchaseNeighbours calls the gateways' feature service has answered so far. */
  private static double neighbourCalls() throws IOException {
    return MetricsText.calls(MetricsText.scrape(gatewaysFeatureService), "glassbox.v1.FeatureService",
        "GetCoPurchaseNeighbours");
  }

  /** The neighbours stages {@code gateway} has timed so far that ended {@code code}. */
  private static double neighboursStages(GrpcServer gateway, Status.Code code) throws IOException {
    String sample = StageMetrics.NAME + "_count{code=\"" + code.name() + "\",stage=\"neighbours\"} ";
    return MetricsText.scrape(gateway).lines().filter(line -> line.startsWith(sample))
        .mapToDouble(line -> Double.parseDouble(line.substring(sample.length()))).sum();
  }

  @Test
  void whyNot_upToDateExplainServiceNamingNeighbours_asksTheFeatureServiceForNone() throws IOException {
    double before = neighbourCalls();
    WhyNotResponse answer = whyNot(upToDate, BEST_SELLER);

    assertFalse(CitablePairs.coPurchaseAdditions(answer).isEmpty(), answer.getSingleAdditionsList().toString());
    assertEquals(0, neighbourCalls() - before);
    assertFalse(MetricsText.scrape(upToDateGateway).contains("stage=\"neighbours\""), "no neighbours stage was timed");
    assertEquals(0, answer.getAppliedMinCitedOrders(), "the explain service's word to the gateway is not passed on");
  }

  @Test
  void whyNot_olderExplainServiceNamingNeighboursFromEnoughOrders_checksThemInOneCall_andAnswersAsTheUpToDateOne()
      throws IOException {
    double before = neighbourCalls();
    double stagesBefore = neighboursStages(olderExplainServicesGateway, Status.Code.OK);
    WhyNotResponse checked = whyNot(behindAnOlderExplainService, BEST_SELLER);

    assertEquals(1, neighbourCalls() - before);
    assertEquals(1, neighboursStages(olderExplainServicesGateway, Status.Code.OK) - stagesBefore);
    assertFalse(CitablePairs.coPurchaseAdditions(checked).isEmpty(), checked.getSingleAdditionsList().toString());
    assertEquals(whyNot(upToDate, BEST_SELLER), checked);
  }

  /**
   * Upgraded in the wrong order (the gateway before the explain service), the older explain
   * service ignores min_cited_orders and names neighbours from 1 or 2 orders: the gateway does not
   * pass that answer on, but says WhyNot is unavailable, which a retry may send to an upgraded
   * replica.
   */
  @Test
  void whyNot_olderExplainServiceNamingANeighbourFromFewerOrders_isUnavailable_notPassedOn() throws IOException {
    double before = neighbourCalls();
    double stagesBefore = neighboursStages(olderExplainServicesGateway, Status.Code.OK);
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
        () -> whyNot(behindAnOlderExplainService, ITEM_WITH_RARE_PAIRS));

    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
    assertTrue(refused.getStatus().getDescription().contains("fewer orders than this gateway cites"),
        refused.getStatus().getDescription());
    assertEquals(1, neighbourCalls() - before);
    assertEquals(1, neighboursStages(olderExplainServicesGateway, Status.Code.OK) - stagesBefore,
        "the stage's call ended OK: the answer it checked was refused");
  }
}
