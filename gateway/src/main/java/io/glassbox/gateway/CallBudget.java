package io.glassbox.gateway;

import static java.util.Objects.requireNonNull;

import io.grpc.Deadline;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The deadlines of one request's outbound calls, all derived from the caller's. Calls the
 * answer cannot do without (feature service) get the caller's whole deadline; calls the gateway
 * can degrade around (model, explain) get their own, shorter budget that always leaves a margin
 * before the caller's deadline (at most half the time left), so that a degraded answer
 * still arrives in time.
 */
final class CallBudget {
  private final Deadline callerDeadline;
  private final Duration modelTimeout;
  private final Duration explainTimeout;
  private final Duration margin;
  private final Deadline.Ticker ticker;

  private CallBudget(
      Deadline callerDeadline, Duration modelTimeout, Duration explainTimeout, Duration margin,
      Deadline.Ticker ticker) {
    this.callerDeadline = callerDeadline;
    this.modelTimeout = modelTimeout;
    this.explainTimeout = explainTimeout;
    this.margin = margin;
    this.ticker = ticker;
  }

  /**
   * The budget of a request whose caller set {@code callerDeadline}, or none (null): then the
   * configured default deadline applies from now.
   */
  static CallBudget of(Deadline callerDeadline, GatewayConfig config, Deadline.Ticker ticker) {
    requireNonNull(config, "config");
    requireNonNull(ticker, "ticker");
    Deadline caller = callerDeadline != null
        ? callerDeadline
        : Deadline.after(config.defaultDeadline().toNanos(), TimeUnit.NANOSECONDS, ticker);
    return new CallBudget(caller, config.modelTimeout(), config.explainTimeout(),
        config.deadlineMargin(), ticker);
  }

  /** The caller's deadline (or the default one): for the calls the answer depends on. */
  Deadline callerDeadline() {
    return callerDeadline;
  }

  /** For ModelService.Score, started now. */
  Deadline modelDeadline() {
    return boundedFromNow(modelTimeout);
  }

  /** For ExplainService.Explain, started now. */
  Deadline explainDeadline() {
    return boundedFromNow(explainTimeout);
  }

  /**
   * Started now, {@code timeout} long, ending no later than the caller's deadline less the
   * margin; a caller with less than two margins left keeps back half of what is left instead (a
   * 40 ms deadline against a 50 ms margin would leave the model no time at all, and every answer
   * would be degraded with most of the caller's time unused).
   */
  private Deadline boundedFromNow(Duration timeout) {
    Deadline own = Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS, ticker);
    long kept = Math.min(margin.toNanos(), Math.max(0, callerDeadline.timeRemaining(TimeUnit.NANOSECONDS)) / 2);
    Deadline latest = callerDeadline.offset(-kept, TimeUnit.NANOSECONDS);
    return own.minimum(latest);
  }
}
