package io.glassbox.gateway;

import io.glassbox.server.WarningLimiter;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * A {@link WarningLimiter} for each cause of a repeating line (say the code a dependency
 * answered): one line a minute per cause, each saying how many of its own were held back, so
 * that the cause met first in a minute never hides another (a key rotation behind an outage).
 * {@code K} must have few values: each keeps its limiter for good.
 */
final class WarningLimiterPerCause<K> {
  private final Duration interval;
  private final ConcurrentMap<K, WarningLimiter> limiters = new ConcurrentHashMap<>();

  WarningLimiterPerCause(Duration interval) {
    this.interval = interval;
  }

  /** {@link WarningLimiter#log}, through {@code cause}'s own limiter. */
  void log(K cause, Logger logger, Level level, String format, Object... arguments) {
    limiters.computeIfAbsent(cause, any -> new WarningLimiter(interval)).log(logger, level, format, arguments);
  }
}
