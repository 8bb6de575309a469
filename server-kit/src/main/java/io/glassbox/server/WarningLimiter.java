package io.glassbox.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * Rate-limits a warning that can repeat on every request (a dependency is down, so every
 * answer is degraded): at most one per interval, and the one that passes says how many were
 * held back. Without it an outage under load writes megabytes of identical lines.
 */
public final class WarningLimiter {
  private static final String SINCE_THE_LAST_ONE = "since the last one";
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong nextAllowed;
  private final AtomicLong suppressed = new AtomicLong();
  /** What the count of held-back warnings counts, after "and N more". */
  private final String heldBackWhat;

  public WarningLimiter(Duration interval) {
    this(interval, SINCE_THE_LAST_ONE);
  }

  /**
   * A limiter whose passing line counts the held-back ones as "and N more {@code heldBackWhat}",
   * say "calls failed this way since the last one, each logged at DEBUG …": where each warning is
   * one call's only line at INFO, the reader learns where the held-back calls' lines went.
   */
  public WarningLimiter(Duration interval, String heldBackWhat) {
    this(interval, heldBackWhat, System::nanoTime);
  }

  WarningLimiter(Duration interval, LongSupplier nanoTime) {
    this(interval, SINCE_THE_LAST_ONE, nanoTime);
  }

  WarningLimiter(Duration interval, String heldBackWhat, LongSupplier nanoTime) {
    this.intervalNanos = interval.toNanos();
    this.heldBackWhat = heldBackWhat;
    this.nanoTime = nanoTime;
    this.nextAllowed = new AtomicLong(nanoTime.getAsLong());
  }

  /**
   * Logs {@code format} (an SLF4J pattern with {@code arguments}) at {@code level} when this
   * limiter lets it pass, saying how many were held back since the last one; else at DEBUG.
   */
  public void log(Logger logger, Level level, String format, Object... arguments) {
    long heldBack = tryAcquire();
    if (heldBack < 0) {
      logger.debug(format, arguments);
    } else {
      logger.atLevel(level).log(format + (heldBack > 0 ? " (and " + heldBack + " more " + heldBackWhat + ")" : ""),
          arguments);
    }
  }

  /**
   * Whether to log now. Returns -1 when not; otherwise how many warnings were held back since
   * the last one that passed.
   */
  long tryAcquire() {
    long now = nanoTime.getAsLong();
    long allowed = nextAllowed.get();
    if (now - allowed >= 0 && nextAllowed.compareAndSet(allowed, now + intervalNanos)) {
      return suppressed.getAndSet(0);
    }
    suppressed.incrementAndGet();
    return -1;
  }
}
