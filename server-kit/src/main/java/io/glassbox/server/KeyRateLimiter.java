package io.glassbox.server;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per API key: {@code perSecond} calls a second, bursts of up to one second's
 * worth; the keys named {@code exempt} are not limited. Buckets are keyed by key name, and a key
 * that replaces another under the same name (a rotation) keeps its bucket and its exemption. A
 * name the keys file no longer holds loses its bucket at the first call checked against the file
 * read again, so buckets are bounded by the names the file holds, not by every name it has held.
 */
final class KeyRateLimiter {
  private final int perSecond;
  private final Set<String> exempt;
  private final LongSupplier nanoTime;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  /** The keys the buckets were last cut down to: each read of the keys file is a new instance. */
  private volatile ApiKeys keysHeld;

  KeyRateLimiter(int perSecond, Set<String> exempt, LongSupplier nanoTime) {
    this.perSecond = perSecond;
    this.exempt = Set.copyOf(exempt);
    this.nanoTime = nanoTime;
  }

  int perSecond() {
    return perSecond;
  }

  /** Whether calls of key {@code name} are limited: a limit is set and the name is not exempt. */
  boolean limits(String name) {
    return perSecond > 0 && !exempt.contains(name);
  }

  /**
   * Takes one token for {@code name}, a key of {@code keys} (the keys in force for the call):
   * returns 0 when it did, else the nanoseconds until the name's bucket holds one again (what a
   * refused caller should wait). Always 0 when unlimited or exempt.
   */
  long acquire(ApiKeys keys, String name) {
    if (!limits(name)) {
      return 0;
    }
    if (keys != keysHeld) {
      dropBucketsOfNamesNotIn(keys);
    }
    return buckets.computeIfAbsent(name, k -> new Bucket(perSecond, nanoTime.getAsLong()))
        .acquire(perSecond, nanoTime.getAsLong());
  }

  /**
   * A call that read the keys just before a reload may get here after one that read them after
   * it: the buckets are cut to the older keys, then to the newer ones again at the next call, so
   * at worst a name the reload added starts again with a full bucket.
   */
  private synchronized void dropBucketsOfNamesNotIn(ApiKeys keys) {
    if (keys != keysHeld) {
      buckets.keySet().retainAll(keys.names());
      keysHeld = keys;
    }
  }

  /** How many buckets are held, for tests. */
  int bucketsHeld() {
    return buckets.size();
  }

  private static final class Bucket {
    /** How long an empty bucket takes to fill: it holds one second's worth. */
    private static final long FULL_REFILL_NANOS = 1_000_000_000L;
    private double tokens;
    private long lastNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.lastNanos = now;
    }

    /** 0 when a token was taken; else the nanoseconds until the bucket holds one, at least 1. */
    synchronized long acquire(int perSecond, long now) {
      // An empty bucket is full again after one second: longer idle adds nothing, and the idle
      // nanoseconds times the rate, a long, overflowed after hours (2.6 h at 1,000,000 a second).
      long elapsed = Math.min(now - lastNanos, FULL_REFILL_NANOS);
      tokens = Math.min(perSecond, tokens + elapsed * perSecond / 1e9);
      lastNanos = now;
      if (tokens < 1) {
        return Math.max(1, (long) Math.ceil((1 - tokens) * 1e9 / perSecond));
      }
      tokens -= 1;
      return 0;
    }
  }
}
