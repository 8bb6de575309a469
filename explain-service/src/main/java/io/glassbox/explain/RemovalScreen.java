package io.glassbox.explain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Picks which evidence sets are worth an exact removal row, from the leave-one-out rows (the record
 * without each history item alone, scored on a shortlist of candidates). Removing a set is
 * predicted to lower each candidate's score by the sum of its items' single effects, and the
 * target's rank is predicted among the shortlist from that. The prediction ignores interactions
 * between the removed items, so it only chooses what to measure; nothing it predicts is stated.
 */
final class RemovalScreen {
  /** Most distinct history items per target whose sets are predicted (the pool). */
  static final int POOL = 6;

  private final List<String> items;
  /** Candidate ids; {@link #scores} and {@link #effects} are aligned with them. */
  private final Map<String, Integer> candidateIndex = new HashMap<>();
  private final float[] scores;
  /** Per candidate: each item's effect on its score, aligned with {@link #items}. */
  private final float[][] effects;

  private RemovalScreen(List<String> items, Map<String, Float> baseline, Map<String, float[]> effects) {
    this.items = List.copyOf(items);
    this.scores = new float[baseline.size()];
    this.effects = new float[baseline.size()][];
    float[] none = new float[items.size()];
    for (Map.Entry<String, Float> candidate : baseline.entrySet()) {
      int c = candidateIndex.size();
      candidateIndex.put(candidate.getKey(), c);
      scores[c] = candidate.getValue();
      this.effects[c] = effects.getOrDefault(candidate.getKey(), none);
    }
  }

  /**
   * From leave-one-out rows: each item's effect on a candidate is how much its score falls when
   * the item alone is removed from the record.
   *
   * @param items the history items removed one at a time (each row measured in {@code scores})
   * @param scores the baseline and each {@code Counterfactual.without(item)} row, on the
   *     candidates to rank among
   */
  static RemovalScreen fromLeaveOneOut(List<String> items, CounterfactualScores scores) {
    Map<String, Float> baseline = scores.scores(Counterfactual.BASELINE);
    Map<String, float[]> effects = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      Map<String, Float> without = scores.scores(Counterfactual.without(List.of(items.get(i))));
      for (Map.Entry<String, Float> candidate : baseline.entrySet()) {
        Float after = without.get(candidate.getKey());
        effects.computeIfAbsent(candidate.getKey(), k -> new float[items.size()])[i] =
            after == null ? 0 : candidate.getValue() - after;
      }
    }
    return new RemovalScreen(items, baseline, effects);
  }

  /**
   * A set of history items and what removing it is predicted to do to one target.
   *
   * @param itemIds the set, strongest contributor first
   * @param predictedRankWithout the target's predicted rank among all candidates without it
   */
  record Prediction(List<String> itemIds, int predictedRankWithout) {}

  /**
   * The history items that raise {@code target}'s score (positive effect), largest first, at most
   * {@code limit}; empty when the target was not screened.
   */
  List<String> helpers(String target, int limit) {
    Integer c = candidateIndex.get(target);
    if (c == null) {
      return List.of();
    }
    float[] own = effects[c];
    List<Integer> positive = new ArrayList<>();
    for (int i = 0; i < own.length; i++) {
      if (own[i] > 0) {
        positive.add(i);
      }
    }
    positive.sort(Comparator.comparingDouble((Integer i) -> own[i]).reversed());
    return positive.subList(0, Math.min(limit, positive.size())).stream().map(items::get).toList();
  }

  /**
   * Every helper of the target alone, and every set of 2..{@code maxSize} of its {@link #POOL}
   * strongest helpers, with its predicted rank; empty when nothing helps the target. A single
   * removal's prediction is its leave-one-out row itself, exact among these candidates, and a
   * helper adding little to the target's own score can still take it out alone by lifting the
   * items just below it: customer 12350's #9, 85123A, drops to #11 without 21832 (its score
   * falls by 0.03) but stays #10 without any of its 6 strongest helpers (0.10 to 0.25), and was
   * cited a set of three of them.
   */
  List<Prediction> predict(String target, int maxSize) {
    List<String> helpers = helpers(target, Integer.MAX_VALUE);
    if (helpers.isEmpty()) {
      return List.of();
    }
    List<Prediction> predictions = new ArrayList<>();
    for (String helper : helpers) {
      predictions.add(new Prediction(List.of(helper), predictedRank(target, new int[] {items.indexOf(helper)})));
    }
    List<String> pool = helpers.subList(0, Math.min(POOL, helpers.size()));
    int[] poolIndex = pool.stream().mapToInt(items::indexOf).toArray();
    List<int[]> subsets = new ArrayList<>();
    subsets(pool.size(), Math.min(maxSize, pool.size()), 0, new int[0], subsets);
    subsets.removeIf(subset -> subset.length == 1);
    for (int[] subset : subsets) {
      int[] removed = new int[subset.length];
      for (int s = 0; s < subset.length; s++) {
        removed[s] = poolIndex[subset[s]];
      }
      List<String> ids = new ArrayList<>();
      for (int s : subset) {
        ids.add(pool.get(s));
      }
      predictions.add(new Prediction(List.copyOf(ids), predictedRank(target, removed)));
    }
    return predictions;
  }

  /** The target's predicted rank among all candidates without the window items {@code removed}. */
  private int predictedRank(String target, int[] removed) {
    int t = candidateIndex.get(target);
    float own = predictedScore(t, removed);
    int higher = 0;
    for (int c = 0; c < scores.length; c++) {
      if (c != t && predictedScore(c, removed) > own) {
        higher++;
      }
    }
    return higher + 1;
  }

  private float predictedScore(int candidate, int[] removed) {
    float score = scores[candidate];
    float[] contribution = effects[candidate];
    for (int i : removed) {
      score -= contribution[i];
    }
    return score;
  }

  /** Appends every increasing index tuple of length 1..{@code maxSize} over 0..{@code n-1}. */
  private static void subsets(int n, int maxSize, int from, int[] prefix, List<int[]> out) {
    for (int i = from; i < n; i++) {
      int[] next = java.util.Arrays.copyOf(prefix, prefix.length + 1);
      next[prefix.length] = i;
      out.add(next);
      if (next.length < maxSize) {
        subsets(n, maxSize, i + 1, next, out);
      }
    }
  }
}
