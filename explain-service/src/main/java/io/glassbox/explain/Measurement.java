package io.glassbox.explain;

import java.util.Map;
import java.util.OptionalInt;

/**
 * What removing some history items did to one target, measured within one scoring of the slate.
 *
 * @param rank the target's 1-based rank among the slate with the full history
 * @param rankWithout its rank after the items were removed and the slate re-scored
 * @param score its score with the full history
 * @param scoreWithout its score without the items
 */
record Measurement(int rank, int rankWithout, float score, float scoreWithout) {

  /** How much the target's score fell; positive when the removed items were helping it. */
  float scoreDrop() {
    return score - scoreWithout;
  }

  /** True when the removed items are real evidence: without them the target ranks lower and scores less. */
  boolean lowersRank() {
    return rankWithout > rank && scoreDrop() > 0;
  }

  /**
   * The 1-based rank of {@code itemId} among {@code scores}: one plus the number of slate items
   * with a strictly higher score. Empty when the item was not scored (unknown to the model).
   */
  static OptionalInt rankOf(Map<String, Float> scores, String itemId) {
    Float own = scores.get(itemId);
    if (own == null) {
      return OptionalInt.empty();
    }
    int higher = 0;
    for (float other : scores.values()) {
      if (other > own) {
        higher++;
      }
    }
    return OptionalInt.of(higher + 1);
  }
}
