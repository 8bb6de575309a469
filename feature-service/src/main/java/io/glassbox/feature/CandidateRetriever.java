package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Retrieves candidates for a user from two sources.
 *
 * <p><b>Co-purchase</b>: each of the user's {@code recentItems} most recent distinct items votes
 * for its co-purchase neighbours with (shared baskets × recency weight), the weight being
 * {@value #RECENCY_DECAY}^r for the r-th most recent item (r = 0, 1, ...), so what the user
 * bought last counts most. A candidate's score is the sum of its votes; the history items that
 * gave it the most are its {@code via} items.
 *
 * <p><b>Popular</b>: the {@code limit} most bought items. An item that is only popular scores
 * below the smallest possible co-purchase vote (one shared basket × the smallest weight), scaled
 * by its purchases, so co-purchase candidates always come first and popular ones follow in
 * popularity order. An item found by both sources carries both, and its popularity share breaks
 * ties among co-purchase candidates.
 *
 * <p>Items of the user's history are dropped from both sources when asked.
 */
public final class CandidateRetriever {
  /** Weight ratio between consecutive recent items. */
  static final double RECENCY_DECAY = 0.9;
  /** Most history items named as the reason for a co-purchase candidate. */
  static final int MAX_VIA_ITEMS = 3;

  private static final Comparator<Scored> BEST_FIRST =
      Comparator.comparingDouble((Scored s) -> -s.score).thenComparing(s -> s.itemId);

  private final EventStore store;
  private final int recentItems;

  @Inject
  public CandidateRetriever(EventStore store, FeatureConfig config) {
    this(store, config.recentItems());
  }

  CandidateRetriever(EventStore store, int recentItems) {
    this.store = requireNonNull(store, "store");
    if (recentItems < 1) {
      throw new IllegalArgumentException("recentItems must be >= 1, got " + recentItems);
    }
    this.recentItems = recentItems;
  }

  /** Up to {@code limit} candidates for {@code userId}, best first. */
  public Retrieval retrieve(String userId, int limit, boolean excludeHistory) {
    var user = store.userItems(userId, recentItems);
    Set<String> excluded = excludeHistory && user.isPresent() ? user.get().allItemIds() : Set.of();

    Map<String, Scored> byItem = new HashMap<>();
    if (user.isPresent()) {
      List<String> recent = user.get().recentDistinctItemIds();
      for (int r = 0; r < recent.size(); r++) {
        double weight = Math.pow(RECENCY_DECAY, r);
        String via = recent.get(r);
        for (CoPurchaseNeighbour neighbour : store.coPurchaseNeighbours(via)) {
          if (!excluded.contains(neighbour.itemId())) {
            byItem.computeIfAbsent(neighbour.itemId(), Scored::new)
                .vote(via, weight * neighbour.sharedBaskets());
          }
        }
      }
    }
    // Only the best `limit` co-purchase candidates can make it into the answer.
    List<Scored> coPurchase = new ArrayList<>(byItem.values());
    coPurchase.sort(BEST_FIRST);
    Map<String, Scored> kept = new HashMap<>();
    for (Scored scored : coPurchase.subList(0, Math.min(limit, coPurchase.size()))) {
      kept.put(scored.itemId, scored);
    }

    double smallestVote = Math.pow(RECENCY_DECAY, recentItems - 1);
    List<PopularItem> popular = store.mostPurchased(limit + excluded.size());
    long mostPurchases = popular.isEmpty() ? 0 : popular.get(0).purchases();
    int popularTaken = 0;
    for (PopularItem item : popular) {
      if (popularTaken == limit) {
        break;
      }
      if (excluded.contains(item.itemId())) {
        continue;
      }
      popularTaken++;
      double share = smallestVote * item.purchases() / (mostPurchases + 1.0);
      kept.computeIfAbsent(item.itemId(), Scored::new).markPopular(share);
    }

    List<Scored> ranked = new ArrayList<>(kept.values());
    ranked.sort(BEST_FIRST);
    List<RetrievedCandidate> candidates = new ArrayList<>(Math.min(limit, ranked.size()));
    for (Scored scored : ranked.subList(0, Math.min(limit, ranked.size()))) {
      candidates.add(scored.toCandidate());
    }
    return new Retrieval(candidates, user.isPresent());
  }

  /** A candidate being scored. */
  private static final class Scored {
    final String itemId;
    final Set<CandidateSource> sources = EnumSet.noneOf(CandidateSource.class);
    final Map<String, Double> votesByVia = new HashMap<>();
    double score;

    Scored(String itemId) {
      this.itemId = itemId;
    }

    void vote(String via, double vote) {
      sources.add(CandidateSource.CO_PURCHASE);
      votesByVia.merge(via, vote, Double::sum);
      score += vote;
    }

    void markPopular(double share) {
      sources.add(CandidateSource.POPULAR);
      score += share;
    }

    RetrievedCandidate toCandidate() {
      List<String> via = votesByVia.entrySet().stream()
          .sorted(Map.Entry.<String, Double>comparingByValue().reversed()
              .thenComparing(Map.Entry.comparingByKey()))
          .limit(MAX_VIA_ITEMS)
          .map(Map.Entry::getKey)
          .toList();
      return new RetrievedCandidate(itemId, sources, score, via);
    }
  }
}
