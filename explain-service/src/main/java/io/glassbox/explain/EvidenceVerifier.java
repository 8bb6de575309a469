package io.glassbox.explain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides which candidate evidence may be cited, strictly: an item is cited only if removing it
 * alone lowers the target's rank and score, and the cited set is reported with the rank measured
 * without exactly that set.
 */
final class EvidenceVerifier {
  /** The single item whose removal hurts the target most. */
  private static final Comparator<Judgement.Cited> STRONGEST = Comparator
      .comparingInt((Judgement.Cited c) -> c.measurement().rankWithout())
      .thenComparingDouble(c -> c.measurement().scoreDrop());

  private EvidenceVerifier() {}

  /**
   * Judges {@code candidates} of {@code target} from a batch built by
   * {@link CounterfactualBatch#forCandidates} and its scores.
   */
  static Judgement judge(
      String target, List<String> candidates, CounterfactualBatch batch, List<Map<String, Float>> scores) {
    if (candidates.isEmpty()) {
      return new Judgement.NotCited();
    }
    List<Judgement.Cited> singles = new ArrayList<>();
    for (String candidate : candidates) {
      batch.measure(target, List.of(candidate), scores)
          .filter(Measurement::lowersRank)
          .ifPresent(m -> singles.add(new Judgement.Cited(List.of(candidate), m)));
    }
    if (singles.isEmpty()) {
      return new Judgement.NotCited();
    }
    Judgement.Cited bestSingle = singles.stream().max(STRONGEST).orElseThrow();
    if (singles.size() == 1) {
      return bestSingle;
    }
    List<String> subset = singles.stream().map(c -> c.itemIds().get(0)).toList();
    if (subset.size() < candidates.size()) {
      return new Judgement.SubsetToMeasure(subset, bestSingle);
    }
    // Every candidate qualifies on its own, so the whole-set row of this batch is the subset's row.
    return together(target, subset, batch, scores).orElse(bestSingle);
  }

  /**
   * Settles a {@link Judgement.SubsetToMeasure} from a batch built by
   * {@link CounterfactualBatch#forRemovals} that holds its subset.
   */
  static Judgement.Cited resolve(
      String target, Judgement.SubsetToMeasure pending, CounterfactualBatch batch,
      List<Map<String, Float>> scores) {
    return together(target, pending.itemIds(), batch, scores).orElse(pending.bestSingle());
  }

  /** The subset, if removing it together lowers the rank (model interactions can undo that). */
  private static Optional<Judgement.Cited> together(
      String target, List<String> subset, CounterfactualBatch batch, List<Map<String, Float>> scores) {
    return batch.measure(target, subset, scores)
        .filter(Measurement::lowersRank)
        .map(m -> new Judgement.Cited(subset, m));
  }
}
