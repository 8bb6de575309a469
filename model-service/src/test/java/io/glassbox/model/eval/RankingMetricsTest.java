package io.glassbox.model.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RankingMetricsTest {

  @Test
  void fullRank_countsOnlyStrictlyHigherItemsOutsideTheHistory() {
    // index:          0     1     2     3     4     5
    float[] scores = {9f, 0.5f, 0.9f, 0.5f, 0.7f, 0.8f};
    BitSet history = new BitSet();
    history.set(5);

    // Index 0 (padding) is never a candidate; 5 is in the history; 3 ties with 1 and does not count.
    assertEquals(2, Evaluator.fullRank(scores, history, 1));
    assertEquals(0, Evaluator.fullRank(scores, history, 2));
  }

  @Test
  void means_followTheTrainersDefinitions() {
    RankingMetrics metrics = new RankingMetrics();
    metrics.add(List.of(12));
    metrics.add(List.of(4, 0));

    Map<String, Double> means = metrics.means();

    double ideal = 1 + 1 / log2(3);
    assertEquals(0.5, means.get("hr@5"), 1e-12);
    assertEquals(0.5, means.get("hr@10"), 1e-12);
    assertEquals((1 + 1 / log2(6)) / ideal / 2, means.get("ndcg@5"), 1e-12);
    assertEquals((1.0 / 13 + 1.0) / 2, means.get("mrr"), 1e-12);
    assertEquals(2, metrics.cases());
  }

  @Test
  void means_withoutCases_isEmpty() {
    assertTrue(new RankingMetrics().means().isEmpty());
  }

  private static double log2(double value) {
    return Math.log(value) / Math.log(2);
  }
}
