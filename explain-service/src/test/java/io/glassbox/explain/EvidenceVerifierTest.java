package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class EvidenceVerifierTest {
  private static final List<String> HISTORY = List.of("a", "b", "c", "d", "n");
  private static final List<String> SLATE = List.of("t", "x", "y", "z");

  /*
   * Scores with the full history: t 5.5 (a 3, b 2, c 0.5), x 4 (d), z 0, y -8 (d 1, n -9).
   * Without a: t 2.5 -> #2. Without b: t 3.5 -> #2. Without c: t 5 -> still #1.
   * Without {a, b}: t 0.5 -> #2 (x is above it).
   * Removing n lifts y above z without touching z's own score.
   */
  private final AdditiveScorer scorer = new AdditiveScorer()
      .weight("a", "t", 3f).weight("b", "t", 2f).weight("c", "t", 0.5f)
      .weight("d", "x", 4f).weight("d", "y", 1f)
      .weight("n", "y", -9f)
      .know("z");

  private List<Map<String, Float>> score(CounterfactualBatch batch) {
    return batch.histories(HISTORY).stream().map(h -> scorer.score(h, SLATE)).toList();
  }

  private Judgement judge(String target, List<String> candidates) {
    CounterfactualBatch batch = CounterfactualBatch.forCandidates(List.of(candidates));
    return EvidenceVerifier.judge(target, candidates, batch, score(batch));
  }

  @Test
  void judge_everyCandidateLowersRank_citesTheSetWithItsOwnMeasurement() {
    Judgement judgement = judge("t", List.of("a", "b"));

    assertEquals(new Judgement.Cited(List.of("a", "b"), new Measurement(1, 2, 5.5f, 0.5f)), judgement);
  }

  @Test
  void judge_someCandidatesDoNotLowerRank_asksForTheSubsetOfThoseThatDo() {
    Judgement judgement = judge("t", List.of("a", "b", "c"));

    Judgement.SubsetToMeasure pending = assertInstanceOf(Judgement.SubsetToMeasure.class, judgement);
    assertEquals(List.of("a", "b"), pending.itemIds());
    // a hurts most on its own (score 5.5 -> 2.5).
    assertEquals(new Judgement.Cited(List.of("a"), new Measurement(1, 2, 5.5f, 2.5f)), pending.bestSingle());

    CounterfactualBatch subsets = CounterfactualBatch.forRemovals(List.of(pending.itemIds()));
    Judgement.Cited cited = EvidenceVerifier.resolve("t", pending, subsets, score(subsets));
    assertEquals(new Judgement.Cited(List.of("a", "b"), new Measurement(1, 2, 5.5f, 0.5f)), cited);
  }

  @Test
  void judge_onlyOneCandidateLowersRank_citesItAlone() {
    Judgement judgement = judge("t", List.of("a", "c"));

    assertEquals(new Judgement.Cited(List.of("a"), new Measurement(1, 2, 5.5f, 2.5f)), judgement);
  }

  @Test
  void judge_scoreDropsButRankHolds_citesNothing() {
    // Without d, x falls from 4 to 0 but stays #2 (t is still above, y and z tie with it).
    assertEquals(new Judgement.NotCited(), judge("x", List.of("d")));
  }

  @Test
  void judge_lastItemLosingScore_citesNothing() {
    // y is last with the full history (-8) and without d (-9): its rank cannot fall.
    assertEquals(new Judgement.NotCited(), judge("y", List.of("d")));
  }

  @Test
  void judge_rankFallsOnlyBecauseOthersRise_citesNothing() {
    // Removing n lifts y from -8 to 1 but leaves z's own score (0) unchanged: z drops from #3 to #4.
    assertEquals(new Judgement.NotCited(), judge("z", List.of("n")));
  }

  @Test
  void judge_targetNotScored_citesNothing() {
    assertEquals(new Judgement.NotCited(), judge("unknown", List.of("a")));
  }

  @Test
  void resolve_subsetThatStopsLoweringRankTogether_fallsBackToBestSingle() {
    Judgement.Cited best = new Judgement.Cited(List.of("a"), new Measurement(1, 2, 5f, 3f));
    Judgement.SubsetToMeasure pending = new Judgement.SubsetToMeasure(List.of("a", "b"), best);
    CounterfactualBatch batch = CounterfactualBatch.forRemovals(List.of(List.of("a", "b")));
    // A model with interactions: without both, everything else falls further than t does.
    List<Map<String, Float>> scores = List.of(
        Map.of("t", 5f, "x", 4f),
        Map.of("t", 1f, "x", 0f));

    assertEquals(best, EvidenceVerifier.resolve("t", pending, batch, scores));
  }

  @Test
  void rowsPerCall_staysWithinTheModelServiceLimits() {
    assertEquals(256, ModelClient.rowsPerCall(1));
    assertEquals(256, ModelClient.rowsPerCall(500));
    assertEquals(100, ModelClient.rowsPerCall(2000));
    assertEquals(1, ModelClient.rowsPerCall(1_000_000));
  }
}
