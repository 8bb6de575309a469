package io.glassbox.feature;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Items ordered by purchases (most first, ties by item id), kept sorted incrementally: a
 * purchase moves its item up past the items it now beats (a binary search and one array
 * shift), instead of re-sorting the catalogue. It has its own lock, so ranking never holds up
 * the store's readers and writers of histories. Items never bought are not ranked.
 */
final class PopularityRanking {
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  /** Item indices, best first; the first {@link #size} are valid. */
  private int[] order = new int[64];
  private int size;
  /** Per item index: its position in {@link #order}, or -1 when not ranked. */
  private int[] position = new int[0];
  private long[] purchases = new long[0];
  private String[] ids = new String[0];

  /** Adds {@code count} purchases of item {@code index} (whose id is {@code itemId}). */
  void add(int index, String itemId, long count) {
    if (count <= 0) {
      return;
    }
    lock.writeLock().lock();
    try {
      if (index >= position.length) {
        int capacity = Math.max(index + 1, position.length * 2);
        int old = position.length;
        position = Arrays.copyOf(position, capacity);
        Arrays.fill(position, old, capacity, -1);
        purchases = Arrays.copyOf(purchases, capacity);
        ids = Arrays.copyOf(ids, capacity);
      }
      ids[index] = itemId;
      purchases[index] += count;
      int at = position[index];
      if (at < 0) {
        if (size == order.length) {
          order = Arrays.copyOf(order, size * 2);
        }
        at = size++;
        order[at] = index;
      }
      // Everything before `at` stays sorted; find where the item now belongs among them.
      int low = 0;
      int high = at;
      while (low < high) {
        int mid = (low + high) >>> 1;
        if (precedes(index, order[mid])) {
          high = mid;
        } else {
          low = mid + 1;
        }
      }
      System.arraycopy(order, low, order, low + 1, at - low);
      order[low] = index;
      for (int i = low; i <= at; i++) {
        position[order[i]] = i;
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private boolean precedes(int a, int b) {
    return purchases[a] > purchases[b] || (purchases[a] == purchases[b] && ids[a].compareTo(ids[b]) < 0);
  }

  /** How many items are ranked: those bought at least once. */
  int size() {
    lock.readLock().lock();
    try {
      return size;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The {@code maxItems} most bought items, best first. */
  List<PopularItem> top(int maxItems) {
    lock.readLock().lock();
    try {
      int count = Math.min(maxItems, size);
      List<PopularItem> result = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        result.add(new PopularItem(ids[order[i]], purchases[order[i]]));
      }
      return result;
    } finally {
      lock.readLock().unlock();
    }
  }
}
