package io.glassbox.gateway;

import static java.util.Objects.requireNonNull;

import io.glassbox.api.v1.Candidate;
import java.util.List;

/**
 * A candidate with the score it is ranked by.
 *
 * @param candidate the candidate as retrieved (sources, via items, retrieval score)
 * @param score the model's score, or the retrieval score when the ranking is degraded
 * @param contribution each model history item's additive share of the score, aligned with
 *     {@link RankedSlate#modelHistory()}; empty when the model gave none
 */
record RankedCandidate(Candidate candidate, double score, List<Float> contribution) {
  RankedCandidate {
    requireNonNull(candidate, "candidate");
    contribution = List.copyOf(contribution);
  }

  String itemId() {
    return candidate.getItemId();
  }
}
