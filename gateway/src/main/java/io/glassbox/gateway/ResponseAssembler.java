package io.glassbox.gateway;

import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RecommendedItem;
import java.util.List;
import java.util.Map;

/** Puts the ranked items, their display fields and their reasons into the answer. */
final class ResponseAssembler {
  private ResponseAssembler() {}

  /**
   * The answer for the best {@code limit} items of {@code slate}. An item the explain service
   * gave no reason for gets retrieval reasons, and then the answer says its explanations are
   * degraded; so does every answer whose ranking is degraded.
   *
   * @param items display fields by id; an id the catalogue lacks is shown by its id alone
   * @param includeContributions add the contribution heatmap (history columns, a row per item)
   *     when the model ranked
   */
  static RecommendResponse assemble(
      RankedSlate slate, int limit, Map<String, Item> items, Explanations explanations,
      boolean coldStart, String locale, boolean includeContributions) {
    boolean explanationsDegraded = slate.rankingDegraded()
        || explanations.outcome() == Explanations.Outcome.FAILED;
    RecommendResponse.Builder response = RecommendResponse.newBuilder()
        .setModelVersion(slate.rankingDegraded() ? "" : slate.modelVersion())
        .setColdStart(coldStart)
        .setRankingDegraded(slate.rankingDegraded());
    boolean heatmap = includeContributions && !slate.rankingDegraded();
    if (heatmap) {
      slate.modelHistory().forEach(id -> response.addContributionHistory(display(id, items)));
    }
    int rank = 0;
    for (RankedCandidate ranked : slate.top(limit)) {
      List<Reason> reasons = explanations.reasonsByItem().get(ranked.itemId());
      if (reasons == null) {
        reasons = RetrievalReasons.of(ranked.candidate(), items, locale);
        if (explanations.outcome() == Explanations.Outcome.EXPLAINED) {
          explanationsDegraded = true;
        }
      }
      RecommendedItem.Builder item = RecommendedItem.newBuilder()
          .setItem(items.getOrDefault(ranked.itemId(),
              Item.newBuilder().setItemId(ranked.itemId()).build()))
          .setRank(++rank)
          .setScore(ranked.score())
          .addAllSources(ranked.candidate().getSourcesList())
          .addAllReasons(reasons);
      if (heatmap && ranked.contribution().size() == slate.modelHistory().size()) {
        item.addAllContribution(ranked.contribution());
      }
      response.addItems(item);
    }
    return response.setExplanationsDegraded(explanationsDegraded).build();
  }

  /** The display fields of a history column; an id the catalogue lacks is its own title. */
  private static Item display(String id, Map<String, Item> items) {
    Item item = items.get(id);
    return item != null && !item.getTitle().isEmpty()
        ? item : Item.newBuilder().setItemId(id).setTitle(id).build();
  }
}
