package io.glassbox.launcher.load;

import java.time.Duration;

/**
 * What an open-loop load run does: {@code rate} calls per second, each on its own fixed slot of
 * the schedule, for {@code duration}; at most {@code concurrencyCap} calls in flight; each call
 * gets {@code timeout} as its deadline. The run is bounded in time and in count by construction:
 * {@link #of} refuses values past the limits below.
 *
 * @param rate calls per second, 0.1 to {@value #MAX_RATE}
 * @param duration how long calls are started for, 1 s to {@link #MAX_DURATION}
 * @param concurrencyCap most calls in flight at once, 1 to {@value #MAX_CONCURRENCY}; a call whose
 *     slot comes while this many are in flight is not sent, and is counted as shed
 * @param timeout each call's deadline, 1 ms to {@link #MAX_TIMEOUT}
 */
public record LoadPlan(double rate, Duration duration, int concurrencyCap, Duration timeout) {
  public static final double MAX_RATE = 5_000;
  public static final Duration MAX_DURATION = Duration.ofHours(1);
  public static final int MAX_CONCURRENCY = 4_096;
  public static final Duration MAX_TIMEOUT = Duration.ofMinutes(1);
  /** The most calls one run may make (rate x duration). */
  public static final long MAX_REQUESTS = 2_000_000;

  public LoadPlan {
    if (!(rate >= 0.1 && rate <= MAX_RATE)) {
      throw new IllegalArgumentException("rate must be 0.1 to " + (long) MAX_RATE + " calls/s, got " + rate);
    }
    if (duration.compareTo(Duration.ofSeconds(1)) < 0 || duration.compareTo(MAX_DURATION) > 0) {
      throw new IllegalArgumentException("duration must be 1 s to " + MAX_DURATION.toMinutes() + " min, got " + duration);
    }
    if (concurrencyCap < 1 || concurrencyCap > MAX_CONCURRENCY) {
      throw new IllegalArgumentException("concurrency cap must be 1 to " + MAX_CONCURRENCY + ", got " + concurrencyCap);
    }
    if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException("timeout must be 1 ms to " + MAX_TIMEOUT.toSeconds() + " s, got " + timeout);
    }
    long requests = (long) Math.floor(rate * duration.toNanos() / 1e9);
    if (requests > MAX_REQUESTS) {
      throw new IllegalArgumentException("rate x duration is " + requests + " calls, more than " + MAX_REQUESTS);
    }
    if (requests < 1) {
      throw new IllegalArgumentException("rate x duration must make at least one call");
    }
  }

  /** How many calls the schedule holds: one every 1/rate seconds, starting at 0, before the end. */
  public long requestCount() {
    return (long) Math.floor(rate * duration.toNanos() / 1e9);
  }

  /** When call {@code index} is due, in nanoseconds after the start of the run. */
  public long dueOffsetNanos(long index) {
    return Math.round(index * 1e9 / rate);
  }
}
