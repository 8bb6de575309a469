package io.glassbox.gateway;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;
import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.SubmitFeedbackResponse;
import io.glassbox.api.v1.UserEvent;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Deadline;
import jakarta.inject.Inject;

/** Stores a shopper's feedback in the feature service, under the caller's deadline. */
final class FeedbackRecorder {
  private final FeatureServiceGrpc.FeatureServiceFutureStub feature;
  private final GatewayConfig config;
  private final Deadline.Ticker ticker;

  @Inject
  FeedbackRecorder(@FeatureChannel Channel featureChannel, GatewayConfig config,
      Deadline.Ticker ticker) {
    this.feature = FeatureServiceGrpc.newFutureStub(requireNonNull(featureChannel, "featureChannel"));
    this.config = requireNonNull(config, "config");
    this.ticker = requireNonNull(ticker, "ticker");
  }

  /**
   * Completes once the event is stored (and visible to the next Recommend). Must be called with
   * the inbound call's context current.
   */
  ListenableFuture<SubmitFeedbackResponse> record(UserEvent event) {
    CallBudget budget = CallBudget.of(Context.current().getDeadline(), config, ticker);
    ListenableFuture<SubmitFeedbackResponse> stored = Futures.transform(
        feature.withDeadline(budget.callerDeadline())
            .ingestEvents(IngestEventsRequest.newBuilder().addEvents(event).build()),
        ingested -> SubmitFeedbackResponse.newBuilder()
            .setDuplicate(ingested.getDuplicateCount() > 0)
            .build(),
        directExecutor());
    return Futures.catching(stored, Exception.class, failure -> {
      throw DependencyFailures.ingestFailed(failure);
    }, directExecutor());
  }
}
