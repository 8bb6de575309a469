package io.glassbox.model.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mean ranking metrics over cases, with the trainer's definitions (trainer/README.md): the rank
 * of a target is the number of candidates scoring strictly higher (0-based; ties count in the
 * target's favour); with ranks r over the case's targets T,
 * HR@K = 1 if min r < K; NDCG@K = sum_{r < K} 1/log2(r+2) / sum_{i < min(|T|, K)} 1/log2(i+2);
 * MRR = 1 / (min r + 1).
 */
public final class RankingMetrics {
  static final int[] CUTOFFS = {5, 10};

  private final double[] hits = new double[CUTOFFS.length];
  private final double[] ndcg = new double[CUTOFFS.length];
  private double reciprocalRanks;
  private int cases;

  /** Adds one case given its targets' ranks (at least one). */
  public void add(List<Integer> ranks) {
    if (ranks.isEmpty()) {
      throw new IllegalArgumentException("a case needs at least one ranked target");
    }
    int best = ranks.stream().mapToInt(Integer::intValue).min().orElseThrow();
    reciprocalRanks += 1.0 / (best + 1);
    for (int k = 0; k < CUTOFFS.length; k++) {
      int cutoff = CUTOFFS[k];
      double dcg = 0;
      for (int rank : ranks) {
        if (rank < cutoff) {
          dcg += 1.0 / log2(rank + 2);
        }
      }
      double ideal = 0;
      for (int i = 0; i < Math.min(ranks.size(), cutoff); i++) {
        ideal += 1.0 / log2(i + 2);
      }
      hits[k] += best < cutoff ? 1 : 0;
      ndcg[k] += dcg / ideal;
    }
    cases++;
  }

  public int cases() {
    return cases;
  }

  /** Means by name: hr@5, hr@10, ndcg@5, ndcg@10, mrr (empty when no case was added). */
  public Map<String, Double> means() {
    Map<String, Double> means = new LinkedHashMap<>();
    if (cases == 0) {
      return means;
    }
    for (int k = 0; k < CUTOFFS.length; k++) {
      means.put("hr@" + CUTOFFS[k], hits[k] / cases);
    }
    for (int k = 0; k < CUTOFFS.length; k++) {
      means.put("ndcg@" + CUTOFFS[k], ndcg[k] / cases);
    }
    means.put("mrr", reciprocalRanks / cases);
    return means;
  }

  private static double log2(double value) {
    return Math.log(value) / Math.log(2);
  }
}
