package io.glassbox.server;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per API key: {@code perSecond} calls a second, bursts of up to one second's
 * worth; the keys named {@code exempt} are not limited. Buckets are keyed by key name, so their
 * number is bounded by the names the keys file has held, and a key that replaces another under
 * the same name (a rotation) keeps its bucket and its exemption.
 */
final class KeyRateLimiter {
  private final int perSecond;
  private final Set<String> exempt;
  private final LongSupplier nanoTime;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  KeyRateLimiter(int perSecond, Set<String> exempt, LongSupplier nanoTime) {
    this.perSecond = perSecond;
    this.exempt = Set.copyOf(exempt);
    this.nanoTime = nanoTime;
  }

  int perSecond() {
    return perSecond;
  }

  /** Takes one token for {@code key}; false when its bucket is empty. Always true when unlimited or exempt. */
  boolean tryAcquire(String key) {
    if (perSecond == 0 || exempt.contains(key)) {
      return true;
    }
    return buckets.computeIfAbsent(key, k -> new Bucket(perSecond, nanoTime.getAsLong()))
        .tryAcquire(perSecond, nanoTime.getAsLong());
  }

  private static final class Bucket {
    private double tokens;
    private long lastNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.lastNanos = now;
    }

    synchronized boolean tryAcquire(int perSecond, long now) {
      tokens = Math.min(perSecond, tokens + (now - lastNanos) * perSecond / 1e9);
      lastNanos = now;
      if (tokens < 1) {
        return false;
      }
      tokens -= 1;
      return true;
    }
  }
}
