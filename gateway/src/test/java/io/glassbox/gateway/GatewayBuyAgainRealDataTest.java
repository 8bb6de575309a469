package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.FeedbackType;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RecommendedItem;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.SubmitFeedbackRequest;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.api.v1.UserWhatIfRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.glassbox.api.v1.WhatIfResponse;
import io.glassbox.api.v1.WhyNotResponse;
import io.glassbox.feature.FeatureMain;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RunningServers;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Recommend's buy-again places with the real feature service (embedded data, in-memory store),
 * the shipped model and the explain service behind three gateways on loopback ports: one with the
 * defaults (10 places, regular = in 2 or more orders), one with buy-again off by default and
 * regular = in 5 or more orders, and one with the defaults before a second feature service whose
 * shop is in America/Los_Angeles (GLASSBOX_DATA_TIME_ZONE).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GatewayBuyAgainRealDataTest {
  /**
   * A customer of the embedded data: 182 purchase lines in 7 invoices, 43 items in two or more
   * of them. Their regular items by the rule (orders, then the later purchase), worked out from
   * data/uci-online-retail/interactions.csv.gz: 22375 in 6 orders (last 2011-10-31), 21731 in 5
   * (last 2011-12-07), 84558A and 22727 in 5 (2011-10-31, 84558A bought later in that invoice),
   * 20719 in 4 (2011-12-07), then 22725, 22423, 22371, 22196 in 4 (2011-10-31), 23084 in 3
   * (2011-12-07).
   */
  private static final String CUSTOMER = "12347";
  private static final List<String> CUSTOMER_REGULAR_ITEMS = List.of(
      "22375", "21731", "84558A", "22727", "20719", "22725", "22423", "22371", "22196", "23084");
  private static final RunningServers running = new RunningServers();
  private static GatewayGrpc.GatewayBlockingStub defaults;
  private static GatewayGrpc.GatewayBlockingStub offAndFiveOrders;
  private static GatewayGrpc.GatewayBlockingStub losAngeles;
  /** The model's new-item ranking of the customer, scored directly (trend term included). */
  private static GatewayExplainRealDataTest.ServedRanking served;
  private static List<String> servedOrder;

  @BeforeAll
  static void start() {
    ConfigSource base = RealSuiteSettings.base();
    RealSuiteSettings.Backends started = RealSuiteSettings.Backends.start(running, base);
    GrpcServer feature = started.feature();
    GrpcServer model = started.model();
    Map<String, String> backends = started.gatewaySettings();
    defaults = gateway(base.with(backends));
    Map<String, String> tuned = new HashMap<>(backends);
    tuned.put("GLASSBOX_GATEWAY_BUY_AGAIN_SLOTS", "0");
    tuned.put("GLASSBOX_GATEWAY_BUY_AGAIN_MIN_BASKETS", "5");
    offAndFiveOrders = gateway(base.with(tuned));
    GrpcServer featureInLosAngeles = running.keep(FeatureMain.start(
        base.with(Map.of("GLASSBOX_DATA_TIME_ZONE", "America/Los_Angeles"))));
    Map<String, String> inLosAngeles = new HashMap<>(backends);
    inLosAngeles.put("GLASSBOX_FEATURE_TARGET", "localhost:" + featureInLosAngeles.port());
    losAngeles = gateway(base.with(inLosAngeles));
    ManagedChannel featureChannel = running.channel("localhost:" + feature.port());
    served = GatewayExplainRealDataTest.ServedRanking.read(featureChannel, running.channel("localhost:" + model.port()));
    servedOrder = served.order();
    assertFirstAnswerRanksWithTheTrend(defaults);
    assertFirstAnswerRanksWithTheTrend(offAndFiveOrders);
  }

  /**
   * The gateway's very first answer ranks new items by the served score, trend term included: it
   * asks the model for its trend window before it reports SERVING.
   */
  private static void assertFirstAnswerRanksWithTheTrend(GatewayGrpc.GatewayBlockingStub gateway) {
    assertEquals(servedOrder.subList(0, 20),
        ids(recommend(gateway, request(20).setBuyAgainSlots(0).setSkipModelReasons(true).build()).getItemsList()),
        "the gateway ranks new items by the served score from its first answer");
  }

  private static GatewayGrpc.GatewayBlockingStub gateway(ConfigSource config) {
    GrpcServer server = running.keep(GatewayMain.start(config).grpc());
    return GatewayGrpc.newBlockingStub(running.channel("localhost:" + server.port()));
  }

  @AfterAll
  static void stop() {
    running.close();
  }

  private static RecommendResponse recommend(GatewayGrpc.GatewayBlockingStub gateway, RecommendRequest request) {
    return gateway.withDeadlineAfter(60, TimeUnit.SECONDS).recommend(request);
  }

  private static RecommendRequest.Builder request(int limit) {
    return RecommendRequest.newBuilder().setUserId(CUSTOMER).setLimit(limit);
  }

  private static List<String> ids(List<RecommendedItem> items) {
    return items.stream().map(item -> item.getItem().getItemId()).toList();
  }

  private static boolean isBuyAgain(RecommendedItem item) {
    return item.getSourcesList().equals(List.of(RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN));
  }

  @Test
  void recommend_defaults_regularItemsFirstInRuleOrderThenTheNewItemRanking() {
    RecommendResponse merged = recommend(defaults, request(20).build());

    assertEquals(CUSTOMER_REGULAR_ITEMS, ids(merged.getItemsList().subList(0, 10)));
    assertEquals(servedOrder.subList(0, 10), ids(merged.getItemsList().subList(10, 20)),
        "the places left go to the model's new-item ranking, in its order");
    assertFalse(merged.getExplanationsDegraded());
    for (int i = 0; i < 20; i++) {
      assertEquals(i + 1, merged.getItems(i).getRank());
      assertEquals(i < 10, isBuyAgain(merged.getItems(i)), "buy-again exactly in the first 10 places");
    }
  }

  /**
   * ExplainItem, WhyNot and WhatIf with no limit speak of the new picks of a default Recommend
   * answer: beside customer 12348's 2 buy-again places, the top 8, and ExplainItem states the
   * reasons Recommend stated (until 2026-12-06 they counted a top 10, and cited other purchases:
   * ExplainItem searched the item's evidence alone); for customer 12347, whose regular items fill
   * every place, the model's own 10 picks.
   */
  @Test
  void interactiveQuestionsWithNoLimit_countTheNewPicksOfADefaultRecommend() {
    RecommendResponse recommended = defaults.withDeadlineAfter(60, TimeUnit.SECONDS)
        .recommend(RecommendRequest.newBuilder().setUserId("12348").build());
    List<RecommendedItem> picks = recommended.getItemsList().stream().filter(item -> !isBuyAgain(item)).toList();
    assertEquals(8, picks.size(), "12348 has 2 regular items");
    for (RecommendedItem pick : picks) {
      ExplainItemResponse explained = defaults.withDeadlineAfter(60, TimeUnit.SECONDS).explainItem(
          UserExplainItemRequest.newBuilder().setUserId("12348").setItemId(pick.getItem().getItemId()).build());
      assertEquals(8, explained.getTopK());
      ReasonsAlike.assertAlike(pick.getReasonsList(), explained.getReasonsList(), pick.getItem().getItemId());
    }
    String ninth = servedOrder.get(8);
    WhyNotResponse whyNot = defaults.withDeadlineAfter(60, TimeUnit.SECONDS).whyNot(
        UserWhyNotRequest.newBuilder().setUserId(CUSTOMER).setItemId(ninth).build());
    assertEquals(10, whyNot.getTopK(), "every default place of 12347 is buy-again: the model's own 10 picks");
    WhatIfResponse whatIf = defaults.withDeadlineAfter(60, TimeUnit.SECONDS).whatIf(UserWhatIfRequest.newBuilder()
        .setUserId("12348").addAddItemIds(picks.get(0).getItem().getItemId()).build());
    assertEquals(8, whatIf.getTopK());
    assertEquals(8, whatIf.getRankingCount());
  }

  @Test
  void recommend_buyAgainItem_carriesOneExactRuleReasonAndNoModelClaim() {
    RecommendResponse response = recommend(defaults, request(12).setIncludeContributions(true).build());

    RecommendedItem first = response.getItems(0);
    assertEquals("22375", first.getItem().getItemId());
    assertFalse(first.getItem().getTitle().isEmpty());
    assertEquals(0.0, first.getScore());
    assertEquals(0, first.getContributionCount(), "no heatmap row: the model did not place it");
    Reason reason = first.getReasons(0);
    assertEquals(1, first.getReasonsCount());
    assertEquals(ReasonKind.REASON_KIND_BUY_AGAIN, reason.getKind());
    assertEquals("You bought this in 6 of your 7 orders, most recently on 2011-10-31.", reason.getText());
    assertEquals("en-US", reason.getLocale());
    assertEquals(List.of("22375"), reason.getEvidenceItemIdsList());
    assertEquals(List.of(first.getItem().getTitle()), reason.getEvidenceTitlesList());
    assertEquals(6, reason.getOrdersWithItem());
    assertEquals(7, reason.getOrders());
    assertEquals(Timestamp.newBuilder().setSeconds(1_320_063_900L).build(), reason.getLastPurchaseTime());
    assertEquals(0, reason.getRank());
    assertEquals(0, reason.getRankWithoutEvidence());
    assertEquals(0, reason.getTopK());
    assertFalse(reason.getLatestOrdersOnly(), "all 182 purchase lines are kept");
    assertEquals("You bought this in 5 of your 7 orders, most recently on 2011-12-07.",
        response.getItems(1).getReasons(0).getText());
  }

  /**
   * Customer 12748 has 4,237 purchase lines in 206 orders in the embedded data; the feature
   * service keeps their newest 1,000 events. Their buy-again reasons count the orders of those
   * and say "of your last N orders" (they used to say "of your 32 orders").
   */
  @Test
  void recommend_buyAgainOfALongRecord_countsTheLatestOrdersAndSaysSo() {
    RecommendResponse response = recommend(defaults, RecommendRequest.newBuilder().setUserId("12748").setLimit(3).build());

    assertEquals(3, response.getItemsCount());
    for (RecommendedItem item : response.getItemsList()) {
      Reason reason = item.getReasons(0);
      assertEquals(ReasonKind.REASON_KIND_BUY_AGAIN, reason.getKind());
      assertTrue(reason.getLatestOrdersOnly(), reason.getText());
      assertTrue(reason.getOrders() > 1 && reason.getOrders() < 206, reason.getText());
      assertTrue(reason.getText().startsWith("You bought this in " + reason.getOrdersWithItem() + " of your last "
          + reason.getOrders() + " orders, most recently on "), reason.getText());
    }
  }

  @Test
  void recommend_newItemsAfterBuyAgain_areExplainedAgainstThePlacesLeftToThem() {
    RecommendResponse response = recommend(defaults, request(13).build());

    List<RecommendedItem> newItems = response.getItemsList().subList(10, 13);
    assertTrue(newItems.stream().noneMatch(GatewayBuyAgainRealDataTest::isBuyAgain));
    List<Reason> modelReasons = newItems.stream().flatMap(item -> item.getReasonsList().stream())
        .filter(r -> r.getKind() == ReasonKind.REASON_KIND_HISTORY || r.getKind() == ReasonKind.REASON_KIND_TREND)
        .toList();
    assertFalse(modelReasons.isEmpty(), "the explain service was asked about the new items");
    // Three places are left to new items: that is the top-k their necessity refers to.
    modelReasons.forEach(r -> assertEquals(3, r.getTopK(), r.getText()));
    response.getItemsList().subList(0, 10).forEach(item ->
        assertEquals(List.of(ReasonKind.REASON_KIND_BUY_AGAIN),
            item.getReasonsList().stream().map(Reason::getKind).toList()));
  }

  /**
   * One buy-again place leaves 9 to the model: each model reason of a new pick claims its effect
   * on those 9 places ("drop out of your top 9 new picks, to #10" when the item would rank #10),
   * and the claim holds re-scored on fresh Score calls of the new-item ranking, whatever it would
   * say of a top 10.
   */
  @Test
  void recommend_newPicksBesideOneBuyAgainPlace_claimTheirEffectOnTheNinePlacesExactly() {
    RecommendResponse response = recommend(defaults, request(10).setBuyAgainSlots(1).build());

    List<RecommendedItem> picks = response.getItemsList().subList(1, 10);
    assertEquals(servedOrder.subList(0, 9), ids(picks));
    int checked = 0;
    for (int i = 0; i < picks.size(); i++) {
      String id = picks.get(i).getItem().getItemId();
      int rank = i + 1;
      for (Reason reason : picks.get(i).getReasonsList()) {
        int rankWithout;
        if (reason.getKind() == ReasonKind.REASON_KIND_HISTORY) {
          rankWithout = served.rank(id, reason.getEvidenceItemIdsList());
        } else if (reason.getKind() == ReasonKind.REASON_KIND_TREND) {
          rankWithout = served.rankWithoutTrend(id);
        } else {
          continue;
        }
        assertEquals(9, reason.getTopK(), reason.getText());
        assertEquals(rank, reason.getRank(), reason.getText());
        assertEquals(rankWithout, reason.getRankWithoutEvidence(), reason.getText());
        assertEquals(rankWithout > 9, reason.getNecessary(), reason.getText());
        String claim = reason.getNecessary()
            ? "drop out of your top 9 new picks, to #" + rankWithout + " instead of #" + rank + " among "
            : "rank #" + rankWithout + " instead of #" + rank + " among ";
        assertTrue(reason.getText().contains(claim), "re-scored: " + claim + "; said: " + reason.getText());
        assertTrue(reason.getNecessary() || rankWithout - rank >= 3, "minimum effect: " + reason.getText());
        checked++;
      }
    }
    assertTrue(checked > 0, "some new pick has a model reason");
  }

  @Test
  void recommend_allPlacesBuyAgain_answersWithoutNewItems() {
    RecommendResponse response = recommend(defaults, request(10).setLocale("zh-CN").build());

    assertEquals(CUSTOMER_REGULAR_ITEMS, ids(response.getItemsList()));
    assertFalse(response.getExplanationsDegraded());
    assertEquals("您的 7 笔订单中有 6 笔买过它，最近一次在 2011-10-31。", response.getItems(0).getReasons(0).getText());
    assertEquals("zh-CN", response.getItems(0).getReasons(0).getLocale());
  }

  @Test
  void recommend_requestSlots_takeThatManyPlacesAndZeroTurnsItOff() {
    RecommendResponse three = recommend(defaults, request(10).setBuyAgainSlots(3).build());
    RecommendResponse off = recommend(defaults, request(10).setBuyAgainSlots(0).build());

    assertEquals(CUSTOMER_REGULAR_ITEMS.subList(0, 3), ids(three.getItemsList().subList(0, 3)));
    assertEquals(servedOrder.subList(0, 7), ids(three.getItemsList().subList(3, 10)));
    assertEquals(servedOrder.subList(0, 10), ids(off.getItemsList()));
    assertTrue(off.getItemsList().stream().noneMatch(GatewayBuyAgainRealDataTest::isBuyAgain));
    assertTrue(off.getItemsList().stream().noneMatch(item -> CUSTOMER_REGULAR_ITEMS.contains(item.getItem().getItemId())),
        "without buy-again, history items stay out");
  }

  @Test
  void recommend_configuredOffAndFiveOrders_requestTurnsItOnWithOnlyItemsInFiveOrders() {
    RecommendResponse byDefault = recommend(offAndFiveOrders, request(10).build());
    RecommendResponse asked = recommend(offAndFiveOrders, request(10).setBuyAgainSlots(10).build());

    assertTrue(byDefault.getItemsList().stream().noneMatch(GatewayBuyAgainRealDataTest::isBuyAgain));
    // Only 22375 (6 orders), 21731, 84558A and 22727 (5 each) are in five or more orders.
    assertEquals(servedOrder.subList(0, 10), ids(byDefault.getItemsList()));
    assertEquals(List.of("22375", "21731", "84558A", "22727"), ids(asked.getItemsList().subList(0, 4)));
    assertEquals(servedOrder.subList(0, 6), ids(asked.getItemsList().subList(4, 10)));
  }

  /** The same purchases as below, the first two in one order: 85123A is then in 2 of 2 orders. */
  @Test
  void recommend_purchasesUnderOneOrderId_countAsOneOrder() {
    String user = "one-order-" + UUID.randomUUID();
    long day = 86_400;
    for (String[] purchase : new String[][] {{"85123A", "0", "o-1"}, {"22423", "0", "o-1"}, {"85123A", "2", "o-2"}}) {
      defaults.withDeadlineAfter(20, TimeUnit.SECONDS).submitFeedback(SubmitFeedbackRequest.newBuilder()
          .setUserId(user).setItemId(purchase[0]).setType(FeedbackType.FEEDBACK_TYPE_PURCHASE)
          .setTime(Timestamp.newBuilder().setSeconds(1_322_000_000L + Long.parseLong(purchase[1]) * day))
          .setOrderId(purchase[2]).build());
    }

    RecommendResponse response = recommend(defaults, RecommendRequest.newBuilder().setUserId(user).setLimit(10).build());

    assertEquals("85123A", response.getItems(0).getItem().getItemId());
    assertEquals("You bought this in 2 of your 2 orders, most recently on 2011-11-24.",
        response.getItems(0).getReasons(0).getText());
  }

  /**
   * A shop in Los Angeles: a customer's last purchase at 20:00 on 3 March there (04:00 on 4 March
   * in UTC) was on 3 March, as the shop's own records say, not on 4 March.
   */
  @Test
  void recommend_shopInAnotherTimeZone_givesTheLastPurchaseOnTheShopsDay() {
    String user = "los-angeles-" + UUID.randomUUID();
    for (String[] purchase : new String[][] {{"2011-03-01T18:00:00Z", "o-1"}, {"2011-03-04T04:00:00Z", "o-2"}}) {
      losAngeles.withDeadlineAfter(20, TimeUnit.SECONDS).submitFeedback(SubmitFeedbackRequest.newBuilder()
          .setUserId(user).setItemId("85123A").setType(FeedbackType.FEEDBACK_TYPE_PURCHASE)
          .setTime(Timestamps.parseUnchecked(purchase[0])).setOrderId(purchase[1]).build());
    }

    RecommendResponse response = recommend(losAngeles, RecommendRequest.newBuilder().setUserId(user).setLimit(3).build());

    Reason reason = response.getItems(0).getReasons(0);
    assertEquals(ReasonKind.REASON_KIND_BUY_AGAIN, reason.getKind());
    assertEquals("You bought this in 2 of your 2 orders, most recently on 2011-03-03.", reason.getText());
    assertEquals(Timestamps.parseUnchecked("2011-03-04T04:00:00Z"), reason.getLastPurchaseTime());
  }

  @Test
  void recommend_itemBoughtOnce_isNotBuyAgain_itemInTwoOrdersIs() {
    String user = "buy-again-" + UUID.randomUUID();
    long day = 86_400;
    for (String[] purchase : new String[][] {{"85123A", "0"}, {"22423", "1"}, {"85123A", "2"}}) {
      defaults.withDeadlineAfter(20, TimeUnit.SECONDS).submitFeedback(SubmitFeedbackRequest.newBuilder()
          .setUserId(user).setItemId(purchase[0]).setType(FeedbackType.FEEDBACK_TYPE_PURCHASE)
          .setTime(Timestamp.newBuilder().setSeconds(1_322_000_000L + Long.parseLong(purchase[1]) * day))
          .build());
    }

    RecommendResponse response = recommend(defaults, RecommendRequest.newBuilder().setUserId(user).setLimit(10).build());

    // Each purchase without a basket id is an order of its own: 85123A in 2 of 3, 22423 in 1.
    assertEquals("85123A", response.getItems(0).getItem().getItemId());
    assertEquals("You bought this in 2 of your 3 orders, most recently on 2011-11-24.",
        response.getItems(0).getReasons(0).getText());
    assertTrue(response.getItemsList().subList(1, 10).stream().noneMatch(GatewayBuyAgainRealDataTest::isBuyAgain));
    assertTrue(response.getItemsList().stream().noneMatch(item -> item.getItem().getItemId().equals("22423")),
        "an item bought once stays out, as every history item that is not regular");
  }

  @Test
  void recommend_unknownUser_hasNoBuyAgainPlaces() {
    RecommendResponse response = recommend(defaults,
        RecommendRequest.newBuilder().setUserId("no-such-customer-" + UUID.randomUUID()).setLimit(5).build());

    assertTrue(response.getColdStart());
    assertEquals(5, response.getItemsCount());
    assertTrue(response.getItemsList().stream().noneMatch(GatewayBuyAgainRealDataTest::isBuyAgain));
    // The shop's best sellers, in the model's order; their reasons: GatewayExplainRealDataTest.
    assertTrue(response.getItemsList().stream().allMatch(item -> item.getSourcesList().equals(
        List.of(RetrievalSource.RETRIEVAL_SOURCE_POPULAR))));
  }

  @Test
  void recommend_badSlots_isInvalidArgument() {
    for (int slots : new int[] {-1, 51}) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> recommend(defaults, request(10).setBuyAgainSlots(slots).build()));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("buy_again_slots"), e.getStatus().getDescription());
    }
  }
}
