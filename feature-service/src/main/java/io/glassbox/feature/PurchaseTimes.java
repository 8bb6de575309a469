package io.glassbox.feature;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * The purchase times of every item (Unix seconds, ascending per item), for counting an item's
 * purchases in a window before a request time: the newest {@code maxPerItem} of each item, so
 * memory stays bounded however many purchases are ingested (older ones only matter to windows
 * reaching back past them, whose counts then stop growing). Times are kept at one-second
 * resolution (the datasets record seconds; an ingested event's nanoseconds are dropped). The
 * owner guards it: changes under an exclusive lock, {@link #count} under a shared one (several
 * counts may run at once).
 *
 * <p>Counts are remembered per window until the times change: every ranking call asks for its
 * 500 candidates' counts over the same window (the model's trend window before the newest purchase),
 * and between ingested events those counts cannot change. Two binary searches per item over
 * arrays of up to thousands of times missed the cache often enough to cost about as much as the
 * whole co-purchase retrieval in the running suite.
 */
final class PurchaseTimes {
  private final int maxPerItem;
  private long[][] times;
  private int[] sizes;
  /** Counts over one window, -1 until asked for; null after any change. */
  private volatile Memo memo;

  /**
   * Counts over the whole seconds {@code first <= s < end}, filled in as items are asked for.
   * Concurrent counts may store the same value twice; a value, once stored, is right until the
   * times change, and a change drops the memo.
   */
  private record Memo(long first, long end, int[] counts) {
    static Memo empty(long first, long end, int items) {
      int[] counts = new int[items];
      Arrays.fill(counts, -1);
      return new Memo(first, end, counts);
    }
  }

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
    memo = null;
    if (itemCount > times.length) {
      times = Arrays.copyOf(times, itemCount);
      sizes = Arrays.copyOf(sizes, itemCount);
    }
  }

  /** Adds a purchase in any order; call {@link #sort()} before counting. */
  void add(int item, long epochSecond) {
    memo = null;
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
    memo = null;
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
    memo = null;
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
    Memo remembered = memo;
    if (remembered == null || remembered.first() != first || remembered.end() != end) {
      remembered = Memo.empty(first, end, times.length);
      memo = remembered;
    }
    int known = remembered.counts()[item];
    if (known >= 0) {
      return known;
    }
    int counted = Math.max(0, lowerBound(row, sizes[item], end) - lowerBound(row, sizes[item], first));
    remembered.counts()[item] = counted;
    return counted;
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
