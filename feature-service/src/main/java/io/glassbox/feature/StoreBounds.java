package io.glassbox.feature;

import java.time.Duration;

/**
 * The limits that keep a store's memory bounded, from {@link FeatureConfig}.
 *
 * @param maxEventsPerUser events kept per user (both stores); over it the oldest click, add to cart
 *     or positive feedback is dropped, else the oldest event: purchases are what the model reads
 *     and buy-again counts, a negative feedback ("not interested") is what keeps an item out of
 *     both, and clicks, far more frequent in a live shop, must push out neither
 * @param maxUsers users kept by the in-memory store; beyond it the least recently active user on
 *     probation is evicted, a protected one only when none is ({@link InMemoryEventStore})
 * @param maxEvents events kept by the in-memory store across users; users are evicted to stay
 *     under it, as for {@code maxUsers}
 * @param dedupeWindow how long an event id is remembered (both stores)
 * @param maxDedupeIds event ids the in-memory store remembers; the oldest are forgotten first
 */
public record StoreBounds(
    int maxEventsPerUser, int maxUsers, long maxEvents, Duration dedupeWindow, int maxDedupeIds) {
  public StoreBounds {
    if (maxEventsPerUser < 1 || maxUsers < 1 || maxEvents < maxEventsPerUser || maxDedupeIds < 1
        || dedupeWindow.isNegative() || dedupeWindow.isZero()) {
      throw new IllegalArgumentException("inconsistent store bounds " + maxEventsPerUser + ", "
          + maxUsers + ", " + maxEvents + ", " + dedupeWindow + ", " + maxDedupeIds);
    }
  }
}
