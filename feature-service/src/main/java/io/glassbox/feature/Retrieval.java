package io.glassbox.feature;

import java.util.List;

/**
 * The candidates retrieved for one user.
 *
 * @param candidates best score first, no duplicates
 * @param knownUser false when the user has no history (then only popular items are returned)
 */
public record Retrieval(List<RetrievedCandidate> candidates, boolean knownUser) {
  public Retrieval {
    candidates = List.copyOf(candidates);
  }
}
