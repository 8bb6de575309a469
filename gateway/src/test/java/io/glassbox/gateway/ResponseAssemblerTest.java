package io.glassbox.gateway;

import static io.glassbox.api.v1.RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE;
import static io.glassbox.gateway.TestCatalogue.coPurchase;
import static io.glassbox.gateway.TestCatalogue.item;
import static io.glassbox.gateway.TestCatalogue.popular;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.ExplanationsDegradedCause;
import io.glassbox.api.v1.GetUserHistoryResponse;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.RankingDegradedCause;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RecommendedItem;
import io.glassbox.api.v1.RegularItem;
import io.glassbox.api.v1.RetrievalSource;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ResponseAssemblerTest {
  private static final List<Candidate> CANDIDATES = List.of(
      coPurchase("a", 9, "h1"), popular("b", 1), popular("c", 0.5));
  private static final Map<String, Item> ITEMS = Map.of("a", item("a"), "b", item("b"),
      "h1", item("h1"));
  private static final RankedSlate BY_MODEL = new RankedSlate(List.of(
      new RankedCandidate(CANDIDATES.get(1), 2.5, List.of(0.75f)),
      new RankedCandidate(CANDIDATES.get(0), 1.5, List.of(-0.25f)),
      new RankedCandidate(CANDIDATES.get(2), 0.5, List.of())), "v7", List.of("h1"), false,
      RankingDegradedCause.RANKING_DEGRADED_CAUSE_UNSPECIFIED, List.of(), 0);

  private static Explanations explained(String... ids) {
    Map<String, List<Reason>> reasons = new java.util.HashMap<>();
    for (String id : ids) {
      reasons.put(id, List.of(FakeExplainService.reasonFor(id, "h1", 1, "en-US")));
    }
    return new Explanations(reasons, Explanations.Outcome.EXPLAINED);
  }

  @Test
  void assemble_ranksTheTopItemsWithDisplayFieldsAndExplainReasons() {
    RecommendResponse response = ResponseAssembler.assemble(BY_MODEL, Places.of(2, BuyAgain.none(), List.of()), ITEMS,
        explained("a", "b"), false, "en-US", false);

    assertEquals(2, response.getItemsCount());
    RecommendedItem first = response.getItems(0);
    assertEquals(item("b"), first.getItem());
    assertEquals(1, first.getRank());
    assertEquals(2.5, first.getScore());
    assertEquals(CANDIDATES.get(1).getSourcesList(), first.getSourcesList());
    assertEquals(List.of(FakeExplainService.reasonFor("b", "h1", 1, "en-US")),
        first.getReasonsList());
    assertEquals(2, response.getItems(1).getRank());
    assertEquals("v7", response.getModelVersion());
    assertFalse(response.getExplanationsDegraded());
  }

  private static final BuyAgain BUY_AGAIN = new BuyAgain(List.of(
      RegularItem.newBuilder().setItemId("h1").setBaskets(4)
          .setLastPurchaseTime(Timestamp.newBuilder().setSeconds(1_321_797_600L)).build(),   // 2011-11-20 14:00 UTC
      RegularItem.newBuilder().setItemId("h2").setBaskets(2)
          .setLastPurchaseTime(Timestamp.newBuilder().setSeconds(1_321_833_599L)).build()),  // 2011-11-20 23:59:59 UTC
      9, false, ZoneOffset.UTC);

  @Test
  void assemble_buyAgain_takesTheFirstPlacesWithTheRuleReasonThenTheBestNewItems() {
    RecommendResponse response = ResponseAssembler.assemble(BY_MODEL, Places.of(3, BUY_AGAIN, List.of()), ITEMS,
        explained("b"), false, "en-US", true);

    assertEquals(List.of("h1", "h2", "b"),
        response.getItemsList().stream().map(i -> i.getItem().getItemId()).toList());
    RecommendedItem first = response.getItems(0);
    assertEquals(item("h1"), first.getItem());
    assertEquals(0.0, first.getScore());
    assertEquals(List.of(RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN), first.getSourcesList());
    assertEquals(0, first.getContributionCount(), "no heatmap row for a rule-placed item");
    assertEquals(Reason.newBuilder().setKind(ReasonKind.REASON_KIND_BUY_AGAIN)
        .setText("You bought this in 4 of your 9 orders, most recently on 2011-11-20.").setLocale("en-US")
        .addEvidenceItemIds("h1").addEvidenceTitles(item("h1").getTitle())
        .setOrdersWithItem(4).setOrders(9)
        .setLastPurchaseTime(Timestamp.newBuilder().setSeconds(1_321_797_600L)).build(), first.getReasons(0));
    // h2 is not in the catalogue map: shown by its id, titled by it in the reason.
    assertEquals(List.of("h2"), response.getItems(1).getReasons(0).getEvidenceTitlesList());
    assertEquals(3, response.getItems(2).getRank());
    assertEquals(List.of(0.75f), response.getItems(2).getContributionList());
    assertFalse(response.getExplanationsDegraded());
  }

  @Test
  void assemble_newcomers_takeTheLastPlacesWithTheRuleReasonThenTheirCoPurchaseReason() {
    Candidate newcomer = coPurchase("n1", 4, "h1").toBuilder().clearViaSharedOrders().addViaSharedOrders(3).setViaMaxBasketSize(100).build();
    Places places = Places.of(4, new BuyAgain(BUY_AGAIN.items().subList(0, 1), 9, false, ZoneOffset.UTC), List.of(newcomer));
    assertEquals(2, places.modelPlaces());

    RecommendResponse response = ResponseAssembler.assemble(BY_MODEL, places, ITEMS,
        explained("a", "b"), false, "en-US", true);

    assertEquals(List.of("h1", "b", "a", "n1"),
        response.getItemsList().stream().map(i -> i.getItem().getItemId()).toList());
    RecommendedItem last = response.getItems(3);
    assertEquals(4, last.getRank());
    assertEquals(0.0, last.getScore());
    assertEquals(List.of(RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE, RetrievalSource.RETRIEVAL_SOURCE_NEWCOMER),
        last.getSourcesList());
    assertEquals(0, last.getContributionCount(), "no heatmap row for a rule-placed item");
    assertEquals(List.of(ReasonKind.REASON_KIND_NEWCOMER, ReasonKind.REASON_KIND_CO_PURCHASE),
        last.getReasonsList().stream().map(Reason::getKind).toList());
    assertEquals("New in the shop: the model has not learned this item yet, so it did not rank it; it is shown"
        + " because of what it was bought with.", last.getReasons(0).getText());
    assertEquals(io.glassbox.texts.ReasonTexts.forLocale("en-US").coPurchase(List.of("Title h1"), List.of(3), 100),
        last.getReasons(1).getText());
    assertEquals(List.of("h1"), last.getReasons(1).getEvidenceItemIdsList());
    assertFalse(response.getExplanationsDegraded(), "a newcomer needs no model reason");
  }

  @Test
  void places_newcomersNeverTakeTheBuyAgainPlaces() {
    Candidate newcomer = coPurchase("n1", 4, "h1");

    Places full = Places.of(2, BUY_AGAIN, List.of(newcomer));
    Places oneLeft = Places.of(3, BUY_AGAIN, List.of(newcomer, coPurchase("n2", 3, "h1")));

    assertEquals(List.of(), full.newcomers());
    assertEquals(0, full.modelPlaces());
    assertEquals(List.of("n1"), oneLeft.newcomers().stream().map(Candidate::getItemId).toList());
    assertEquals(0, oneLeft.modelPlaces());
  }

  @Test
  void assemble_buyAgainOfALongRecordTheStoreCut_saysTheCountsAreOfTheLatestOrders() {
    BuyAgain latest = new BuyAgain(BUY_AGAIN.items(), 36, true, ZoneOffset.UTC);

    RecommendResponse response = ResponseAssembler.assemble(BY_MODEL, Places.of(1, latest, List.of()), ITEMS,
        Explanations.notAsked(), false, "en-US", false);

    Reason reason = response.getItems(0).getReasons(0);
    assertEquals("You bought this in 4 of your last 36 orders, most recently on 2011-11-20.", reason.getText());
    assertTrue(reason.getLatestOrdersOnly());
    assertEquals(36, reason.getOrders());
  }

  /**
   * The day of the last purchase is the shop's, in the zone the feature service names: 20:00 on
   * 3 March in Los Angeles is 04:00 on 4 March in UTC. Without a zone it is UTC's day.
   */
  @Test
  void assemble_buyAgain_givesTheDayInTheShopsZoneTheFeatureServiceNames() {
    GetUserHistoryResponse.Builder history = GetUserHistoryResponse.newBuilder().setOrders(3)
        .addRegularItems(RegularItem.newBuilder().setItemId("h1").setBaskets(2)
            .setLastPurchaseTime(Timestamp.newBuilder().setSeconds(1_299_211_200L)));   // 2011-03-04 04:00 UTC

    // A zone this JVM's tz database lacks (a feature service on a newer Java) is stated in UTC:
    // it failed every Recommend.
    for (String zone : new String[] {"America/Los_Angeles", "", "Mars/Olympus_Mons"}) {
      RecommendResponse response = ResponseAssembler.assemble(BY_MODEL,
          Places.of(1, BuyAgain.of(history.setTimeZone(zone).build(), 1, new ShopZoneReader()), List.of()), ITEMS,
          Explanations.notAsked(), false, "en-US", false);

      assertEquals("You bought this in 2 of your 3 orders, most recently on "
          + (zone.startsWith("America") ? "2011-03-03." : "2011-03-04."),
          response.getItems(0).getReasons(0).getText(), zone);
    }
  }

  @Test
  void assemble_buyAgainFillingTheLimit_leavesNoPlaceToNewItems() {
    RecommendResponse response = ResponseAssembler.assemble(BY_MODEL, Places.of(2, BUY_AGAIN, List.of()), ITEMS,
        Explanations.notAsked(), false, "zh-CN", false);

    assertEquals(List.of("h1", "h2"),
        response.getItemsList().stream().map(i -> i.getItem().getItemId()).toList());
    assertEquals("您的 9 笔订单中有 2 笔买过它，最近一次在 2011-11-20。", response.getItems(1).getReasons(0).getText());
  }

  @Test
  void assemble_itemTheExplainServiceSkipped_getsRetrievalReasonsAndTheDegradedFlag() {
    RecommendResponse response = ResponseAssembler.assemble(BY_MODEL, Places.of(3, BuyAgain.none(), List.of()), ITEMS, explained("b"),
        false, "en-US", false);

    assertEquals(ReasonKind.REASON_KIND_CO_PURCHASE, response.getItems(1).getReasons(0).getKind());
    assertTrue(response.getExplanationsDegraded());
    assertEquals(ExplanationsDegradedCause.EXPLANATIONS_DEGRADED_CAUSE_ITEMS_LEFT_OUT,
        response.getExplanationsDegradedCause());
  }

  /**
   * Before, every degraded answer read as the explain service's failure: the viewer and the CLI
   * blamed it when the model service was down and the explain service was never asked.
   */
  @Test
  void assemble_explanationsDegradedCause_tellsAFailedExplainCallFromAModelThatDidNotRank() {
    RecommendResponse failed = ResponseAssembler.assemble(BY_MODEL, Places.of(3, BuyAgain.none(), List.of()), ITEMS,
        Explanations.failed(), false, "en-US", false);
    RecommendResponse byRetrieval = ResponseAssembler.assemble(
        RankedSlate.byRetrieval(CANDIDATES, RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE),
        Places.of(3, BuyAgain.none(), List.of()), ITEMS, Explanations.failed(), false, "en-US", false);
    RecommendResponse explained = ResponseAssembler.assemble(BY_MODEL, Places.of(3, BuyAgain.none(), List.of()),
        ITEMS, explained("a", "b", "c"), false, "en-US", false);

    assertEquals(ExplanationsDegradedCause.EXPLANATIONS_DEGRADED_CAUSE_EXPLAIN_FAILED,
        failed.getExplanationsDegradedCause());
    assertEquals(ExplanationsDegradedCause.EXPLANATIONS_DEGRADED_CAUSE_MODEL_DID_NOT_RANK,
        byRetrieval.getExplanationsDegradedCause());
    assertTrue(byRetrieval.getExplanationsDegraded());
    assertEquals(ExplanationsDegradedCause.EXPLANATIONS_DEGRADED_CAUSE_UNSPECIFIED,
        explained.getExplanationsDegradedCause());
    assertFalse(explained.getExplanationsDegraded());
  }

  @Test
  void assemble_itemOutsideTheCatalogue_isShownByItsId() {
    RecommendResponse response = ResponseAssembler.assemble(BY_MODEL, Places.of(3, BuyAgain.none(), List.of()), ITEMS,
        explained("a", "b", "c"), false, "en-US", false);

    assertEquals(Item.newBuilder().setItemId("c").build(), response.getItems(2).getItem());
  }

  @Test
  void assemble_coldStartNotExplained_isNotDegraded() {
    RecommendResponse response = ResponseAssembler.assemble(BY_MODEL, Places.of(3, BuyAgain.none(), List.of()), ITEMS,
        Explanations.notAsked(), true, "en-US", false);

    assertTrue(response.getColdStart());
    assertFalse(response.getExplanationsDegraded());
    assertEquals(ReasonKind.REASON_KIND_POPULAR, response.getItems(0).getReasons(0).getKind());
  }

  @Test
  void assemble_degradedRanking_hasNoModelVersionAndDegradedExplanations() {
    RankedSlate byRetrieval = RankedSlate.byRetrieval(CANDIDATES, RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE);

    RecommendResponse response = ResponseAssembler.assemble(byRetrieval, Places.of(3, BuyAgain.none(), List.of()), ITEMS,
        Explanations.failed(), false, "en-US", false);

    assertTrue(response.getRankingDegraded());
    assertFalse(response.getModelKnowsNoCandidate());
    assertTrue(response.getExplanationsDegraded());
    assertEquals("", response.getModelVersion());
    assertEquals(9.0, response.getItems(0).getScore());
    assertTrue(ResponseAssembler.assemble(RankedSlate.byRetrievalNoneKnownToModel(CANDIDATES),
        Places.of(3, BuyAgain.none(), List.of()), ITEMS, Explanations.failed(), false, "en-US", false)
        .getModelKnowsNoCandidate());
  }

  @Test
  void assemble_withContributions_addsTheHeatmapAlignedWithTheModelHistory() {
    RecommendResponse response = ResponseAssembler.assemble(BY_MODEL, Places.of(3, BuyAgain.none(), List.of()), ITEMS,
        explained("a", "b", "c"), false, "en-US", true);

    assertEquals(List.of(item("h1")), response.getContributionHistoryList());
    assertEquals(List.of(0.75f), response.getItems(0).getContributionList());
    assertEquals(List.of(-0.25f), response.getItems(1).getContributionList());
    // A row that is not aligned with the history is left out rather than misdrawn.
    assertEquals(List.of(), response.getItems(2).getContributionList());
  }

  @Test
  void assemble_withoutContributionsAsked_hasNoHeatmap() {
    RecommendResponse response = ResponseAssembler.assemble(BY_MODEL, Places.of(3, BuyAgain.none(), List.of()), ITEMS,
        explained("a", "b", "c"), false, "en-US", false);

    assertEquals(0, response.getContributionHistoryCount());
    assertEquals(0, response.getItems(0).getContributionCount());
  }
}
