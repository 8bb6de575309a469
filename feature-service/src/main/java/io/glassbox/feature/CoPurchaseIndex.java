package io.glassbox.feature;

import java.util.Arrays;
import java.util.List;

/**
 * For each item, the items most often bought in the same baskets, by number of shared baskets.
 * Built once from the loaded baskets and immutable afterwards; it keeps each item's baskets, so
 * that {@link #sharedBaskets(int, int)} counts any pair, not only the kept neighbours.
 *
 * <p>Items are dense indices {@code 0..itemCount-1}. Baskets larger than {@code maxBasketSize}
 * are ignored: a basket of k items has k(k-1) ordered pairs, so a few wholesale orders of
 * hundreds of lines would dominate both the cost and the statistics while saying little about
 * which items go together.
 */
final class CoPurchaseIndex {
  private static final int[] NONE = new int[0];

  private final int[][] neighbours;
  private final int[][] sharedBaskets;
  /** Per item, the used baskets holding it, ascending. */
  private final int[][] itemBaskets;
  /**
   * Per item in at least 1/64 of all baskets (null for the others), the same baskets as a
   * bitset (at most twice the size of its list): pairs of such items intersect word by word, and
   * a rarer item's list is looked up in it.
   */
  private final long[][] basketBits;
  private final int basketsUsed;
  private final int basketsSkipped;

  private CoPurchaseIndex(
      int[][] neighbours, int[][] sharedBaskets, int[][] itemBaskets, int basketCount, int basketsUsed,
      int basketsSkipped) {
    this.neighbours = neighbours;
    this.sharedBaskets = sharedBaskets;
    this.itemBaskets = itemBaskets;
    this.basketBits = new long[itemBaskets.length][];
    int words = (basketCount + 63) / 64;
    for (int item = 0; item < itemBaskets.length; item++) {
      if (itemBaskets[item].length > 0 && itemBaskets[item].length * 64L >= basketCount) {
        long[] bits = new long[words];
        for (int basket : itemBaskets[item]) {
          bits[basket >>> 6] |= 1L << basket;
        }
        basketBits[item] = bits;
      }
    }
    this.basketsUsed = basketsUsed;
    this.basketsSkipped = basketsSkipped;
  }

  /**
   * Counts, for every pair of distinct items, the baskets holding both, and keeps the
   * {@code maxNeighbours} strongest neighbours of each item (ties by lower index).
   *
   * @param baskets each basket's distinct item indices
   */
  static CoPurchaseIndex build(List<int[]> baskets, int itemCount, int maxBasketSize, int maxNeighbours) {
    return build(baskets, itemCount, maxBasketSize, maxNeighbours, FolderHeapCheck.NONE);
  }

  /** {@link #build}, {@code heapCheck} looked at as each item's neighbours are counted. */
  static CoPurchaseIndex build(List<int[]> baskets, int itemCount, int maxBasketSize, int maxNeighbours,
      FolderHeapCheck heapCheck) {
    if (maxBasketSize < 2 || maxNeighbours < 1) {
      throw new IllegalArgumentException("maxBasketSize must be >= 2 and maxNeighbours >= 1");
    }
    // Inverted index: for each item, the baskets it is in (only baskets that are used).
    int[] basketsPerItem = new int[itemCount];
    int used = 0;
    int skipped = 0;
    for (int[] basket : baskets) {
      if (basket.length > maxBasketSize) {
        skipped++;
      } else if (basket.length >= 2) {
        used++;
        for (int item : basket) {
          basketsPerItem[item]++;
        }
      }
    }
    int[][] itemBaskets = new int[itemCount][];
    for (int item = 0; item < itemCount; item++) {
      itemBaskets[item] = new int[basketsPerItem[item]];
    }
    int[] fill = new int[itemCount];
    for (int b = 0; b < baskets.size(); b++) {
      int[] basket = baskets.get(b);
      if (basket.length >= 2 && basket.length <= maxBasketSize) {
        for (int item : basket) {
          itemBaskets[item][fill[item]++] = b;
        }
      }
    }

    int[][] neighbours = new int[itemCount][];
    int[][] shared = new int[itemCount][];
    int[] counts = new int[itemCount];
    int[] touched = new int[itemCount];
    for (int item = 0; item < itemCount; item++) {
      heapCheck.atIndexed(item + 1L, itemCount, "item", "building the co-purchase statistics");
      int touchedCount = 0;
      for (int b : itemBaskets[item]) {
        for (int other : baskets.get(b)) {
          if (other != item && counts[other]++ == 0) {
            touched[touchedCount++] = other;
          }
        }
      }
      if (touchedCount == 0) {
        neighbours[item] = NONE;
        shared[item] = NONE;
        continue;
      }
      // Sort by count descending, then index ascending, packed into longs for a primitive sort.
      long[] keyed = new long[touchedCount];
      for (int i = 0; i < touchedCount; i++) {
        int other = touched[i];
        keyed[i] = ((long) (Integer.MAX_VALUE - counts[other]) << 32) | other;
      }
      int kept = Math.min(maxNeighbours, touchedCount);
      if (kept < touchedCount) {
        // Most items meet far more items than are kept: select the strongest, sort only those.
        selectSmallest(keyed, kept);
      }
      Arrays.sort(keyed, 0, kept);
      neighbours[item] = new int[kept];
      shared[item] = new int[kept];
      for (int i = 0; i < kept; i++) {
        int other = (int) keyed[i];
        neighbours[item][i] = other;
        shared[item][i] = counts[other];
      }
      for (int i = 0; i < touchedCount; i++) {
        counts[touched[i]] = 0;
      }
    }
    return new CoPurchaseIndex(neighbours, shared, itemBaskets, baskets.size(), used, skipped);
  }

  /** Reorders {@code keys} so that its {@code k} smallest values come first (quickselect). */
  private static void selectSmallest(long[] keys, int k) {
    int low = 0;
    int high = keys.length - 1;
    while (low < high) {
      long pivot = keys[(low + high) >>> 1];
      int i = low;
      int j = high;
      while (i <= j) {
        while (keys[i] < pivot) {
          i++;
        }
        while (keys[j] > pivot) {
          j--;
        }
        if (i <= j) {
          long swap = keys[i];
          keys[i++] = keys[j];
          keys[j--] = swap;
        }
      }
      // Now keys[low..j] <= pivot <= keys[i..high]; keep narrowing the side holding index k.
      if (k <= j) {
        high = j;
      } else if (k >= i) {
        low = i;
      } else {
        return;
      }
    }
  }

  /** Neighbour indices of {@code item}, strongest first. Do not modify. */
  int[] neighbours(int item) {
    return neighbours[item];
  }

  /** Shared basket counts, parallel to {@link #neighbours}. Do not modify. */
  int[] sharedBaskets(int item) {
    return sharedBaskets[item];
  }

  /** Items indexed: indices run from 0 to this, exclusive. */
  int itemCount() {
    return neighbours.length;
  }

  /**
   * The used baskets holding both {@code a} and {@code b} (0 when they are the same item), kept
   * neighbours or not: a merge of their sorted basket lists.
   */
  int sharedBaskets(int a, int b) {
    if (a == b) {
      return 0;
    }
    if (basketBits[a] != null && basketBits[b] != null) {
      long[] first = basketBits[a];
      long[] second = basketBits[b];
      int shared = 0;
      for (int w = 0; w < first.length; w++) {
        shared += Long.bitCount(first[w] & second[w]);
      }
      return shared;
    }
    if (basketBits[a] != null || basketBits[b] != null) {
      long[] bits = basketBits[a] != null ? basketBits[a] : basketBits[b];
      int shared = 0;
      for (int basket : basketBits[a] != null ? itemBaskets[b] : itemBaskets[a]) {
        if ((bits[basket >>> 6] & 1L << basket) != 0) {
          shared++;
        }
      }
      return shared;
    }
    int[] first = itemBaskets[a];
    int[] second = itemBaskets[b];
    int shared = 0;
    for (int i = 0, j = 0; i < first.length && j < second.length; ) {
      if (first[i] < second[j]) {
        i++;
      } else if (first[i] > second[j]) {
        j++;
      } else {
        shared++;
        i++;
        j++;
      }
    }
    return shared;
  }

  int basketsUsed() {
    return basketsUsed;
  }

  int basketsSkipped() {
    return basketsSkipped;
  }
}
