package io.glassbox.server;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * A {@link WarningLimiter} for each cause of a repeating line (say the code a dependency
 * answered): one line a minute per cause, each saying how many of its own were held back, so
 * that the cause met first in a minute never hides another (a key rotation behind an outage).
 * {@code K} must have few values: each keeps its limiter for good.
 */
public final class WarningLimiterPerCause<K> {
  /** A new cause's limiter. */
  private final Supplier<WarningLimiter> newLimiter;
  private final ConcurrentMap<K, WarningLimiter> limiters = new ConcurrentHashMap<>();

  public WarningLimiterPerCause(Duration interval) {
    newLimiter = () -> new WarningLimiter(interval);
  }

  /** Each cause's passing line counts the held-back ones as "and N more {@code heldBackWhat}". */
  public WarningLimiterPerCause(Duration interval, String heldBackWhat) {
    newLimiter = () -> new WarningLimiter(interval, heldBackWhat);
  }

  /** {@link WarningLimiter#log}, through {@code cause}'s own limiter. */
  public void log(K cause, Logger logger, Level level, String format, Object... arguments) {
    limiters.computeIfAbsent(cause, any -> newLimiter.get()).log(logger, level, format, arguments);
  }
}
