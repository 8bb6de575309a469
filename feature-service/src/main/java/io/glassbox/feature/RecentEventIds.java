package io.glassbox.feature;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The dedupe window of the in-memory store: the keys of events stored in the last
 * {@code window} nanoseconds, at most {@code maxKeys} of them (the oldest are forgotten first,
 * so under a flood the window shortens rather than memory growing). Not thread-safe; the store
 * guards it with its write lock.
 */
final class RecentEventIds {
  private final long windowNanos;
  private final int maxKeys;
  private final LongSupplier nanoTime;
  /** Key to the time it was stored, oldest first. */
  private final LinkedHashMap<String, Long> stored = new LinkedHashMap<>();

  RecentEventIds(long windowNanos, int maxKeys, LongSupplier nanoTime) {
    this.windowNanos = windowNanos;
    this.maxKeys = maxKeys;
    this.nanoTime = nanoTime;
  }

  /** Remembers {@code key}; false when it is already remembered (a duplicate). */
  boolean add(String key) {
    long now = nanoTime.getAsLong();
    Iterator<Map.Entry<String, Long>> oldest = stored.entrySet().iterator();
    while (oldest.hasNext() && now - oldest.next().getValue() >= windowNanos) {
      oldest.remove();
    }
    if (stored.containsKey(key)) {
      return false;
    }
    stored.put(key, now);
    if (stored.size() > maxKeys) {
      Iterator<String> eldest = stored.keySet().iterator();
      eldest.next();
      eldest.remove();
    }
    return true;
  }

  /** Forgets {@code key} (its event was not stored after all). */
  void remove(String key) {
    stored.remove(key);
  }

  int size() {
    return stored.size();
  }
}
