package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Set;

/**
 * One retrieved candidate.
 *
 * @param sources every source that produced it; never empty
 * @param score higher is better; comparable only within one retrieval
 * @param viaItemIds for co-purchase: up to 3 history items that led to it, strongest first
 */
public record RetrievedCandidate(
    String itemId, Set<CandidateSource> sources, double score, List<String> viaItemIds) {
  public RetrievedCandidate {
    requireNonNull(itemId, "itemId");
    sources = Set.copyOf(sources);
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("a candidate needs at least one source");
    }
    viaItemIds = List.copyOf(viaItemIds);
  }
}
