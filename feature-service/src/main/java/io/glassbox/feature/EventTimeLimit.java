package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The times an event may be stamped with. Not far ahead of this server's clock: the store's
 * newest purchase ends the window of recent sales for every shopper (RetrieveCandidates' {@code
 * as_of}), so a single event stamped years ahead (a typo, a client whose clock is wrong) would
 * leave every item without recent sales until that day came. And not before 1970: no shop event
 * is that old, and such a time is most likely a sending program's zero date (Go's and .NET's are
 * 0001-01-01T00:00:00Z), which the store would keep as the shopper's first order (buy-again
 * counts it). Such events are refused instead.
 *
 * @param clock this server's clock
 * @param maxAhead how far ahead of it an event may be ({@value FeatureConfig#MAX_CLOCK_SKEW_KEY})
 */
public record EventTimeLimit(Clock clock, Duration maxAhead) {
  /** google.protobuf.Timestamp's range, 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, in seconds. */
  static final long MIN_TIMESTAMP_SECONDS = -62_135_596_800L;
  static final long MAX_TIMESTAMP_SECONDS = 253_402_300_799L;

  public EventTimeLimit {
    requireNonNull(clock, "clock");
    requireNonNull(maxAhead, "maxAhead");
  }

  /** The limit on this machine's clock. */
  public static EventTimeLimit systemClock(Duration maxAhead) {
    return new EventTimeLimit(Clock.systemUTC(), maxAhead);
  }

  /**
   * Why an event stamped {@code time} is too old to be a shop's, whatever the clock reads: before
   * 1970; null when it is not. Data folders read at start are held to it too (DatasetReader).
   */
  static String tooEarly(Instant time) {
    if (!time.isBefore(Instant.EPOCH)) {
      return null;
    }
    return time + " is before 1970-01-01T00:00:00Z: no shop event is that old (is it the sending program's"
        + " zero date? Go's and .NET's are 0001-01-01T00:00:00Z)";
  }

  /** The clock's reading, for {@link #problem}; one reading serves a whole request or import. */
  Instant now() {
    return clock.instant();
  }

  /** Why an event stamped {@code time} is refused at {@code now}; null when it is accepted. */
  String problem(Instant time, Instant now) {
    String tooEarly = tooEarly(time);
    if (tooEarly != null) {
      return tooEarly;
    }
    if (!time.isAfter(now.plus(maxAhead))) {
      return null;
    }
    return time + " lies in the future: this server's clock reads " + now.truncatedTo(ChronoUnit.SECONDS)
        + ", and events may be stamped at most " + maxAhead.toSeconds() + " s ahead of it ("
        + FeatureConfig.MAX_CLOCK_SKEW_KEY + ")";
  }
}
