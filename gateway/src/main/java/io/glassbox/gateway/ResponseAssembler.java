package io.glassbox.gateway;

import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.ExplanationsDegradedCause;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RecommendedItem;
import io.glassbox.api.v1.RegularItem;
import io.glassbox.api.v1.RetrievalSource;
import java.util.List;
import java.util.Map;

/** Puts the ranked items, their display fields and their reasons into the answer. */
final class ResponseAssembler {
  private ResponseAssembler() {}

  /**
   * The answer: the buy-again items first (placed by rule: score 0, source and reason BUY_AGAIN,
   * no contribution row), then the best items of {@code slate} in the model's places, then the
   * newcomers (placed by rule: score 0, their retrieval sources and NEWCOMER, the NEWCOMER reason
   * before their retrieval reasons, no contribution row). An item the explain service
   * gave no reason for gets retrieval reasons, and then the answer says its explanations are
   * degraded, and why: the explain service failed, left items out, or the model did not rank.
   *
   * @param items display fields by id; an id the catalogue lacks is shown by its id alone
   * @param includeContributions add the contribution heatmap (history columns, a row per item)
   *     when the model ranked
   */
  static RecommendResponse assemble(
      RankedSlate slate, Places places, Map<String, Item> items, Explanations explanations,
      boolean coldStart, String locale, boolean includeContributions) {
    // The cause is said apart: a note blaming the explain service is untrue when the model did
    // not rank (the explain service was never asked), or when it answered but left items out.
    ExplanationsDegradedCause degradedCause = slate.rankingDegraded()
        ? ExplanationsDegradedCause.EXPLANATIONS_DEGRADED_CAUSE_MODEL_DID_NOT_RANK
        : explanations.outcome() == Explanations.Outcome.FAILED
        ? ExplanationsDegradedCause.EXPLANATIONS_DEGRADED_CAUSE_EXPLAIN_FAILED
        : ExplanationsDegradedCause.EXPLANATIONS_DEGRADED_CAUSE_UNSPECIFIED;
    RecommendResponse.Builder response = RecommendResponse.newBuilder()
        .setModelVersion(slate.rankingDegraded() ? "" : slate.modelVersion())
        .setColdStart(coldStart)
        .setRankingDegraded(slate.rankingDegraded())
        .setModelKnowsNoCandidate(slate.modelKnowsNoCandidate())
        .setRankingDegradedCause(slate.degradedCause())
        .setPurchasesRead(slate.modelHistory().size())
        .setItemsUnknownToModel(slate.historyItemsUnknownToModel());
    boolean heatmap = includeContributions && !slate.rankingDegraded();
    if (heatmap) {
      slate.modelHistory().forEach(id -> response.addContributionHistory(display(id, items)));
    }
    int rank = 0;
    BuyAgain buyAgain = places.buyAgain();
    for (RegularItem regular : buyAgain.items()) {
      response.addItems(placed(regular.getItemId(), ++rank, items)
          .setScore(0)
          .addSources(RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN)
          .addReasons(buyAgain.reason(regular, items, locale)));
    }
    for (RankedCandidate ranked : slate.top(places.modelPlaces())) {
      List<Reason> reasons = explanations.reasonsByItem().get(ranked.itemId());
      if (reasons == null) {
        reasons = RetrievalReasons.of(ranked.candidate(), items, locale);
        if (explanations.outcome() == Explanations.Outcome.EXPLAINED) {
          degradedCause = ExplanationsDegradedCause.EXPLANATIONS_DEGRADED_CAUSE_ITEMS_LEFT_OUT;
        }
      }
      RecommendedItem.Builder item = placed(ranked.itemId(), ++rank, items)
          .setScore(ranked.score())
          .addAllSources(CitablePairs.shownSources(ranked.candidate()))
          .addAllReasons(reasons);
      if (heatmap && ranked.contribution().size() == slate.modelHistory().size()) {
        item.addAllContribution(ranked.contribution());
      }
      response.addItems(item);
    }
    for (Candidate newcomer : places.newcomers()) {
      response.addItems(placed(newcomer.getItemId(), ++rank, items)
          .setScore(0)
          .addAllSources(CitablePairs.shownSources(newcomer))
          .addSources(RetrievalSource.RETRIEVAL_SOURCE_NEWCOMER)
          .addAllReasons(RetrievalReasons.ofNewcomer(newcomer, items, locale)));
    }
    return response
        .setExplanationsDegraded(
            degradedCause != ExplanationsDegradedCause.EXPLANATIONS_DEGRADED_CAUSE_UNSPECIFIED)
        .setExplanationsDegradedCause(degradedCause)
        .build();
  }

  /** The answer's item at {@code rank}; shown by its id alone when the catalogue lacks it. */
  private static RecommendedItem.Builder placed(String id, int rank, Map<String, Item> items) {
    return RecommendedItem.newBuilder()
        .setItem(items.getOrDefault(id, Item.newBuilder().setItemId(id).build()))
        .setRank(rank);
  }

  /** The display fields of a history column; an id the catalogue lacks is its own title. */
  private static Item display(String id, Map<String, Item> items) {
    Item item = items.get(id);
    return item != null && !item.getTitle().isEmpty()
        ? item : Item.newBuilder().setItemId(id).setTitle(id).build();
  }
}
