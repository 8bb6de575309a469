package io.glassbox.feature;

import java.util.List;

/**
 * Which items a reason may call the shop's best sellers: those among the top
 * {@value #TOP_PERCENT}% of the items bought at least once (rounded down, at most the top
 * {@value #MAX_RANK}; when the item after the last of them is tied with it, the whole tied group
 * is left out, so that no tie makes the best sellers more than the share) that were bought at least
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
  /** Most best sellers, whatever the size of the catalogue. */
  static final int MAX_RANK = 500;
  /** Fewest purchases of a best seller. */
  static final long MIN_PURCHASES = 10;

  private BestSellers() {}

  /**
   * The fewest purchases a best seller has now: the purchases of the item at the rule's last rank,
   * one more when the next item is tied with it (the tied group is left out), and at least
   * {@value #MIN_PURCHASES}; {@link Long#MAX_VALUE} when nothing was bought.
   * {@code popularity} is the store's ranking as the caller already read it, from the top: the
   * ranking is read again only when that does not reach past the rule's last rank (retrieval reads
   * 500 or more).
   */
  static long minimumPurchases(EventStore store, Popularity popularity) {
    int lastRank = lastRank(popularity.itemsBought());
    if (lastRank == 0) {
      return Long.MAX_VALUE;
    }
    // Items never leave the ranking, and more items were bought than the last rank (a tenth of
    // them), so it holds the one after the last rank too.
    List<PopularItem> top = popularity.mostPurchased().size() > lastRank ? popularity.mostPurchased()
        : store.mostPurchased(lastRank + 1);
    long last = top.get(lastRank - 1).purchases();
    // An item tied with the last would push the best sellers past the share that reasons state:
    // the tied group is left out, and only the items bought more often qualify.
    long atLeast = top.size() > lastRank && top.get(lastRank).purchases() == last ? last + 1 : last;
    return Math.max(MIN_PURCHASES, atLeast);
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
