package io.glassbox.gateway;

import static io.glassbox.gateway.TestCatalogue.coPurchase;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.AdditionSource;
import io.glassbox.api.v1.AdditionTrial;
import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.CoPurchaseNeighbour;
import io.glassbox.api.v1.ExplainResponse;
import io.glassbox.api.v1.ItemExplanation;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.WhyNotResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CitablePairsTest {
  /** Retrieved through h1 (12 shared orders), h2 (1) and h3 (3), also as popular. */
  private static final Candidate MIXED = coPurchase("x", 5, "h1", "h2", "h3").toBuilder()
      .clearViaSharedOrders().addViaSharedOrders(12).addViaSharedOrders(1).addViaSharedOrders(3)
      .setViaMaxBasketSize(100).addSources(RetrievalSource.RETRIEVAL_SOURCE_POPULAR).setPurchases(40).build();

  @Test
  void of_keepsThePairsFromAtLeastTheMinimumOrders_andEverythingElse() {
    Candidate cited = CitablePairs.of(MIXED, 3);

    assertEquals(List.of("h1", "h3"), cited.getViaItemIdsList());
    assertEquals(List.of(12, 3), cited.getViaSharedOrdersList());
    assertEquals(MIXED.toBuilder().clearViaItemIds().clearViaSharedOrders().build(),
        cited.toBuilder().clearViaItemIds().clearViaSharedOrders().build(),
        "sources, retrieval score, basket size and purchases are the candidate's own");
  }

  @Test
  void of_minimumOfTwo_dropsOnlyTheOneOrderPair() {
    assertEquals(List.of("h1", "h3"), CitablePairs.of(MIXED, 2).getViaItemIdsList());
    assertEquals(List.of("h1"), CitablePairs.of(MIXED, 4).getViaItemIdsList());
  }

  @Test
  void of_noPairFromEnoughOrders_leavesNoViaItem_butKeepsTheSources() {
    Candidate cited = CitablePairs.of(MIXED, 13);

    assertEquals(List.of(), cited.getViaItemIdsList());
    assertEquals(List.of(), cited.getViaSharedOrdersList());
    assertEquals(MIXED.getSourcesList(), cited.getSourcesList());
  }

  @Test
  void of_minimumOfOne_isTodaysCandidate_evenWithoutCounts() {
    Candidate uncounted = coPurchase("x", 1, "h1").toBuilder().clearViaSharedOrders().build();

    assertEquals(MIXED, CitablePairs.of(MIXED, 1));
    assertEquals(uncounted, CitablePairs.of(uncounted, 1));
  }

  @Test
  void of_countsMissingOrMisaligned_citesNoPairAboveOne() {
    Candidate uncounted = coPurchase("x", 1, "h1", "h2").toBuilder().clearViaSharedOrders().build();
    Candidate misaligned = uncounted.toBuilder().addViaSharedOrders(50).build();

    assertEquals(List.of(), CitablePairs.of(uncounted, 2).getViaItemIdsList());
    assertEquals(List.of(), CitablePairs.of(misaligned, 2).getViaItemIdsList());
  }

  /** An explain service older than WhyNotRequest.min_cited_orders says nothing (0), so its answers are checked. */
  @Test
  void appliedTheMinimum_onlyWhenTheAnswerSaysAtLeastTheGatewaysMinimum() {
    assertFalse(CitablePairs.appliedTheMinimum(WhyNotResponse.getDefaultInstance(), 3));
    assertFalse(CitablePairs.appliedTheMinimum(WhyNotResponse.newBuilder().setAppliedMinCitedOrders(2).build(), 3));
    assertTrue(CitablePairs.appliedTheMinimum(WhyNotResponse.newBuilder().setAppliedMinCitedOrders(3).build(), 3));
    assertTrue(CitablePairs.appliedTheMinimum(WhyNotResponse.newBuilder().setAppliedMinCitedOrders(5).build(), 3));
  }

  @Test
  void belowMinimum_namesTheCoPurchaseAdditionsFromFewerOrders_orWithNoCount() {
    WhyNotResponse answer = WhyNotResponse.newBuilder()
        .addSingleAdditions(trial("n12", AdditionSource.ADDITION_SOURCE_CO_PURCHASE))
        .addSingleAdditions(trial("n2", AdditionSource.ADDITION_SOURCE_CO_PURCHASE))
        .addSingleAdditions(trial("t1", AdditionSource.ADDITION_SOURCE_SIMILAR_TITLE))
        .addSingleAdditions(trial("unlisted", AdditionSource.ADDITION_SOURCE_CO_PURCHASE))
        .addSingleAdditions(trial("n3", AdditionSource.ADDITION_SOURCE_CO_PURCHASE))
        .build();
    List<CoPurchaseNeighbour> neighbours = List.of(neighbour("n12", 12), neighbour("n3", 3), neighbour("n2", 2),
        neighbour("t1", 1));

    assertEquals(Set.of("n12", "n2", "unlisted", "n3"), CitablePairs.coPurchaseAdditions(answer));
    assertEquals(List.of("n2", "unlisted"),
        CitablePairs.belowMinimum(CitablePairs.coPurchaseAdditions(answer), neighbours, 3));
    assertEquals(List.of("unlisted"), CitablePairs.belowMinimum(CitablePairs.coPurchaseAdditions(answer), neighbours, 1));
  }

  /**
   * An explain service older than 2026-12-07 explains a co-purchase candidate sent with no via item
   * (all its pairs from fewer orders than the minimum) as "bought together with items you bought":
   * Recommend and ExplainItem leave that reason out, and keep every reason that names its pair.
   */
  @Test
  void namingTheirPairs_dropsACoPurchaseReasonWithNoEvidence_keepsTheOthers() {
    Reason model = Reason.newBuilder().setKind(ReasonKind.REASON_KIND_HISTORY).addEvidenceItemIds("h1").build();
    Reason named = Reason.newBuilder().setKind(ReasonKind.REASON_KIND_CO_PURCHASE).addEvidenceItemIds("h1")
        .setText("It has been bought together with A (in 3 orders of up to 100 different items), which you bought.")
        .build();
    Reason unnamed = Reason.newBuilder().setKind(ReasonKind.REASON_KIND_CO_PURCHASE)
        .setText("It has been bought together with items you bought.").build();
    Reason popular = Reason.newBuilder().setKind(ReasonKind.REASON_KIND_POPULAR).build();

    assertEquals(List.of(model, named, popular), CitablePairs.namingTheirPairs(List.of(model, named, unnamed, popular)));
    assertEquals(List.of(model, named), CitablePairs.namingTheirPairs(List.of(model, named)));
    assertEquals(Map.of("x", List.of(model)), Explanations.from(ExplainResponse.newBuilder()
        .addExplanations(ItemExplanation.newBuilder().setItemId("x").addReasons(model).addReasons(unnamed))
        .addExplanations(ItemExplanation.newBuilder().setItemId("y").addReasons(unnamed))
        .build()).reasonsByItem(), "an item left with no reason gets its retrieval reasons, as one the explain service left out");
  }

  private static AdditionTrial trial(String itemId, AdditionSource source) {
    return AdditionTrial.newBuilder().setItemId(itemId).setSource(source).build();
  }

  private static CoPurchaseNeighbour neighbour(String itemId, int sharedBaskets) {
    return CoPurchaseNeighbour.newBuilder().setItemId(itemId).setSharedBaskets(sharedBaskets).build();
  }
}
