package io.glassbox.feature;

import java.util.List;

/**
 * Which items a reason may call the shop's best sellers: those among the top
 * {@value #TOP_PERCENT}% of the items bought at least once (rounded down, at most the top
 * {@value #MAX_RANK}; an item tied with the last of them counts too) that were bought at least
 * {@value #MIN_PURCHASES} times.
 *
 * <p>The popular retrieval source alone says less: it is the {@code limit} (500) most bought
 * items, which in a catalogue of a few hundred items is every item ever bought, one bought once
 * included. The share makes the claim relative to the shop; the cap keeps it to a list a shopper
 * would call best sellers in a large one (and never more items than the popular source gave
 * with its default limit); the minimum keeps a shop with little sales history from calling
 * a handful of sales a best seller.
 */
final class BestSellers {
  /** Share of the items bought at least once that are best sellers, in percent. */
  static final int TOP_PERCENT = 10;
  /** Most best sellers, whatever the size of the catalogue (ties with the last one aside). */
  static final int MAX_RANK = 500;
  /** Fewest purchases of a best seller. */
  static final long MIN_PURCHASES = 10;

  private BestSellers() {}

  /**
   * The fewest purchases a best seller has now: the purchases of the item at the rule's last rank,
   * and at least {@value #MIN_PURCHASES}; {@link Long#MAX_VALUE} when nothing was bought.
   * {@code popularity} is the store's ranking as the caller already read it, from the top: the
   * ranking is read again only when that is shorter than the rule's last rank (retrieval reads 500
   * or more).
   */
  static long minimumPurchases(EventStore store, Popularity popularity) {
    int lastRank = lastRank(popularity.itemsBought());
    if (lastRank == 0) {
      return Long.MAX_VALUE;
    }
    // Items never leave the ranking, so it holds at least `lastRank` of them by now.
    List<PopularItem> top = popularity.mostPurchased().size() >= lastRank ? popularity.mostPurchased()
        : store.mostPurchased(lastRank);
    return Math.max(MIN_PURCHASES, top.get(lastRank - 1).purchases());
  }

  /**
   * The rank of the last best seller among {@code purchasedItems} items bought at least once:
   * rounded down, so that every best seller is within the top {@value #TOP_PERCENT}% that reasons
   * state (rounded up, the 318th of 3,178 items was "among the top 10%" at 10.006%, and the one
   * item of a shop that sold one was too); 0 below 100 / {@value #TOP_PERCENT} items.
   */
  static int lastRank(int purchasedItems) {
    return (int) Math.min(MAX_RANK, purchasedItems * (long) TOP_PERCENT / 100);
  }
}
