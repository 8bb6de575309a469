package io.glassbox.gateway;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;
import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.SubmitFeedbackRequest;
import io.glassbox.api.v1.SubmitFeedbackResponse;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.api.v1.UserWhatIfRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.glassbox.api.v1.WhatIfResponse;
import io.glassbox.api.v1.WhyNotResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public Gateway API. Translates each request into one domain call and its result (or
 * failure) back into a reply; answers asynchronously, so no transport thread waits on the
 * services behind it.
 */
public final class GatewayService extends GatewayGrpc.GatewayImplBase {
  private static final Logger log = LoggerFactory.getLogger(GatewayService.class);

  private final Recommender recommender;
  private final UserExplainer explainer;
  private final FeedbackRecorder feedback;
  private final DegradedAnswers degradedAnswers;
  private final Clock clock;

  @Inject
  GatewayService(
      Recommender recommender, UserExplainer explainer, FeedbackRecorder feedback,
      DegradedAnswers degradedAnswers, Clock clock) {
    this.recommender = requireNonNull(recommender, "recommender");
    this.explainer = requireNonNull(explainer, "explainer");
    this.feedback = requireNonNull(feedback, "feedback");
    this.degradedAnswers = requireNonNull(degradedAnswers, "degradedAnswers");
    this.clock = requireNonNull(clock, "clock");
  }

  @Override
  public void explainItem(UserExplainItemRequest request, StreamObserver<ExplainItemResponse> replies) {
    answer(() -> UserQuestions.read(request), explainer::explainItem, replies);
  }

  @Override
  public void whyNot(UserWhyNotRequest request, StreamObserver<WhyNotResponse> replies) {
    answer(() -> UserQuestions.read(request), explainer::whyNot, replies);
  }

  @Override
  public void whatIf(UserWhatIfRequest request, StreamObserver<WhatIfResponse> replies) {
    answer(() -> UserQuestions.read(request), explainer::whatIf, replies);
  }

  @Override
  public void recommend(RecommendRequest request, StreamObserver<RecommendResponse> replies) {
    answer(() -> RecommendQuery.from(request), recommender::recommend, replies, degradedAnswers::sent);
  }

  @Override
  public void submitFeedback(
      SubmitFeedbackRequest request, StreamObserver<SubmitFeedbackResponse> replies) {
    answer(() -> FeedbackEvents.from(request, clock.instant()), feedback::record, replies);
  }

  /** Validates ({@code read} throws INVALID_ARGUMENT), then makes the one domain call. */
  private static <Q, T> void answer(
      Supplier<Q> read, Function<Q, ListenableFuture<T>> call, StreamObserver<T> replies) {
    answer(read, call, replies, sent -> {});
  }

  /** As the one above; {@code sent} sees each answer once the caller's call has taken it. */
  private static <Q, T> void answer(Supplier<Q> read, Function<Q, ListenableFuture<T>> call,
      StreamObserver<T> replies, Consumer<T> sent) {
    Q query;
    try {
      query = read.get();
    } catch (StatusRuntimeException invalid) {
      replies.onError(invalid);
      return;
    }
    reply(call.apply(query), replies, sent);
  }

  private static <T> void reply(ListenableFuture<T> result, StreamObserver<T> replies, Consumer<T> sent) {
    Futures.addCallback(result, new FutureCallback<T>() {
      @Override
      public void onSuccess(T response) {
        try {
          replies.onNext(response);
          replies.onCompleted();
          sent.accept(response);
        } catch (RuntimeException callGone) {
          // The caller cancelled or its deadline passed while we worked: nobody to tell.
          log.debug("reply not sent", callGone);
        }
      }

      @Override
      public void onFailure(Throwable failure) {
        try {
          replies.onError(DependencyFailures.forCaller(failure));
        } catch (RuntimeException callGone) {
          log.debug("error reply not sent", callGone);
        }
      }
    }, directExecutor());
  }
}
