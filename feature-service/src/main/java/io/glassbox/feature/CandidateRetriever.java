package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Arrays;
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
 * ties among co-purchase candidates. A popular candidate says whether it is one of the shop's
 * {@link BestSellers}, which the popular source alone does not mean.
 *
 * <p><b>New items</b> (imported after the loaded dataset, see {@link CoPurchaseGraph#isNewItem}),
 * when asked for: each recent item also votes, the same way, for its strongest new-item
 * neighbours that its co-purchase neighbours do not list, and up to that many new items found by
 * co-purchase are kept even when weaker than the {@code limit}-th candidate, each in the place of
 * the weakest other. A new product that sold a few times with what the user bought is then
 * retrieved, rather than only once it has sold as often as the items' 200th neighbours.
 *
 * <p>Items of the user's history are dropped from both sources when asked.
 */
public final class CandidateRetriever {
  /** Weight ratio between consecutive recent items. */
  static final double RECENCY_DECAY = 0.9;
  /** Most history items named as the reason for a co-purchase candidate. */
  static final int MAX_VIA_ITEMS = 3;

  /** Higher score first, then item id: a total order, so equal scores rank the same every time. */
  private static final Comparator<Scored> BEST_FIRST = (a, b) -> {
    int byScore = Double.compare(b.score, a.score);
    return byScore != 0 ? byScore : a.itemId.compareTo(b.itemId);
  };

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

  /**
   * Up to {@code limit} candidates for {@code userId}, best first, of which up to
   * {@code newItems} (at most {@code limit}) new items found by co-purchase however weak.
   */
  public Retrieval retrieve(String userId, int limit, boolean excludeHistory, int newItems) {
    var user = store.userItems(userId, recentItems);
    Set<String> excluded = excludeHistory && user.isPresent() ? user.get().excludedItemIds() : Set.of();

    List<String> recent = user.isPresent() ? user.get().recentDistinctItemIds() : List.of();
    List<Scored> coPurchase = coPurchaseCandidates(recent, excluded, newItems > 0);
    // Only the best `limit` co-purchase candidates can make it into the answer, and the new
    // items kept after them.
    coPurchase.sort(BEST_FIRST);
    int best = Math.min(limit, coPurchase.size());
    Map<String, Scored> kept = new HashMap<>();
    for (Scored scored : coPurchase.subList(0, best)) {
      kept.put(scored.itemId, scored);
    }
    List<Scored> keptNewItems = new ArrayList<>();
    for (Scored scored : coPurchase.subList(best, coPurchase.size())) {
      if (keptNewItems.size() == Math.min(newItems, limit)) {
        break;
      }
      if (scored.newItem) {
        keptNewItems.add(scored);
        // In the map too, so that a popular new item is one candidate with both sources.
        kept.put(scored.itemId, scored);
      }
    }

    double smallestVote = Math.pow(RECENCY_DECAY, recentItems - 1);
    Popularity popularity = store.popularity(limit + excluded.size());
    List<PopularItem> popular = popularity.mostPurchased();
    long mostPurchases = popular.isEmpty() ? 0 : popular.get(0).purchases();
    long bestSellerPurchases = popular.isEmpty() ? Long.MAX_VALUE : BestSellers.minimumPurchases(store, popularity);
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
      kept.computeIfAbsent(item.itemId(), Scored::new)
          .markPopular(share, item.purchases(), item.purchases() >= bestSellerPurchases);
    }

    List<Scored> ranked = new ArrayList<>(kept.values());
    ranked.sort(BEST_FIRST);
    // The kept new items take the places of the weakest others. There are some only when the
    // best co-purchase candidates alone fill `limit`, so the places left go to those, and the
    // new items (weaker, and in `kept` too) are not among them.
    ranked = new ArrayList<>(ranked.subList(0, Math.min(ranked.size(), limit - keptNewItems.size())));
    ranked.addAll(keptNewItems);
    ranked.sort(BEST_FIRST);
    List<RetrievedCandidate> candidates = new ArrayList<>(ranked.size());
    for (Scored scored : ranked) {
      candidates.add(scored.toCandidate(recent));
    }
    return new Retrieval(candidates, user.isPresent());
  }

  /**
   * Every item that a recent item votes for (with {@code newItems}, through its new-item
   * neighbours too), with its votes, in no particular order. Works on the store's dense item
   * indices; only the candidates found get their ids.
   */
  private List<Scored> coPurchaseCandidates(List<String> recent, Set<String> excluded, boolean newItems) {
    if (recent.isEmpty()) {
      return new ArrayList<>();
    }
    CoPurchaseGraph graph = store.coPurchaseGraph();
    boolean[] skip = new boolean[graph.itemCount()];
    for (String itemId : excluded) {
      int index = graph.indexOf(itemId);
      if (index >= 0) {
        skip[index] = true;
      }
    }
    Scored[] byIndex = new Scored[graph.itemCount()];
    List<Scored> found = new ArrayList<>();
    for (int r = 0; r < recent.size(); r++) {
      int via = graph.indexOf(recent.get(r));
      if (via < 0) {
        continue;     // an item the graph lacks (on Redis: imported, in no order line read yet)
      }
      double weight = Math.pow(RECENCY_DECAY, r);
      vote(graph, r, weight, graph.neighbours(via), graph.sharedBaskets(via), skip, byIndex, found);
      if (newItems) {
        vote(graph, r, weight, graph.newItemNeighbours(via), graph.newItemSharedBaskets(via), skip, byIndex, found);
      }
    }
    return found;
  }

  /**
   * The {@code r}-th recent item's votes for {@code neighbours}, once per candidate: a new item
   * its co-purchase neighbours list already has its vote.
   */
  private static void vote(CoPurchaseGraph graph, int r, double weight, int[] neighbours, int[] shared,
      boolean[] skip, Scored[] byIndex, List<Scored> found) {
    for (int n = 0; n < neighbours.length; n++) {
      int item = neighbours[n];
      if (skip[item]) {
        continue;
      }
      Scored scored = byIndex[item];
      if (scored == null) {
        scored = new Scored(graph.itemIdAt(item), graph.isNewItem(item));
        byIndex[item] = scored;
        found.add(scored);
      } else if (scored.votedLastBy(r)) {
        continue;
      }
      scored.vote(r, weight * shared[n], shared[n]);
    }
  }

  /**
   * A candidate being scored. Recent items are distinct and an item's neighbours are too, so
   * each recent item votes at most once per candidate: its votes are kept as (recent-item
   * position, vote) pairs in small arrays rather than a map per candidate (retrieval visits up
   * to 20 x 200 neighbours per call; the maps were most of its time).
   */
  private static final class Scored {
    private static final int[] NO_VOTERS = new int[0];
    private static final double[] NO_VOTES = new double[0];

    final String itemId;
    /** Imported after the loaded dataset ({@link CoPurchaseGraph#isNewItem}). */
    final boolean newItem;
    boolean coPurchase;
    boolean popular;
    long purchases;
    boolean bestSeller;
    int[] voters = NO_VOTERS;
    double[] votes = NO_VOTES;
    int[] sharedOrders = NO_VOTERS;
    int voteCount;
    double score;

    Scored(String itemId) {
      this(itemId, false);
    }

    Scored(String itemId, boolean newItem) {
      this.itemId = itemId;
      this.newItem = newItem;
    }

    /** True when the last vote came from the {@code recent}-th most recent item. */
    boolean votedLastBy(int recent) {
      return voteCount > 0 && voters[voteCount - 1] == recent;
    }

    /** The vote of the {@code recent}-th most recent item, which shares {@code shared} baskets with it. */
    void vote(int recent, double vote, int shared) {
      if (voteCount == voters.length) {
        int grown = Math.max(4, voteCount * 2);
        voters = Arrays.copyOf(voters, grown);
        votes = Arrays.copyOf(votes, grown);
        sharedOrders = Arrays.copyOf(sharedOrders, grown);
      }
      voters[voteCount] = recent;
      votes[voteCount] = vote;
      sharedOrders[voteCount] = shared;
      voteCount++;
      coPurchase = true;
      score += vote;
    }

    void markPopular(double share, long purchases, boolean bestSeller) {
      popular = true;
      this.purchases = purchases;
      this.bestSeller = bestSeller;
      score += share;
    }

    /** Its via items: the {@value #MAX_VIA_ITEMS} largest votes, ties by item id. */
    RetrievedCandidate toCandidate(List<String> recent) {
      Set<CandidateSource> sources = EnumSet.noneOf(CandidateSource.class);
      if (coPurchase) {
        sources.add(CandidateSource.CO_PURCHASE);
      }
      if (popular) {
        sources.add(CandidateSource.POPULAR);
      }
      boolean[] taken = new boolean[voteCount];
      List<String> via = new ArrayList<>(Math.min(MAX_VIA_ITEMS, voteCount));
      List<Integer> viaShared = new ArrayList<>(Math.min(MAX_VIA_ITEMS, voteCount));
      while (via.size() < Math.min(MAX_VIA_ITEMS, voteCount)) {
        int best = -1;
        for (int i = 0; i < voteCount; i++) {
          if (!taken[i] && (best < 0 || votes[i] > votes[best]
              || (votes[i] == votes[best] && recent.get(voters[i]).compareTo(recent.get(voters[best])) < 0))) {
            best = i;
          }
        }
        taken[best] = true;
        via.add(recent.get(voters[best]));
        viaShared.add(sharedOrders[best]);
      }
      return new RetrievedCandidate(itemId, sources, score, via, viaShared, purchases, bestSeller);
    }
  }
}
