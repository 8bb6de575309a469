package io.glassbox.explain;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The scores of every ranked candidate under each counterfactual record edit scored so far, all
 * by one model version. Ranks are counted among all the candidates the model scored: 1 plus the
 * number of candidates with a strictly higher score under the same edit.
 */
final class CounterfactualScores {
  private final Map<Counterfactual, Map<String, Float>> byEdit = new HashMap<>();

  /** Records the scores of {@code edits}, in the order of {@code rows}. */
  void add(List<Counterfactual> edits, List<Map<String, Float>> rows) {
    if (edits.size() != rows.size()) {
      throw new IllegalArgumentException(edits.size() + " edits but " + rows.size() + " scored rows");
    }
    for (int i = 0; i < edits.size(); i++) {
      byEdit.put(edits.get(i), rows.get(i));
    }
  }

  /** Every edit's scores of {@code ids} only (a candidate's score does not depend on the others). */
  CounterfactualScores narrowedTo(Set<String> ids) {
    CounterfactualScores narrowed = new CounterfactualScores();
    byEdit.forEach((edit, scores) -> {
      Map<String, Float> kept = new HashMap<>();
      scores.forEach((id, score) -> {
        if (ids.contains(id)) {
          kept.put(id, score);
        }
      });
      narrowed.byEdit.put(edit, kept);
    });
    return narrowed;
  }

  boolean has(Counterfactual edit) {
    return byEdit.containsKey(edit);
  }

  /** How many candidates the model scored with the full record (what ranks are counted among). */
  int rankedCount() {
    return scores(Counterfactual.BASELINE).size();
  }

  /** The item's score under {@code edit}; empty when the model did not score it. */
  Optional<Float> score(String itemId, Counterfactual edit) {
    return Optional.ofNullable(scores(edit).get(itemId));
  }

  /** The item's rank under {@code edit}; empty when the model did not score it. */
  OptionalInt rank(String itemId, Counterfactual edit) {
    return Measurement.rankOf(scores(edit), itemId);
  }

  /** All scores under {@code edit}. */
  Map<String, Float> scores(Counterfactual edit) {
    Map<String, Float> scores = byEdit.get(edit);
    if (scores == null) {
      throw new IllegalArgumentException("not scored: " + edit);
    }
    return scores;
  }

  /** What removing {@code removed} from the record did to the item; empty when it was not scored. */
  Optional<Measurement> measure(String itemId, Counterfactual removal) {
    OptionalInt rank = rank(itemId, Counterfactual.BASELINE);
    OptionalInt rankWithout = rank(itemId, removal);
    if (rank.isEmpty() || rankWithout.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Measurement(rank.getAsInt(), rankWithout.getAsInt(),
        scores(Counterfactual.BASELINE).get(itemId), scores(removal).get(itemId)));
  }
}
