package io.glassbox.gateway;

import io.glassbox.api.v1.ExplainResponse;
import io.glassbox.api.v1.ItemExplanation;
import io.glassbox.api.v1.Reason;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the explain service said about a request's items, or why it said nothing.
 *
 * @param reasonsByItem reasons by item id, as the explain service wrote them, less any co-purchase
 *     reason that names no pair ({@link CitablePairs#namingTheirPairs})
 * @param outcome whether the explain service answered, was not asked, or failed
 */
record Explanations(Map<String, List<Reason>> reasonsByItem, Outcome outcome) {

  /** How the explain step went. */
  enum Outcome {
    /** The explain service answered. */
    EXPLAINED,
    /** It was not asked: retrieval reasons are all there is to say (an unknown user). */
    NOT_ASKED,
    /** It failed, ran out of time, or could not be asked because the model could not rank. */
    FAILED
  }

  Explanations {
    reasonsByItem = Map.copyOf(reasonsByItem);
  }

  static Explanations from(ExplainResponse response) {
    Map<String, List<Reason>> byItem = new HashMap<>();
    for (ItemExplanation explanation : response.getExplanationsList()) {
      List<Reason> reasons = CitablePairs.namingTheirPairs(explanation.getReasonsList());
      if (!reasons.isEmpty()) {
        byItem.putIfAbsent(explanation.getItemId(), reasons);
      }
    }
    return new Explanations(byItem, Outcome.EXPLAINED);
  }

  static Explanations notAsked() {
    return new Explanations(Map.of(), Outcome.NOT_ASKED);
  }

  static Explanations failed() {
    return new Explanations(Map.of(), Outcome.FAILED);
  }
}
