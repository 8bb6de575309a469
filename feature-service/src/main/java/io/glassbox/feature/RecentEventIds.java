package io.glassbox.feature;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The dedupe window of the in-memory store: the keys of events stored in the last
 * {@code window} nanoseconds, at most {@code maxKeys} of them (the oldest are forgotten first,
 * so under a flood the window shortens rather than memory growing), each with what its event
 * was ({@code V}). Not thread-safe; the store guards it with its write lock.
 *
 * <p>A key is held as the first 128 bits of its SHA-256 ({@link Key}), not as text: about 100
 * bytes a key with the store's {@code V}, however long the user and event ids (an import's key
 * alone took about 90 bytes as text, and a million of them more than a 256 MiB heap). No caller
 * can choose an id whose key collides with another's, and two of a million keys collide by chance
 * with odds of about 10<sup>-27</sup>.
 */
final class RecentEventIds<V> {
  private final long windowNanos;
  private final int maxKeys;
  private final LongSupplier nanoTime;
  /** Key to the event it was stored for, oldest first. */
  private final LinkedHashMap<Key, Stored<V>> stored = new LinkedHashMap<>();

  /** A dedupe key ({@link NewEvent#dedupeKey}) by the first 128 bits of its SHA-256. */
  record Key(long high, long low) {
    static Key of(String dedupeKey) {
      byte[] digest = Digests.sha256(dedupeKey);
      return new Key(Digests.bits(digest, 0), Digests.bits(digest, 8));
    }
  }

  /** When a key was stored, and what its event was. */
  private record Stored<V>(long nanos, V identity) {}

  RecentEventIds(long windowNanos, int maxKeys, LongSupplier nanoTime) {
    this.windowNanos = windowNanos;
    this.maxKeys = maxKeys;
    this.nanoTime = nanoTime;
  }

  /** What the event remembered under {@code key} was, if it is still in the window. */
  Optional<V> identityOf(Key key) {
    forgetExpired();
    Stored<V> entry = stored.get(key);
    return entry == null ? Optional.empty() : Optional.of(entry.identity());
  }

  /** Remembers {@code key} for an event {@code identity}; false when it is already remembered (a duplicate). */
  boolean add(Key key, V identity) {
    forgetExpired();
    if (stored.containsKey(key)) {
      return false;
    }
    stored.put(key, new Stored<>(nanoTime.getAsLong(), identity));
    if (stored.size() > maxKeys) {
      Iterator<Key> eldest = stored.keySet().iterator();
      eldest.next();
      eldest.remove();
    }
    return true;
  }

  private void forgetExpired() {
    long now = nanoTime.getAsLong();
    Iterator<Map.Entry<Key, Stored<V>>> oldest = stored.entrySet().iterator();
    while (oldest.hasNext() && now - oldest.next().getValue().nanos() >= windowNanos) {
      oldest.remove();
    }
  }

  int size() {
    return stored.size();
  }
}
