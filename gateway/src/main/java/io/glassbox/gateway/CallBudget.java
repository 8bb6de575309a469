package io.glassbox.gateway;

import static java.util.Objects.requireNonNull;

import io.grpc.Deadline;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The deadlines of one request's outbound calls, all derived from the caller's. Calls the
 * answer cannot do without (feature service) get the caller's whole deadline; calls the gateway
 * can degrade around (model, explain) get their own, shorter budget that always leaves a margin
 * before the caller's deadline, so that a degraded answer still arrives in time.
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

  private Deadline boundedFromNow(Duration timeout) {
    Deadline own = Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS, ticker);
    Deadline latest = callerDeadline.offset(-margin.toNanos(), TimeUnit.NANOSECONDS);
    return own.minimum(latest);
  }
}
