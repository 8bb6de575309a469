package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RecommendedItem;
import io.glassbox.feature.FeatureMain;
import io.glassbox.model.ModelMain;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RunningServers;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reasons Recommend gives from the retrieval statistics alone, when the explain service does
 * not answer (here: nothing listens where it should), on the embedded data with the real feature
 * and model services: every number they state must be true of the data as stated.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GatewayRetrievalReasonsRealDataTest {
  /** Customer 12348, who bought 60 TEATIME FAIRY CAKE CASES (84991). */
  private static final String CUSTOMER = "12348";
  /** PACK OF 72 RETROSPOT CAKE CASES: in 330 orders with 84991, 288 of them of up to 100 distinct items. */
  private static final String RETROSPOT_CASES = "21212";
  private static final RunningServers running = new RunningServers();
  private static GatewayGrpc.GatewayBlockingStub degraded;

  @BeforeAll
  static void start() {
    ConfigSource base = RealSuiteSettings.base();
    GrpcServer feature = running.keep(FeatureMain.start(base));
    GrpcServer model = running.keep(ModelMain.start(base));
    // Port 1 on loopback: nothing listens there, so every explain call fails at once.
    GrpcServer gateway = running.keep(GatewayMain.start(base.with(Map.of(
        "GLASSBOX_FEATURE_TARGET", "localhost:" + feature.port(),
        "GLASSBOX_MODEL_TARGET", "localhost:" + model.port(),
        "GLASSBOX_EXPLAIN_TARGET", "localhost:1",
        "GLASSBOX_GATEWAY_MODEL_TIMEOUT", "20s",
        "GLASSBOX_DEFAULT_DEADLINE", "30s"))).grpc());
    degraded = GatewayGrpc.newBlockingStub(running.channel("localhost:" + gateway.port()));
  }

  @AfterAll
  static void stop() {
    running.close();
  }

  private static Reason coPurchaseReason(String locale) {
    RecommendResponse response = degraded.withDeadlineAfter(30, TimeUnit.SECONDS).recommend(
        RecommendRequest.newBuilder().setUserId(CUSTOMER).setLimit(50).setLocale(locale).build());
    assertTrue(response.getExplanationsDegraded());
    RecommendedItem item = response.getItemsList().stream()
        .filter(i -> i.getItem().getItemId().equals(RETROSPOT_CASES)).findFirst().orElseThrow();
    return item.getReasonsList().stream().filter(r -> r.getKind() == ReasonKind.REASON_KIND_CO_PURCHASE)
        .findFirst().orElseThrow();
  }

  /**
   * Before, "… with 60 TEATIME FAIRY CAKE CASES (in 288 orders) …": 330 orders hold both; the
   * co-purchase statistics leave out the 42 of more than 100 distinct items (the basket-size cap),
   * so the count is exact only as the orders of up to 100.
   */
  @Test
  void recommend_explainServiceDown_coPurchaseCountSaysWhichOrdersItCounts_inBothLanguages() {
    Reason en = coPurchaseReason("en-US");
    Reason zh = coPurchaseReason("zh-CN");

    assertTrue(en.getEvidenceItemIdsList().contains("84991"), en.toString());
    assertTrue(en.getText().contains("60 TEATIME FAIRY CAKE CASES (in 288 orders of up to 100 different items)"),
        en.getText());
    assertTrue(zh.getText().contains("「60 TEATIME FAIRY CAKE CASES」（在 288 笔不超过 100 种商品的订单中）"), zh.getText());
    assertEquals("zh-CN", zh.getLocale());
  }
}
