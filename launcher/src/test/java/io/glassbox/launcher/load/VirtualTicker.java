package io.glassbox.launcher.load;

import java.util.HashMap;
import java.util.Map;

/**
 * Time that moves only when the scheduler sleeps, so schedules are checked exactly and without
 * waiting. {@link #stallAt} makes one sleep overshoot, as a GC pause or a starved CPU would.
 */
final class VirtualTicker implements Ticker {
  private long now = 1_000_000_000L;
  private final Map<Long, Long> stalls = new HashMap<>();

  /** The sleep until {@code offsetNanos} after the start ends {@code extraNanos} late. */
  VirtualTicker stallAt(long offsetNanos, long extraNanos) {
    stalls.put(start() + offsetNanos, extraNanos);
    return this;
  }

  /** The time the scheduler reads first: its start. */
  long start() {
    return 1_000_000_000L;
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized void sleepUntil(long deadlineNanos) {
    now = Math.max(now, deadlineNanos + stalls.getOrDefault(deadlineNanos, 0L));
  }
}
