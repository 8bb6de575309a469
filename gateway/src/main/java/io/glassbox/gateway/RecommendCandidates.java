package io.glassbox.gateway;

import io.glassbox.api.v1.RetrieveCandidatesRequest;

/**
 * The candidates a Recommend ranks, as Recommend and the interactive RPCs ask for them: the
 * interactive RPCs rank the same candidates, so that their ranks and top-k are Recommend's.
 */
final class RecommendCandidates {
  private RecommendCandidates() {}

  /**
   * The configured number of candidates for {@code query}, none the user bought; with the new items
   * kept for its newcomer places, each in the place of the weakest other candidate; and, unless
   * {@link GatewayConfig#trendTerm} turns the term off, with recent purchases counted over the
   * model's trend window, as of the store's newest purchase.
   */
  static RetrieveCandidatesRequest request(
      RecommendQuery query, GatewayConfig config, ModelTrendWindow trendWindow) {
    RetrieveCandidatesRequest.Builder request = RetrieveCandidatesRequest.newBuilder()
        .setUserId(query.userId())
        .setLimit(config.candidateCount())
        .setExcludeHistory(true)
        // New items that sold with the user's recent purchases, however few times: the
        // candidates for the newcomer places.
        .setNewItemCandidates(query.newcomerSlots(config));
    if (config.trendTerm()) {
      trendWindow.current().ifPresent(request::setRecentWindow);
    }
    return request.build();
  }
}
