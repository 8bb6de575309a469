package io.glassbox.launcher.load;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The result of a load run. Latencies are in milliseconds from each call's due time and cover
 * every answered call (answers and errors alike).
 *
 * @param planned calls the schedule held (rate x duration)
 * @param sent calls that left the client
 * @param answered calls that ended with an answer or a gRPC error
 * @param byStatus count per outcome: {@code OK}, gRPC status code names, and the client-side
 *     {@link CallOutcome#SHED} and {@link CallOutcome#NO_ANSWER}
 * @param okInDeadline {@code OK} answers that came within the deadline of their due time
 * @param explanationsDegraded {@code OK} answers flagged {@code explanations_degraded}
 * @param rankingDegraded {@code OK} answers flagged {@code ranking_degraded}
 * @param maxSendLagMillis the latest any call left the client after its due time
 */
public record LoadSummary(
    long planned,
    long sent,
    long answered,
    Map<String, Long> byStatus,
    long okInDeadline,
    long explanationsDegraded,
    long rankingDegraded,
    double p50Millis,
    double p90Millis,
    double p99Millis,
    double maxMillis,
    double maxSendLagMillis,
    Duration elapsed) {

  public LoadSummary {
    byStatus = Map.copyOf(byStatus);
  }

  public long ok() {
    return byStatus.getOrDefault(CallOutcome.OK, 0L);
  }

  /** Calls that did not end in an {@code OK} answer, client-side outcomes included. */
  public long failed() {
    return planned - ok();
  }

  /** The goal of a run: every planned call answered {@code OK} within its deadline. */
  public boolean allOkInDeadline() {
    return okInDeadline == planned;
  }

  /** A few lines for people. */
  public String format() {
    return format(Map.of());
  }

  /**
   * {@link #format()}, each status followed by {@code descriptions}' words for it, where it has
   * some ("UNAVAILABLE 60 (the TLS handshake with … failed (…))"): a count alone made a TLS
   * failure look like an outage.
   */
  public String format(Map<String, String> descriptions) {
    String statuses = byStatus.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(e -> e.getKey() + " " + e.getValue()
            + Optional.ofNullable(descriptions.get(e.getKey())).map(words -> " (" + words + ")").orElse(""))
        .collect(Collectors.joining(", "));
    return String.format(Locale.ROOT,
        "requests: %d planned, %d sent, %d answered in %.1f s%n"
            + "latency from due time (ms): p50 %.1f, p90 %.1f, p99 %.1f, max %.1f%n"
            + "by status: %s%n"
            + "OK within deadline: %d of %d; degraded: explanations %d, ranking %d%n"
            + "client: latest send %.1f ms after its due time",
        planned, sent, answered, elapsed.toMillis() / 1e3,
        p50Millis, p90Millis, p99Millis, maxMillis,
        statuses.isEmpty() ? "none" : statuses,
        okInDeadline, planned, explanationsDegraded, rankingDegraded,
        maxSendLagMillis);
  }
}
