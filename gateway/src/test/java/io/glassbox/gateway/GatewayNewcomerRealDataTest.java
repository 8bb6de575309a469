package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.FeedbackType;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.ImportResponse;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RecommendedItem;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.SubmitFeedbackRequest;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.api.v1.UserWhatIfRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.glassbox.api.v1.WhatIfResponse;
import io.glassbox.api.v1.WhyNotResponse;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RunningServers;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Recommend's newcomer places with the real services (embedded data, in-memory store, the shipped
 * model, the explain service) behind a gateway with the defaults: two items imported while the
 * suite runs, which the model has never seen, are bought together in three orders (the fewest a
 * reason cites a pair from by default); a customer of the embedded data buys the first, and the
 * second gets the answer's last place. Three orders leave
 * the stand far behind the customer's 500th strongest candidate: it is there because retrieval
 * keeps new items for the newcomer places.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GatewayNewcomerRealDataTest {
  /** A customer of the embedded data with two regular items (the first two places). */
  private static final String CUSTOMER = "12348";
  private static final String LANTERN = "NEWCOMER-LANTERN";
  private static final String STAND = "NEWCOMER-LANTERN-STAND";
  /** Sold with the customer's last purchase of the embedded data, 23078, in three orders. */
  private static final String BOX = "NEWCOMER-TISSUE-BOX";
  private static final String LAST_DATASET_PURCHASE = "23078";
  /** 2011-12-09 12:00 UTC, the embedded data's last day. */
  private static final long LAST_DAY_NOON = 1_323_432_000L;
  private static final int ORDERS_WITH_BOTH = GatewayConfig.DEFAULT_MIN_CITED_ORDERS;
  private static final RunningServers running = new RunningServers();
  private static GatewayGrpc.GatewayBlockingStub gateway;

  @BeforeAll
  static void start() throws Exception {
    ConfigSource base = RealSuiteSettings.base();
    RealSuiteSettings.Backends backends = RealSuiteSettings.Backends.start(running, base);
    GrpcServer feature = backends.feature();
    GrpcServer gatewayServer = running.keep(GatewayMain.start(base.with(backends.gatewaySettings())).grpc());
    gateway = GatewayGrpc.newBlockingStub(running.channel("localhost:" + gatewayServer.port()));

    ImportResponse imported = ItemsImport.importItems(running.channel("localhost:" + feature.adminPort()),
        "item_id,title,price\n" + LANTERN + ",GLASS LANTERN NEWCOMER,4.95\n"
            + STAND + ",LANTERN STAND NEWCOMER,2.10\n" + BOX + ",TISSUE BOX NEWCOMER,1.65\n");
    assertEquals(3, imported.getStored());
    // Three other shoppers' orders hold both (ingested as a shop's back end would), then the
    // customer buys the lantern through the gateway.
    IngestEventsRequest.Builder orders = IngestEventsRequest.newBuilder();
    for (int order = 0; order < ORDERS_WITH_BOTH; order++) {
      for (String item : List.of(LANTERN, STAND)) {
        orders.addEvents(UserEvent.newBuilder().setUserId("lantern-shopper-" + order).setEvent(Event.newBuilder()
            .setItemId(item).setEventType("purchase").setBasketId("lantern-order-" + order)
            .setTime(Timestamp.newBuilder().setSeconds(LAST_DAY_NOON - 3_600 + order))));
      }
      for (String item : List.of(LAST_DATASET_PURCHASE, BOX)) {
        orders.addEvents(UserEvent.newBuilder().setUserId("tissue-shopper-" + order).setEvent(Event.newBuilder()
            .setItemId(item).setEventType("purchase").setBasketId("tissue-order-" + order)
            .setTime(Timestamp.newBuilder().setSeconds(LAST_DAY_NOON - 7_200 + order))));
      }
    }
    FeatureServiceGrpc.newBlockingStub(running.channel("localhost:" + feature.port()))
        .withDeadlineAfter(30, TimeUnit.SECONDS).ingestEvents(orders.build());
    gateway.withDeadlineAfter(20, TimeUnit.SECONDS).submitFeedback(SubmitFeedbackRequest.newBuilder()
        .setUserId(CUSTOMER).setItemId(LANTERN).setType(FeedbackType.FEEDBACK_TYPE_PURCHASE)
        .setTime(Timestamp.newBuilder().setSeconds(LAST_DAY_NOON)).setOrderId("customer-order").build());
  }

  @AfterAll
  static void stop() {
    running.close();
  }

  private static RecommendResponse recommend(RecommendRequest.Builder request) {
    return gateway.withDeadlineAfter(60, TimeUnit.SECONDS).recommend(request.setUserId(CUSTOMER).build());
  }

  private static List<String> ids(RecommendResponse response) {
    return response.getItemsList().stream().map(item -> item.getItem().getItemId()).toList();
  }

  @Test
  void recommend_itemTheModelDoesNotKnow_boughtWithTheCustomersPurchase_takesTheLastPlace() {
    RecommendResponse response = recommend(RecommendRequest.newBuilder().setLimit(10));

    assertEquals(10, response.getItemsCount());
    RecommendedItem last = response.getItems(9);
    assertEquals(STAND, last.getItem().getItemId());
    assertEquals("LANTERN STAND NEWCOMER", last.getItem().getTitle());
    assertEquals(10, last.getRank());
    assertEquals(0.0, last.getScore());
    assertEquals(List.of(RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE, RetrievalSource.RETRIEVAL_SOURCE_NEWCOMER),
        last.getSourcesList());
    assertEquals(ReasonKind.REASON_KIND_NEWCOMER, last.getReasons(0).getKind());
    assertEquals(ReasonKind.REASON_KIND_CO_PURCHASE, last.getReasons(1).getKind());
    assertEquals(List.of(LANTERN), last.getReasons(1).getEvidenceItemIdsList());
    assertEquals("It has been bought together with GLASS LANTERN NEWCOMER (in 3 orders of up to 100 different items),"
        + " which you bought.",
        last.getReasons(1).getText());
    assertFalse(response.getExplanationsDegraded());
    // Two buy-again places, seven model picks, the newcomer: the model's reasons count its 7.
    assertEquals(2, response.getItemsList().stream()
        .filter(item -> item.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN)).count());
    List<Integer> topKs = response.getItemsList().subList(2, 9).stream()
        .flatMap(item -> item.getReasonsList().stream())
        .filter(reason -> reason.getKind() == ReasonKind.REASON_KIND_HISTORY
            || reason.getKind() == ReasonKind.REASON_KIND_TREND)
        .map(reason -> reason.getTopK()).distinct().toList();
    assertEquals(List.of(7), topKs, "model reasons count the places the model has");
  }

  @Test
  void explainItem_ranksAmongTheCandidatesRecommendRanks() {
    // Retrieval keeps the stand in the place of the weakest other candidate; the model does not
    // know the stand, so Recommend ranks one candidate fewer than retrieval without newcomers gives.
    RecommendResponse response = recommend(RecommendRequest.newBuilder());
    Reason modelReason = response.getItemsList().stream()
        .flatMap(item -> item.getReasonsList().stream())
        .filter(reason -> reason.getKind() == ReasonKind.REASON_KIND_HISTORY
            || reason.getKind() == ReasonKind.REASON_KIND_TREND)
        .findFirst().orElseThrow();
    String pick = response.getItemsList().stream()
        .filter(item -> item.getReasonsList().contains(modelReason))
        .findFirst().orElseThrow().getItem().getItemId();

    ExplainItemResponse explained = gateway.withDeadlineAfter(60, TimeUnit.SECONDS).explainItem(
        UserExplainItemRequest.newBuilder().setUserId(CUSTOMER).setItemId(pick).build());

    assertEquals(modelReason.getRankedCandidateCount(), explained.getRankedCandidateCount(),
        "among as many candidates as Recommend's reasons");
    assertEquals(modelReason.getRank(), explained.getRank(), pick);
  }

  /**
   * ExplainItem, WhyNot and WhatIf with no limit count the model's places of a default Recommend
   * answer beside its newcomer: 10 less 2 buy-again places less the newcomer's, 7.
   */
  @Test
  void interactiveQuestionsWithNoLimit_takeOffTheNewcomersPlace() {
    RecommendResponse recommended = recommend(RecommendRequest.newBuilder());
    assertEquals(STAND, recommended.getItems(9).getItem().getItemId());
    List<RecommendedItem> picks = recommended.getItemsList().subList(2, 9);
    for (RecommendedItem pick : picks) {
      ExplainItemResponse explained = gateway.withDeadlineAfter(60, TimeUnit.SECONDS).explainItem(
          UserExplainItemRequest.newBuilder().setUserId(CUSTOMER).setItemId(pick.getItem().getItemId()).build());
      assertEquals(7, explained.getTopK());
      ReasonsAlike.assertAlike(pick.getReasonsList(), explained.getReasonsList(), pick.getItem().getItemId());
    }
    WhyNotResponse whyNot = gateway.withDeadlineAfter(60, TimeUnit.SECONDS).whyNot(
        UserWhyNotRequest.newBuilder().setUserId(CUSTOMER).setItemId(picks.get(6).getItem().getItemId()).build());
    assertEquals(7, whyNot.getTopK());
    assertTrue(whyNot.getInTopK());
    WhatIfResponse whatIf = gateway.withDeadlineAfter(60, TimeUnit.SECONDS).whatIf(UserWhatIfRequest.newBuilder()
        .setUserId(CUSTOMER).addAddItemIds(picks.get(0).getItem().getItemId()).build());
    assertEquals(7, whatIf.getTopK());
    ExplainItemResponse withLimit = gateway.withDeadlineAfter(60, TimeUnit.SECONDS).explainItem(
        UserExplainItemRequest.newBuilder().setUserId(CUSTOMER).setItemId(picks.get(0).getItem().getItemId())
            .setLimit(8).build());
    assertEquals(8, withLimit.getTopK(), "a limit the caller gives is the top-k");
  }

  @Test
  void recommend_twoNewcomerSlots_alsoPlaceTheItemSoldWithAnOlderPurchase() {
    // 23078's 200 strongest dataset neighbours share more than 3 orders with it: the box is only
    // among its new-item neighbours.
    RecommendResponse response = recommend(RecommendRequest.newBuilder().setLimit(10).setNewcomerSlots(2));

    assertEquals(List.of(STAND, BOX), ids(response).subList(8, 10),
        "strongest first: the stand (3 orders x the latest purchase's weight 1) before the box (3 x 0.9)");
    RecommendedItem box = response.getItems(9);
    assertEquals(List.of(RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE, RetrievalSource.RETRIEVAL_SOURCE_NEWCOMER),
        box.getSourcesList());
    assertEquals(List.of(LAST_DATASET_PURCHASE), box.getReasons(1).getEvidenceItemIdsList());
    assertTrue(box.getReasons(1).getText().endsWith("(in 3 orders of up to 100 different items), which you bought."), box.getReasons(1).getText());
  }

  @Test
  void recommend_newcomerSlotsOff_givesTheLastPlaceBackToTheModel() {
    RecommendResponse withNewcomer = recommend(RecommendRequest.newBuilder().setLimit(10));
    RecommendResponse without = recommend(RecommendRequest.newBuilder().setLimit(10).setNewcomerSlots(0));

    assertFalse(ids(without).contains(STAND));
    assertEquals(ids(withNewcomer).subList(0, 9), ids(without).subList(0, 9),
        "the model's picks are the same, one more of them is shown");
    assertTrue(without.getItems(9).getScore() != 0.0, "the model scored the last place");
  }

  @Test
  void recommend_inChinese_saysTheItemIsNew() {
    RecommendResponse response = recommend(RecommendRequest.newBuilder().setLimit(10).setLocale("zh-CN"));

    assertEquals("新上架：模型还没有学过这件商品，所以没有为它排序；推荐它是因为它和下面的商品被一起购买。",
        response.getItems(9).getReasons(0).getText());
    assertEquals("zh-CN", response.getItems(9).getReasons(0).getLocale());
  }

  @Test
  void recommend_newcomerSlotsOutOfRange_isInvalidArgumentNamingTheField() {
    for (int slots : new int[] {-1, 51}) {
      StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
          () -> recommend(RecommendRequest.newBuilder().setLimit(10).setNewcomerSlots(slots)));
      assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode());
      assertTrue(error.getStatus().getDescription().contains("newcomer_slots"), error.getStatus().getDescription());
    }
  }
}
