package io.glassbox.explain;

import io.glassbox.server.RecommendPlaces;

/**
 * The places of a default Recommend answer a ranking stands for (UserRanking.default_answer):
 * {@code limit} places, the first {@code buyAgainPlaces} taken by buy-again items, up to
 * {@code newcomerPlaces} of the rest by newcomers, the others the model's picks.
 *
 * @param limit the answer's places, 1..{@value RecommendPlaces#MAX_LIMIT}
 * @param buyAgainPlaces the places buy-again items took, 0..{@code limit}
 * @param newcomerPlaces the most places newcomers may take of those left,
 *     0..{@value RecommendPlaces#MAX_SLOTS}
 */
record AnswerPlaces(int limit, int buyAgainPlaces, int newcomerPlaces) {
  /**
   * The top-k the answer counts beside {@code newcomers} candidates that may take a newcomer place:
   * the model picks of the first of these answers that has any: this one; the same with no
   * buy-again places; the same with neither buy-again nor newcomer places ({@code limit}).
   */
  int topK(int newcomers) {
    int picks = modelPicks(buyAgainPlaces, newcomers);
    if (picks > 0) {
      return picks;
    }
    int withNoBuyAgain = modelPicks(0, newcomers);
    return withNoBuyAgain > 0 ? withNoBuyAgain : limit;
  }

  /** The places left to the model beside {@code buyAgain} buy-again places, as Recommend shares them. */
  private int modelPicks(int buyAgain, int newcomers) {
    return RecommendPlaces.of(limit, buyAgain, newcomerPlaces, newcomers).model();
  }
}
