package io.glassbox.gateway;

import static io.glassbox.gateway.TestCatalogue.coPurchase;
import static io.glassbox.gateway.TestCatalogue.item;
import static io.glassbox.gateway.TestCatalogue.popular;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RecommendedItem;
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
      new RankedCandidate(CANDIDATES.get(2), 0.5, List.of())), "v7", List.of("h1"), false);

  private static Explanations explained(String... ids) {
    Map<String, List<Reason>> reasons = new java.util.HashMap<>();
    for (String id : ids) {
      reasons.put(id, List.of(FakeExplainService.reasonFor(id, "h1", 1, "en-US")));
    }
    return new Explanations(reasons, Explanations.Outcome.EXPLAINED);
  }

  @Test
  void assemble_ranksTheTopItemsWithDisplayFieldsAndExplainReasons() {
    RecommendResponse response = ResponseAssembler.assemble(BY_MODEL, 2, ITEMS,
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

  @Test
  void assemble_itemTheExplainServiceSkipped_getsRetrievalReasonsAndTheDegradedFlag() {
    RecommendResponse response = ResponseAssembler.assemble(BY_MODEL, 3, ITEMS, explained("b"),
        false, "en-US", false);

    assertEquals(ReasonKind.REASON_KIND_CO_PURCHASE, response.getItems(1).getReasons(0).getKind());
    assertTrue(response.getExplanationsDegraded());
  }

  @Test
  void assemble_itemOutsideTheCatalogue_isShownByItsId() {
    RecommendResponse response = ResponseAssembler.assemble(BY_MODEL, 3, ITEMS,
        explained("a", "b", "c"), false, "en-US", false);

    assertEquals(Item.newBuilder().setItemId("c").build(), response.getItems(2).getItem());
  }

  @Test
  void assemble_coldStartNotExplained_isNotDegraded() {
    RecommendResponse response = ResponseAssembler.assemble(BY_MODEL, 3, ITEMS,
        Explanations.notAsked(), true, "en-US", false);

    assertTrue(response.getColdStart());
    assertFalse(response.getExplanationsDegraded());
    assertEquals(ReasonKind.REASON_KIND_POPULAR, response.getItems(0).getReasons(0).getKind());
  }

  @Test
  void assemble_degradedRanking_hasNoModelVersionAndDegradedExplanations() {
    RankedSlate byRetrieval = RankedSlate.byRetrieval(CANDIDATES);

    RecommendResponse response = ResponseAssembler.assemble(byRetrieval, 3, ITEMS,
        Explanations.failed(), false, "en-US", false);

    assertTrue(response.getRankingDegraded());
    assertTrue(response.getExplanationsDegraded());
    assertEquals("", response.getModelVersion());
    assertEquals(9.0, response.getItems(0).getScore());
  }

  @Test
  void assemble_withContributions_addsTheHeatmapAlignedWithTheModelHistory() {
    RecommendResponse response = ResponseAssembler.assemble(BY_MODEL, 3, ITEMS,
        explained("a", "b", "c"), false, "en-US", true);

    assertEquals(List.of(item("h1")), response.getContributionHistoryList());
    assertEquals(List.of(0.75f), response.getItems(0).getContributionList());
    assertEquals(List.of(-0.25f), response.getItems(1).getContributionList());
    // A row that is not aligned with the history is left out rather than misdrawn.
    assertEquals(List.of(), response.getItems(2).getContributionList());
  }

  @Test
  void assemble_withoutContributionsAsked_hasNoHeatmap() {
    RecommendResponse response = ResponseAssembler.assemble(BY_MODEL, 3, ITEMS,
        explained("a", "b", "c"), false, "en-US", false);

    assertEquals(0, response.getContributionHistoryCount());
    assertEquals(0, response.getItems(0).getContributionCount());
  }
}
