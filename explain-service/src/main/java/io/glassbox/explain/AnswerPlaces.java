package io.glassbox.explain;

/**
 * The places of a default Recommend answer a ranking stands for (UserRanking.default_answer):
 * {@code limit} places, the first {@code buyAgainPlaces} taken by buy-again items, up to
 * {@code newcomerPlaces} of the rest by newcomers, the others the model's picks.
 *
 * @param limit the answer's places, 1..100
 * @param buyAgainPlaces the places buy-again items took, 0..{@code limit}
 * @param newcomerPlaces the most places newcomers may take of those left, 0..100
 */
record AnswerPlaces(int limit, int buyAgainPlaces, int newcomerPlaces) {
  /**
   * The top-k the answer counts beside {@code newcomers} candidates that may take a newcomer place:
   * its model picks; when it has none, the model picks of the same answer with no buy-again places
   * (newcomers never take the last of its places).
   */
  int topK(int newcomers) {
    int taken = Math.min(Math.min(newcomerPlaces, newcomers), limit - 1);
    int picks = limit - buyAgainPlaces - taken;
    return picks > 0 ? picks : limit - taken;
  }
}
