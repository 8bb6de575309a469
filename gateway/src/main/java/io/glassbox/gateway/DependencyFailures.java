package io.glassbox.gateway;

import io.glassbox.api.v1.RankingDegradedCause;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.server.Descriptions;
import io.glassbox.server.RequestIds;
import io.glassbox.server.RequestSent;
import io.glassbox.server.WarningLimiterPerCause;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * How failures of the services the gateway calls reach its own callers: with a status they can
 * act on and a message that names the dependency, never UNKNOWN, never a stack trace or another
 * service's internals. The translations that log nothing are static; the two that log each call
 * they fail and warn of an INTERNAL answer ({@link #featureFailed}, {@link #explainFailed}) belong
 * to the gateway's one instance, which Recommend and the user explanations share, so that each
 * gateway limits its own warnings.
 */
@Singleton
final class DependencyFailures {
  private static final Logger log = LoggerFactory.getLogger(DependencyFailures.class);
  /**
   * The gateway's one warning interval: how often a warning that repeats on every request is
   * logged (see {@link io.glassbox.server.WarningLimiter}), once a minute, saying how many were
   * held back. Not only for a dependency's failures: {@link Recommender}'s notices of shards mid
   * rolling update and of a model that knows none of the candidates use it too.
   */
  static final Duration WARNING_INTERVAL = Duration.ofMinutes(1);

  /** What the log adds to a failure that is the gateway's or an operator's problem. */
  static final String RETRY_DOES_NOT_MEND = "a retry does not mend this";

  /**
   * A feature or explain service refusing the gateway (its key, say) refuses every Recommend and
   * user explanation: one WARN a minute for each dependency and code it answered.
   */
  private final WarningLimiterPerCause<List<Object>> retryDoesNotMendLines =
      new WarningLimiterPerCause<>(WARNING_INTERVAL);

  /** The line of a call answered with a dependency's failure ({@link #logged}). */
  static final String FAILED_CALL_LINE = "answered {}: the {} call ended {}";

  /**
   * The line of a call whose own caller ended it while the gateway waited for a dependency: its
   * deadline passed or it cancelled ({@link #logged}).
   */
  static final String CALLERS_END_LINE = "answered {}: {} while waiting for the {}";

  /**
   * How {@link #callersEnd} says a call's own deadline passed: true both of a caller's short
   * deadline and of a dependency that hangs, since the dependency's call has the caller's deadline.
   */
  static final String CALLERS_DEADLINE = "the caller's deadline passed";

  /**
   * What the INFO line of a failed call (or feedback) counts of the ones held back since the
   * last: each is logged at DEBUG under its own request id, which the log level setting shows.
   */
  static final String FAILED_CALLS_HELD_BACK = "calls failed this way since the last one, each logged at DEBUG"
      + " under its request id: GLASSBOX_LOG_LEVEL=DEBUG logs them";

  /**
   * With a dependency down every call fails alike: one INFO line a minute for each answer,
   * dependency and code its call ended with, under the request id of the call it passed with.
   */
  private final WarningLimiterPerCause<List<Object>> failedCallLines =
      new WarningLimiterPerCause<>(WARNING_INTERVAL, FAILED_CALLS_HELD_BACK);

  @Inject
  DependencyFailures() {}

  /**
   * A failed feature-service call the answer cannot do without. Running out of the caller's
   * deadline stays DEADLINE_EXCEEDED and a cancelled call stays CANCELLED; a feature service at
   * its limit (busy, or Redis out of memory) stays RESOURCE_EXHAUSTED, which callers retry with
   * backoff, not at once as they may UNAVAILABLE; anything else means the gateway cannot answer
   * honestly: UNAVAILABLE, with the feature service's own words when it answered ({@link #dependencyFailed}).
   * Logged here ({@link #logged}), as a failure of the call {@code inbound} belongs to.
   */
  StatusRuntimeException featureFailed(Throwable failure, Context inbound) {
    return logged("feature service", failure, featureAnswer(failure), inbound);
  }

  /** {@link #featureFailed}'s answer, logging nothing. */
  private static StatusRuntimeException featureAnswer(Throwable failure) {
    Status status = Status.fromThrowable(failure);
    return switch (status.getCode()) {
      case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED
          .withDescription("the deadline passed while waiting for the feature service")
          .asRuntimeException();
      case CANCELLED -> Status.CANCELLED.withDescription("the call was cancelled").asRuntimeException();
      case RESOURCE_EXHAUSTED -> atItsLimit("feature service", status);
      default -> dependencyFailed("feature service", failure);
    };
  }

  /**
   * A failed IngestEvents call of one SubmitFeedback {@code event}: the feature service's
   * INVALID_ARGUMENT (a time in the future) and ALREADY_EXISTS (the request id taken by another
   * event of the user) reach the caller with their message, since they are about the caller's
   * input, and with the caller's field names ({@code item_id}, not {@code events[0].event.item_id};
   * {@code request_id}, the event id the gateway sends). Its NOT_FOUND (an item not in the
   * catalogue, the code ExplainItem answers it with) is said in the gateway's own words: the
   * feature service's ("only catalogue items can be ingested") speak of ingesting, which a caller
   * of SubmitFeedback never asked for. A call after which the event may have been stored says so,
   * with the event id to resend it under (the caller's request_id, or the one the gateway made),
   * since a resend under it is counted once: the feature service said Redis did not
   * confirm the write, or the request went out ({@code requestSent}) and the call then failed
   * without the feature service saying nothing was stored (the deadline passed, the connection
   * was lost or reset, the service failed). Other failures, one the request never went out with
   * included, stored nothing and answer as {@link #featureFailed}. Logs nothing: the caller logs
   * each failed feedback once ({@link FeedbackRecorder}).
   */
  static StatusRuntimeException ingestFailed(Throwable failure, UserEvent event, boolean requestSent) {
    Status status = Status.fromThrowable(failure);
    String resend = Descriptions.mayHaveBeenStoredUnder(event.getEventId());
    if (status.getCode() == Status.Code.NOT_FOUND) {
      return Status.NOT_FOUND.withDescription("item_id \"" + Descriptions.truncate(event.getEvent().getItemId())
          + "\" is not in the catalogue: feedback is taken on catalogue items only; nothing was stored")
          .asRuntimeException();
    }
    if (status.getCode() == Status.Code.INVALID_ARGUMENT || status.getCode() == Status.Code.ALREADY_EXISTS) {
      String message = status.getDescription() == null ? "" : status.getDescription();
      return Status.fromCode(status.getCode())
          .withDescription(message.replace("events[0].event_id", "request_id")
              .replace("events[0].event.", "").replace("events[0].", ""))
          .asRuntimeException();
    }
    if (status.getCode() == Status.Code.UNAVAILABLE && Descriptions.saysMayHaveBeenStored(status)) {
      return Status.UNAVAILABLE
          .withDescription("the feature service did not confirm the event was stored; " + resend)
          .asRuntimeException();
    }
    if (!requestSent || !RequestSent.mayHaveStored(status.getCode())) {
      return featureAnswer(failure);
    }
    return switch (status.getCode()) {
      case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED
          .withDescription("the deadline passed while waiting for the feature service; " + resend)
          .asRuntimeException();
      // An UNAVAILABLE the feature service answered itself stored nothing (the store was down or
      // not ready); without its name in the trailers, the connection failed under the call.
      case UNAVAILABLE -> RequestIds.answeredByAServer(failure) ? featureAnswer(failure) : callLost(status, resend);
      default -> callLost(status, resend);
    };
  }

  private static StatusRuntimeException callLost(Status status, String resend) {
    return Status.UNAVAILABLE
        .withDescription("the call to the feature service failed after the event was sent (" + status.getCode()
            + "); " + resend)
        .asRuntimeException();
  }

  /**
   * A failed interactive explain-service call (ExplainItem, WhyNot, WhatIf): its verdicts on the
   * caller's input (INVALID_ARGUMENT, NOT_FOUND) and a pinned-version mismatch reach the caller
   * with their message; running out of time stays DEADLINE_EXCEEDED, cancellation CANCELLED,
   * an explain service at its limit RESOURCE_EXHAUSTED; anything else is UNAVAILABLE naming the
   * explain service, with its own words when it answered ({@link #dependencyFailed}): the model service
   * it called failed, say. Logged here ({@link #logged}), as a failure of the call {@code inbound}
   * belongs to.
   */
  StatusRuntimeException explainFailed(Throwable failure, Context inbound) {
    Status status = Status.fromThrowable(failure);
    return logged("explain service", failure, switch (status.getCode()) {
      case INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION -> status.withCause(null).asRuntimeException();
      case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED
          .withDescription("the deadline passed while waiting for the explain service")
          .asRuntimeException();
      case CANCELLED -> Status.CANCELLED.withDescription("the call was cancelled").asRuntimeException();
      case RESOURCE_EXHAUSTED -> atItsLimit("explain service", status);
      default -> dependencyFailed("explain service", failure);
    }, inbound);
  }

  /**
   * {@code answer} to {@code dependency}'s {@code failure}, logged in the context of the call
   * {@code inbound} belongs to. An answer that is the dependency's failure, not the caller's doing
   * (its input, its hanging up), is logged at DEBUG under the call's request id ({@value
   * #FAILED_CALL_LINE}, with no description, which can be long and the caller has), and at INFO
   * for the first call in each minute of each answer, dependency and code, counting the ones held
   * back since ({@link #FAILED_CALLS_HELD_BACK}): bin/glassbox tells a person that the logs say
   * why under the call's request id, and an outage under load must not write a line per call. A
   * call its own caller cancelled while the gateway waited is the caller's doing: at DEBUG only
   * ({@value #CALLERS_END_LINE}). One whose caller's deadline passed meanwhile may be either's (a
   * short deadline, or a dependency that hangs, whose call has the caller's deadline): logged as
   * the dependency's failures are, its line saying only what is sure, under a cause of its own. A
   * call of no caller, the start's warm-up, which logs its own failure once, at DEBUG only. An
   * INTERNAL answer, a dependency's answer that is the gateway's or an operator's problem
   * ({@link #dependencyFailed}), is also logged with the advice at WARN once a minute for each
   * code the dependency answered, with the count held back since, the others at DEBUG.
   */
  private StatusRuntimeException logged(String dependency, Throwable failure, StatusRuntimeException answer,
      Context inbound) {
    Status.Code code = answer.getStatus().getCode();
    Status.Code ended = Status.fromThrowable(failure).getCode();
    Optional<String> callersEnd = callersEnd(ended, inbound);
    if (callersEnd.isPresent()) {
      if (callersEnd.get().equals(CALLERS_DEADLINE) && RequestIds.of(inbound) != null) {
        failedCallLines.log(List.of(code, dependency, CALLERS_DEADLINE), log, Level.INFO, CALLERS_END_LINE, code,
            CALLERS_DEADLINE, dependency);
      } else {
        log.debug(CALLERS_END_LINE, code, callersEnd.get(), dependency);
      }
      return answer;
    }
    if (RequestIds.of(inbound) == null) {
      log.debug(FAILED_CALL_LINE, code, dependency, ended);
      return answer;
    }
    if (theDependencysFailure(code)) {
      failedCallLines.log(List.of(code, dependency, ended), log, Level.INFO, FAILED_CALL_LINE, code, dependency, ended);
    }
    if (code == Status.Code.INTERNAL) {
      retryDoesNotMendLines.log(List.of(dependency, ended), log, Level.WARN,
          "{}; {}", answer.getStatus().getDescription(), RETRY_DOES_NOT_MEND);
    }
    return answer;
  }

  /**
   * How the caller of {@code inbound} ended its call, where that, not the dependency, ended the
   * dependency's call with {@code ended}: its deadline passed, or it cancelled. The dependency's
   * call has the caller's deadline (or a shorter one of the gateway's, whose passing is the
   * dependency's slowness), and is cancelled with the inbound call.
   */
  static Optional<String> callersEnd(Status.Code ended, Context inbound) {
    if (ended != Status.Code.DEADLINE_EXCEEDED && ended != Status.Code.CANCELLED) {
      return Optional.empty();
    }
    Deadline deadline = inbound.getDeadline();
    if (deadline != null && deadline.isExpired()) {
      return Optional.of(CALLERS_DEADLINE);
    }
    return inbound.isCancelled() ? Optional.of("the caller cancelled the call") : Optional.empty();
  }

  /**
   * Whether an answer of {@link #featureFailed} or {@link #explainFailed} is the dependency's
   * failure: not a verdict on the caller's input passed on, nor a cancelled call.
   */
  private static boolean theDependencysFailure(Status.Code answer) {
    return switch (answer) {
      case UNAVAILABLE, INTERNAL, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED -> true;
      default -> false;
    };
  }

  /**
   * The status for a failed call to {@code dependency}. When the dependency answered (its name is
   * in the trailers) the failure is its own report, often about what it depends on (the explain
   * service's model service down, the feature service's Redis lost): its description is passed on
   * (it escaped what it quotes), so the caller learns the real culprit. An answered UNAVAILABLE
   * stays UNAVAILABLE, which callers may retry; any other answered code (INVALID_ARGUMENT of a
   * request the gateway built, UNAUTHENTICATED of the gateway's key, INTERNAL, UNIMPLEMENTED) is
   * the gateway's or an operator's problem that a retry does not mend: INTERNAL. A
   * call it did not answer (connection refused, reset, lost) says the dependency is unavailable.
   */
  private static StatusRuntimeException dependencyFailed(String dependency, Throwable failure) {
    Status status = Status.fromThrowable(failure);
    if (!RequestIds.answeredByAServer(failure)) {
      return Status.UNAVAILABLE
          .withDescription("the " + dependency + " is unavailable (" + status.getCode() + ")")
          .asRuntimeException();
    }
    String words = status.getDescription() == null ? "" : ": " + status.getDescription();
    if (status.getCode() == Status.Code.UNAVAILABLE) {
      return Status.UNAVAILABLE.withDescription("the " + dependency + " answered" + words).asRuntimeException();
    }
    return Status.INTERNAL.withDescription("the " + dependency + " answered " + status.getCode() + words)
        .asRuntimeException();
  }

  private static StatusRuntimeException atItsLimit(String dependency, Status status) {
    return Status.RESOURCE_EXHAUSTED
        .withDescription("the " + dependency + " is at its limit ("
            + (status.getDescription() == null ? "busy" : status.getDescription()) + ")")
        .asRuntimeException();
  }

  /**
   * Why a failed ranking Score call left the model's ranking out of a Recommend answer: the model
   * service did not answer in the gateway's time for it, refused the gateway's credentials (an
   * operator's problem, which retrying does not mend), was at its limit of calls at once, or was
   * down or failed. Only the model service itself (its name in the trailers) can have refused the
   * credentials: an UNAUTHENTICATED without it is the gateway failing to send its own key, before
   * any model service saw the call.
   */
  static RankingDegradedCause whyTheModelDidNotRank(Throwable failure) {
    return switch (Status.fromThrowable(failure).getCode()) {
      case DEADLINE_EXCEEDED -> RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_TIMED_OUT;
      case UNAUTHENTICATED, PERMISSION_DENIED -> RequestIds.answeredByAServer(failure)
          ? RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_REFUSED_CREDENTIALS
          : RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE;
      case RESOURCE_EXHAUSTED -> RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_BUSY;
      default -> RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE;
    };
  }

  /**
   * The status a caller of the gateway gets for a failed call: a status the gateway chose keeps
   * its code and message; anything else is a bug, logged here once and reported as INTERNAL.
   */
  static StatusRuntimeException forCaller(Throwable failure) {
    Status status = Status.fromThrowable(failure);
    if (status.getCode() == Status.Code.UNKNOWN) {
      log.error("request failed unexpectedly", failure);
      return Status.INTERNAL.withDescription("internal error").asRuntimeException();
    }
    return status.withCause(null).asRuntimeException();
  }
}
