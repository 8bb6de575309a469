package io.glassbox.explain;

/**
 * When removing evidence changes a ranking enough for a reason to claim it: the item leaves the
 * top {@code topK}, or drops at least {@code minRankDrop} places. Below that a rank change is a
 * tie-break that would read as arbitrary, so no reason claims anything about the model.
 *
 * @param topK the k of the top-k the caller shows, >= 1
 * @param minRankDrop places an item must drop when it does not leave the top-k, >= 1
 */
record MinimumEffect(int topK, int minRankDrop) {
  MinimumEffect {
    if (topK < 1 || minRankDrop < 1) {
      throw new IllegalArgumentException("topK and minRankDrop must be >= 1, got " + topK + ", " + minRankDrop);
    }
  }

  /** True when the removal lowers the score and meets the minimum effect on the rank. */
  boolean isMetBy(Measurement removal) {
    return removal.scoreDrop() > 0
        && (isNecessary(removal) || removal.rankWithout() - removal.rank() >= minRankDrop);
  }

  /** The item was in the top-k and the removal takes it out (probability of necessity). */
  boolean isNecessary(Measurement removal) {
    return removal.rank() <= topK && removal.rankWithout() > topK;
  }

  /** The item ranks in the top-k with the history reduced to the evidence (probability of sufficiency). */
  boolean isSufficient(int rankWithEvidenceOnly) {
    return rankWithEvidenceOnly >= 1 && rankWithEvidenceOnly <= topK;
  }
}
