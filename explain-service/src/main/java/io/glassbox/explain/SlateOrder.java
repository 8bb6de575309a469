package io.glassbox.explain;

import java.util.List;
import java.util.Map;

/**
 * The order Recommend shows a user's candidates in: the higher model score first; candidates with
 * equal scores in the order the caller sent them. The gateway sends them in the order Recommend
 * breaks ties in (the better retrieval score first, then retrieval order), so ExplainItem, WhyNot
 * and WhatIf take the top-k Recommend showed, even where scores tie at place k, and the model
 * insights rank ties in retrieval order.
 */
final class SlateOrder {
  private SlateOrder() {}

  /**
   * The ids of {@code candidates} (distinct, in the caller's order) that {@code scores} holds, best
   * first; candidates without a score (unknown to the model, or no longer ranked) are left out.
   */
  static List<String> bestFirst(Map<String, Float> scores, List<String> candidates) {
    return candidates.stream()
        .filter(scores::containsKey)
        .sorted((a, b) -> Float.compare(scores.get(b), scores.get(a))) // stable: ties keep their order
        .toList();
  }

  /** The best {@code k} of {@link #bestFirst} (fewer when fewer are scored). */
  static List<String> top(Map<String, Float> scores, List<String> candidates, int k) {
    return top(bestFirst(scores, candidates), k);
  }

  /**
   * The 1-based place of {@code itemId} in {@link #bestFirst}: one plus the candidates scoring
   * higher and those of its score sent before it. The same as its rank ({@link Measurement#rankOf})
   * unless it ties another candidate; tied with the k-th and sent after it, it is placed k + 1,
   * outside a top-k Recommend shows without it. {@code itemId} must be scored.
   */
  static int place(Map<String, Float> scores, List<String> candidates, String itemId) {
    float own = scores.get(itemId);
    int before = 0;
    boolean reached = false;
    for (String id : candidates) {
      Float other = scores.get(id);
      if (id.equals(itemId)) {
        reached = true;
      } else if (other != null) {
        // Float.compare, as bestFirst orders them (0.0 above -0.0).
        int order = Float.compare(other, own);
        if (order > 0 || order == 0 && !reached) {
          before++;
        }
      }
    }
    return before + 1;
  }

  /** The first {@code k} of a {@link #bestFirst} list (all of it when shorter). */
  static List<String> top(List<String> bestFirst, int k) {
    return bestFirst.subList(0, Math.min(k, bestFirst.size()));
  }
}
