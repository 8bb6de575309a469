package io.glassbox.feature;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
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
  /** Key to the event it was stored for, oldest first. */
  private final LinkedHashMap<String, Stored> stored = new LinkedHashMap<>();

  /** When a key was stored, and the {@link NewEvent#identity} of its event. */
  private record Stored(long nanos, String identity) {}

  RecentEventIds(long windowNanos, int maxKeys, LongSupplier nanoTime) {
    this.windowNanos = windowNanos;
    this.maxKeys = maxKeys;
    this.nanoTime = nanoTime;
  }

  /** The identity of the event remembered under {@code key}, if it is still in the window. */
  Optional<String> identityOf(String key) {
    forgetExpired();
    Stored entry = stored.get(key);
    return entry == null ? Optional.empty() : Optional.of(entry.identity());
  }

  /** Remembers {@code key} for an event of {@code identity}; false when it is already remembered (a duplicate). */
  boolean add(String key, String identity) {
    forgetExpired();
    if (stored.containsKey(key)) {
      return false;
    }
    stored.put(key, new Stored(nanoTime.getAsLong(), identity));
    if (stored.size() > maxKeys) {
      Iterator<String> eldest = stored.keySet().iterator();
      eldest.next();
      eldest.remove();
    }
    return true;
  }

  private void forgetExpired() {
    long now = nanoTime.getAsLong();
    Iterator<Map.Entry<String, Stored>> oldest = stored.entrySet().iterator();
    while (oldest.hasNext() && now - oldest.next().getValue().nanos() >= windowNanos) {
      oldest.remove();
    }
  }

  int size() {
    return stored.size();
  }
}
