package io.glassbox.launcher.load;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Collects what a load run saw, from many threads at once: a latency histogram of every answered
 * call (answers and errors alike, each measured from the moment it was <em>due</em>, not from when
 * it happened to be sent, so a stalled client or server cannot hide its own delay), counts by
 * status, answers within the deadline, degraded flags, and how late the scheduler sent calls.
 * Interval snapshots ({@link #takeInterval}) and the final summary ({@link #summary}) both come
 * from the same recorder.
 */
public final class LoadRecorder {
  private final long deadlineMicros;
  private final Recorder latencies = new Recorder(3);
  private final Histogram total = new Histogram(3);
  private final Map<String, LongAdder> byStatus = new ConcurrentHashMap<>();
  private final LongAdder sent = new LongAdder();
  private final LongAdder inDeadline = new LongAdder();
  private final LongAdder explanationsDegraded = new LongAdder();
  private final LongAdder rankingDegraded = new LongAdder();
  private final LongAdder intervalFailures = new LongAdder();
  private final LongAccumulator maxSendLagNanos = new LongAccumulator(Math::max, 0);

  /** {@code deadline}: an answer counts as in time when it came within this of its due time. */
  public LoadRecorder(Duration deadline) {
    this.deadlineMicros = TimeUnit.NANOSECONDS.toMicros(deadline.toNanos());
  }

  /** A call left the client {@code lagNanos} after it was due. */
  public void sent(long lagNanos) {
    sent.increment();
    maxSendLagNanos.accumulate(lagNanos);
  }

  /** A call was not sent (see {@link CallOutcome#SHED}) or never answered. */
  public void unanswered(String status) {
    count(status);
    intervalFailures.increment();
  }

  /** A call ended {@code latencyNanos} after it was due. */
  public void answered(long latencyNanos, CallOutcome outcome) {
    long micros = Math.max(0, TimeUnit.NANOSECONDS.toMicros(latencyNanos));
    latencies.recordValue(micros);
    count(outcome.status());
    if (outcome.isOk()) {
      if (micros <= deadlineMicros) {
        inDeadline.increment();
      }
      if (outcome.explanationsDegraded()) {
        explanationsDegraded.increment();
      }
      if (outcome.rankingDegraded()) {
        rankingDegraded.increment();
      }
    } else {
      intervalFailures.increment();
    }
  }

  private void count(String status) {
    byStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
  }

  /** Latencies and failures since the previous interval; also folds them into the total. */
  public synchronized Interval takeInterval() {
    Histogram interval = latencies.getIntervalHistogram();
    total.add(interval);
    return new Interval(interval.getTotalCount(), millis(interval, 50), millis(interval, 99),
        interval.getMaxValue() / 1e3, intervalFailures.sumThenReset());
  }

  /** Everything recorded so far, {@code planned} being the number of calls the schedule held. */
  public synchronized LoadSummary summary(long planned, Duration elapsed) {
    takeInterval();
    Map<String, Long> statuses = new TreeMap<>();
    byStatus.forEach((status, count) -> statuses.put(status, count.sum()));
    return new LoadSummary(planned, sent.sum(), total.getTotalCount(), statuses, inDeadline.sum(),
        explanationsDegraded.sum(), rankingDegraded.sum(), millis(total, 50), millis(total, 90),
        millis(total, 99), total.getMaxValue() / 1e3, maxSendLagNanos.get() / 1e6, elapsed);
  }

  private static double millis(Histogram histogram, double percentile) {
    return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(percentile) / 1e3;
  }

  /** One reporting interval: answered calls, latency p50/p99/max in ms, failures. */
  public record Interval(long answered, double p50Millis, double p99Millis, double maxMillis, long failures) {}
}
