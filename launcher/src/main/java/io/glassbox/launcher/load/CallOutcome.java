package io.glassbox.launcher.load;

import static java.util.Objects.requireNonNull;

/**
 * How one call ended, as the client saw it.
 *
 * @param status {@code OK}, a gRPC status code name (e.g. {@code DEADLINE_EXCEEDED}), or one of
 *     the client-side outcomes {@link #SHED} and {@link #NO_ANSWER}
 * @param explanationsDegraded the answer said its reasons were the simpler, retrieval-based ones
 * @param rankingDegraded the answer said it was ranked by retrieval score, without the model
 */
public record CallOutcome(String status, boolean explanationsDegraded, boolean rankingDegraded) {
  public static final String OK = "OK";
  /** Not sent: its slot came while the concurrency cap was reached. */
  public static final String SHED = "SHED_BY_CLIENT_CAP";
  /** Sent, but no answer (not even an error) came before the run gave up waiting. */
  public static final String NO_ANSWER = "NO_ANSWER";

  public CallOutcome {
    requireNonNull(status, "status");
  }

  public static CallOutcome ok(boolean explanationsDegraded, boolean rankingDegraded) {
    return new CallOutcome(OK, explanationsDegraded, rankingDegraded);
  }

  public static CallOutcome failed(String status) {
    return new CallOutcome(status, false, false);
  }

  public boolean isOk() {
    return OK.equals(status);
  }
}
