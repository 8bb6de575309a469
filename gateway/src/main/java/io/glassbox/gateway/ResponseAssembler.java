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
   */
  static RecommendResponse assemble(
      RankedSlate slate, int limit, Map<String, Item> items, Explanations explanations,
      boolean coldStart, String locale) {
    boolean explanationsDegraded = slate.rankingDegraded()
        || explanations.outcome() == Explanations.Outcome.FAILED;
    RecommendResponse.Builder response = RecommendResponse.newBuilder()
        .setModelVersion(slate.rankingDegraded() ? "" : slate.modelVersion())
        .setColdStart(coldStart)
        .setRankingDegraded(slate.rankingDegraded());
    int rank = 0;
    for (RankedCandidate ranked : slate.top(limit)) {
      List<Reason> reasons = explanations.reasonsByItem().get(ranked.itemId());
      if (reasons == null) {
        reasons = RetrievalReasons.of(ranked.candidate(), items, locale);
        if (explanations.outcome() == Explanations.Outcome.EXPLAINED) {
          explanationsDegraded = true;
        }
      }
      response.addItems(RecommendedItem.newBuilder()
          .setItem(items.getOrDefault(ranked.itemId(),
              Item.newBuilder().setItemId(ranked.itemId()).build()))
          .setRank(++rank)
          .setScore(ranked.score())
          .addAllSources(ranked.candidate().getSourcesList())
          .addAllReasons(reasons));
    }
    return response.setExplanationsDegraded(explanationsDegraded).build();
  }
}
