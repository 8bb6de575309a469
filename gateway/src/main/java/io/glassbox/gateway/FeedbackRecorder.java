package io.glassbox.gateway;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;
import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.SubmitFeedbackResponse;
import io.glassbox.api.v1.SubmitFeedbackResponseOrBuilder;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.server.Descriptions;
import io.glassbox.server.RequestIds;
import io.glassbox.server.RequestSent;
import io.glassbox.server.WarningLimiterPerCause;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.inject.Inject;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** Stores a shopper's feedback in the feature service, under the caller's deadline. */
public final class FeedbackRecorder {
  private static final Logger log = LoggerFactory.getLogger(FeedbackRecorder.class);
  /**
   * The line of a failed feedback: its answer's code, whether the event may have been stored, and
   * the feature service call's code and description.
   */
  private static final String FAILURE_LINE =
      "SubmitFeedback failed with {}: {}; the feature service call ended {}: {}";
  /** The line of a feedback that failed INTERNAL. */
  private static final String INTERNAL_FAILURE_LINE = FAILURE_LINE + "; " + DependencyFailures.RETRY_DOES_NOT_MEND;
  private final FeatureServiceGrpc.FeatureServiceFutureStub feature;
  private final GatewayConfig config;
  private final Deadline.Ticker ticker;
  private final ModelTrendWindow trendWindow;
  /**
   * A feature service that fails one feedback fails them all: one line a minute says so, for
   * each cause its line names ({@link FailureCause}).
   */
  private final WarningLimiterPerCause<FailureCause> failureLines =
      new WarningLimiterPerCause<>(DependencyFailures.WARNING_INTERVAL, DependencyFailures.FAILED_CALLS_HELD_BACK);

  @Inject
  FeedbackRecorder(@FeatureChannel Channel featureChannel, GatewayConfig config,
      Deadline.Ticker ticker, ModelTrendWindow trendWindow) {
    this.feature = FeatureServiceGrpc.newFutureStub(requireNonNull(featureChannel, "featureChannel"));
    this.config = requireNonNull(config, "config");
    this.ticker = requireNonNull(ticker, "ticker");
    this.trendWindow = requireNonNull(trendWindow, "trendWindow");
  }

  /**
   * Completes once the event is stored (and visible to the next Recommend), with the time recent
   * sales are counted up to before and after it and the model's trend window. Must be called
   * with the inbound call's context current.
   */
  ListenableFuture<SubmitFeedbackResponse> record(UserEvent event) {
    Context inbound = Context.current();
    CallBudget budget = CallBudget.of(inbound.getDeadline(), config, ticker);
    RequestSent sent = new RequestSent();
    ListenableFuture<SubmitFeedbackResponse> stored = Futures.transform(
        feature.withDeadline(budget.callerDeadline()).withInterceptors(sent.interceptor())
            .ingestEvents(IngestEventsRequest.newBuilder().addEvents(event).build()),
        ingested -> {
          SubmitFeedbackResponse.Builder response = SubmitFeedbackResponse.newBuilder()
              .setDuplicate(ingested.getDuplicateCount() > 0);
          if (ingested.hasPreviousLatestEventTime()) {
            response.setPreviousRecentSalesAsOf(ingested.getPreviousLatestEventTime());
          }
          if (ingested.hasLatestEventTime()) {
            response.setRecentSalesAsOf(ingested.getLatestEventTime());
          }
          trendWindow.current().ifPresent(response::setTrendWindow);
          warnIfTheTrendWindowPassed(response);
          return response.build();
        },
        directExecutor());
    return Futures.catching(stored, Exception.class, failure -> {
      StatusRuntimeException answer = DependencyFailures.ingestFailed(failure, event,
          sent.mayHaveBeenSent());
      Status featureCall = Status.fromThrowable(failure);
      logFailure(answer.getStatus(), featureCall, DependencyFailures.callersEnd(featureCall.getCode(), inbound));
      throw answer;
    }, RequestIds.directInMdc());
  }

  /**
   * The one line of a failed feedback, logged in the call's context, so that its request id (the
   * one a failed call's trailers carry, which bin/glassbox prints) finds it in the log, saying
   * whether the event may have been stored and how the feature service call ended. The caller's
   * own mistakes, and a call its caller cancelled ({@code callersEnd}) before the write was sent,
   * at DEBUG; a fault, a call whose caller's deadline passed (a short deadline, or a feature service
   * that hangs, whose call has the caller's deadline: a cause of its own), and a write in doubt
   * however it ended, at INFO (WARN when it is INTERNAL, which a retry does not mend), at most once a minute
   * with the count held back since, the others at DEBUG, as {@link DependencyFailures} logs the
   * other calls: with the feature service down every feedback fails. Each cause has its own
   * minute, so that a minority cause is never held back by another.
   */
  private void logFailure(Status answer, Status featureCall, Optional<String> callersEnd) {
    boolean callersMistake = switch (answer.getCode()) {
      case INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS -> true;
      default -> false;
    };
    boolean mayHaveBeenStored = Descriptions.saysMayHaveBeenStored(answer);
    boolean internal = answer.getCode() == Status.Code.INTERNAL;
    String format = internal ? INTERNAL_FAILURE_LINE : FAILURE_LINE;
    Object[] arguments = {answer.getCode(), mayHaveBeenStored ? Descriptions.MAY_HAVE_BEEN_STORED
        + " (a resend under the same request_id is counted once)" : "nothing was stored",
        featureCall.getCode(), featureCall.getDescription()};
    boolean callersDeadline = callersEnd.equals(Optional.of(DependencyFailures.CALLERS_DEADLINE));
    if (callersMistake || (callersEnd.isPresent() && !callersDeadline && !mayHaveBeenStored)) {
      log.debug(format, arguments);
    } else {
      failureLines.log(new FailureCause(answer.getCode(), mayHaveBeenStored, featureCall.getCode(), callersDeadline),
          log, internal ? Level.WARN : Level.INFO, format, arguments);
    }
  }

  /**
   * What a failed feedback's line says happened: the answer's code, whether the event may have
   * been stored (the same two codes can go either way: UNAVAILABLE after an UNAVAILABLE call is a
   * store that was not ready, or a write it did not confirm) and the feature service call's code.
   */
  private record FailureCause(Status.Code answer, boolean mayHaveBeenStored, Status.Code featureCall,
      boolean callersDeadline) {}

  /**
   * Whether the feedback moved the time recent sales are counted up to on by more than the model's
   * trend window: no earlier sale counts as recent any more, for any shopper.
   */
  public static boolean trendWindowPassed(SubmitFeedbackResponseOrBuilder response) {
    return response.hasPreviousRecentSalesAsOf() && response.hasRecentSalesAsOf() && response.hasTrendWindow()
        && Durations.compare(Timestamps.between(response.getPreviousRecentSalesAsOf(), response.getRecentSalesAsOf()),
            response.getTrendWindow()) > 0;
  }

  /** Logs when the time recent sales are counted up to moved on by more than the trend window. */
  private static void warnIfTheTrendWindowPassed(SubmitFeedbackResponse.Builder response) {
    if (trendWindowPassed(response)) {
      log.warn("Recent sales are now counted up to {} (before this feedback: {}), more than the trend window ({}) "
          + "later: no earlier sale counts as recent any more, for any shopper",
          Timestamps.toString(response.getRecentSalesAsOf()), Timestamps.toString(response.getPreviousRecentSalesAsOf()),
          Durations.toString(response.getTrendWindow()));
    }
  }
}
