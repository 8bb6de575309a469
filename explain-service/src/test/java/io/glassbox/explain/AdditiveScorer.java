package io.glassbox.explain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A transparent model for tests: a candidate's score is the sum, over every history item, of a
 * fixed weight {@code w[history item][candidate]} (0 when not set), so each history item's
 * contribution is exactly its weight and every rank can be worked out by hand.
 */
final class AdditiveScorer {
  private final Map<String, Map<String, Float>> weights = new HashMap<>();
  private final Set<String> vocabulary = new HashSet<>();

  /** Adds items the model knows (with no weights of their own). */
  AdditiveScorer know(String... itemIds) {
    vocabulary.addAll(List.of(itemIds));
    return this;
  }

  /** Sets {@code w[historyItem][candidate]}; both become known items. */
  AdditiveScorer weight(String historyItem, String candidate, float weight) {
    know(historyItem, candidate);
    weights.computeIfAbsent(historyItem, k -> new HashMap<>()).put(candidate, weight);
    return this;
  }

  boolean knows(String itemId) {
    return vocabulary.contains(itemId);
  }

  float weight(String historyItem, String candidate) {
    return weights.getOrDefault(historyItem, Map.of()).getOrDefault(candidate, 0f);
  }

  /** Scores of the known candidates, in candidate order; unknown history items are ignored. */
  Map<String, Float> score(List<String> history, List<String> candidates) {
    Map<String, Float> scores = new LinkedHashMap<>();
    for (String candidate : candidates) {
      if (!knows(candidate)) {
        continue;
      }
      float score = 0;
      for (String item : history) {
        score += weight(item, candidate);
      }
      scores.put(candidate, score);
    }
    return scores;
  }

  /** Each history item's contribution to {@code candidate}: its weight. */
  List<Float> contribution(List<String> history, String candidate) {
    List<Float> contribution = new ArrayList<>(history.size());
    for (String item : history) {
      contribution.add(weight(item, candidate));
    }
    return contribution;
  }

  /** The 1-based rank of {@code target} among {@code slate} for {@code history}. */
  int rank(List<String> history, List<String> slate, String target) {
    return Measurement.rankOf(score(history, slate), target).orElseThrow();
  }
}
