package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CounterfactualBatchTest {
  private static final List<String> HISTORY = List.of("a", "b", "a", "c");

  @Test
  void forCandidates_hasBaselineSetAndSingleRows_sharingDuplicates() {
    // Target 1 tests {a, b}; target 2 tests {b, a} (the same set) and target 3 only {b}.
    CounterfactualBatch batch = CounterfactualBatch.forCandidates(
        List.of(List.of("a", "b"), List.of("b", "a"), List.of("b"), List.of()));

    assertEquals(List.of(
            HISTORY,                   // baseline
            List.of("c"),              // without {a, b}
            List.of("b", "c"),         // without a: both occurrences go
            List.of("a", "a", "c")),   // without b
        batch.histories(HISTORY));
  }

  @Test
  void forRemovals_hasBaselineAndOneRowPerSet() {
    CounterfactualBatch batch = CounterfactualBatch.forRemovals(List.of(List.of("a", "c")));

    assertEquals(List.of(HISTORY, List.of("b")), batch.histories(HISTORY));
  }

  @Test
  void measure_readsRanksAndScoresFromBaselineAndRemovalRows() {
    CounterfactualBatch batch = CounterfactualBatch.forRemovals(List.of(List.of("a")));
    List<Map<String, Float>> scores = List.of(
        Map.of("t", 5f, "x", 4f, "y", 1f),
        Map.of("t", 2f, "x", 4f, "y", 3f));

    Measurement m = batch.measure("t", List.of("a"), scores).orElseThrow();

    assertEquals(new Measurement(1, 3, 5f, 2f), m);
    assertEquals(3f, m.scoreDrop());
    assertTrue(m.lowersRank());
  }

  @Test
  void measure_unscoredTarget_isEmpty() {
    CounterfactualBatch batch = CounterfactualBatch.forRemovals(List.of(List.of("a")));
    List<Map<String, Float>> scores = List.of(Map.of("x", 1f), Map.of("x", 0f));

    assertTrue(batch.measure("t", List.of("a"), scores).isEmpty());
  }

  @Test
  void measure_removalWithoutRow_isRejected() {
    CounterfactualBatch batch = CounterfactualBatch.forRemovals(List.of(List.of("a")));
    List<Map<String, Float>> scores = List.of(Map.of("t", 1f), Map.of("t", 0f));

    assertThrows(IllegalArgumentException.class, () -> batch.measure("t", List.of("b"), scores));
  }

  @Test
  void rankOf_countsOnlyStrictlyHigherScores() {
    Map<String, Float> scores = Map.of("t", 2f, "tie", 2f, "higher", 3f, "lower", 1f);

    assertEquals(OptionalInt.of(2), Measurement.rankOf(scores, "t"));
    assertEquals(OptionalInt.of(2), Measurement.rankOf(scores, "tie"));
    assertEquals(OptionalInt.of(4), Measurement.rankOf(scores, "lower"));
    assertEquals(OptionalInt.empty(), Measurement.rankOf(scores, "absent"));
  }

  @Test
  void lowersRank_needsBothALowerRankAndALowerScore() {
    assertTrue(new Measurement(1, 2, 5f, 4f).lowersRank());
    // Rank fell because other items rose, but the target's own score did not drop.
    assertEquals(false, new Measurement(1, 2, 5f, 5f).lowersRank());
    // Score dropped but the rank held.
    assertEquals(false, new Measurement(1, 1, 5f, 1f).lowersRank());
  }
}
