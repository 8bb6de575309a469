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
 * @param viaSharedOrders aligned with {@code viaItemIds}: the dataset's baskets holding both
 * @param purchases for popular: its purchases in the store (what it was retrieved by); else 0
 * @param bestSeller for popular: one of the shop's {@link BestSellers}; else false
 */
public record RetrievedCandidate(
    String itemId, Set<CandidateSource> sources, double score, List<String> viaItemIds,
    List<Integer> viaSharedOrders, long purchases, boolean bestSeller) {
  public RetrievedCandidate {
    requireNonNull(itemId, "itemId");
    sources = Set.copyOf(sources);
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("a candidate needs at least one source");
    }
    viaItemIds = List.copyOf(viaItemIds);
    viaSharedOrders = List.copyOf(viaSharedOrders);
    if (viaSharedOrders.size() != viaItemIds.size()) {
      throw new IllegalArgumentException("one shared-order count per via item");
    }
  }
}
