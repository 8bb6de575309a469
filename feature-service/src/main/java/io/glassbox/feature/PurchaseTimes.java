package io.glassbox.feature;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * The purchase times of every item (Unix seconds, ascending per item), for counting an item's
 * purchases in a window before a request time: the newest {@code maxPerItem} of each item, so
 * memory stays bounded however many purchases are ingested (older ones only matter to windows
 * reaching back past them, whose counts then stop growing). Times are kept at one-second
 * resolution (the datasets record seconds; an ingested event's nanoseconds are dropped). Not
 * thread-safe: the owner guards it.
 */
final class PurchaseTimes {
  private final int maxPerItem;
  private long[][] times;
  private int[] sizes;

  PurchaseTimes(int itemCount) {
    this(itemCount, Integer.MAX_VALUE);
  }

  PurchaseTimes(int itemCount, int maxPerItem) {
    if (maxPerItem < 1) {
      throw new IllegalArgumentException("maxPerItem must be >= 1, got " + maxPerItem);
    }
    this.maxPerItem = maxPerItem;
    times = new long[itemCount][];
    sizes = new int[itemCount];
  }

  /** Makes room for items {@code 0..itemCount-1} (the catalogue grew). */
  void ensureItems(int itemCount) {
    if (itemCount > times.length) {
      times = Arrays.copyOf(times, itemCount);
      sizes = Arrays.copyOf(sizes, itemCount);
    }
  }

  /** Adds a purchase in any order; call {@link #sort()} before counting. */
  void add(int item, long epochSecond) {
    long[] row = times[item];
    if (row == null) {
      row = times[item] = new long[4];
    } else if (sizes[item] == row.length) {
      row = times[item] = Arrays.copyOf(row, row.length * 2);
    }
    row[sizes[item]++] = epochSecond;
  }

  /** Sorts every item's times (after bulk {@link #add}s), keeping the newest {@code maxPerItem}. */
  void sort() {
    for (int item = 0; item < times.length; item++) {
      if (times[item] != null) {
        Arrays.sort(times[item], 0, sizes[item]);
        if (sizes[item] > maxPerItem) {
          times[item] = Arrays.copyOfRange(times[item], sizes[item] - maxPerItem, sizes[item]);
          sizes[item] = maxPerItem;
        }
      }
    }
  }

  /** Adds a purchase keeping the item's times sorted (and at most {@code maxPerItem}). */
  void insert(int item, long epochSecond) {
    if (sizes[item] == maxPerItem) {
      long[] full = times[item];
      if (epochSecond < full[0]) {
        return; // Older than every time kept: it would be the one dropped.
      }
      System.arraycopy(full, 1, full, 0, maxPerItem - 1);
      sizes[item]--;
    }
    add(item, epochSecond);
    long[] row = times[item];
    int position = sizes[item] - 1;
    while (position > 0 && row[position - 1] > epochSecond) {
      row[position] = row[position - 1];
      position--;
    }
    row[position] = epochSecond;
  }

  /** Purchases of {@code item} at times t with {@code asOf - window <= t < asOf}. */
  long count(int item, Instant asOf, Duration window) {
    long[] row = item < times.length ? times[item] : null;
    if (row == null) {
      return 0;
    }
    Instant from = asOf.minus(window);
    // Whole seconds s with from <= s and s < asOf.
    long first = from.getNano() == 0 ? from.getEpochSecond() : from.getEpochSecond() + 1;
    long end = asOf.getNano() == 0 ? asOf.getEpochSecond() : asOf.getEpochSecond() + 1;
    return Math.max(0, lowerBound(row, sizes[item], end) - lowerBound(row, sizes[item], first));
  }

  /** The first index whose value is >= {@code value}. */
  private static int lowerBound(long[] row, int size, long value) {
    int low = 0;
    int high = size;
    while (low < high) {
      int middle = (low + high) >>> 1;
      if (row[middle] < value) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }
}
