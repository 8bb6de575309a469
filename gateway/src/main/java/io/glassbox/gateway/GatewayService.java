package io.glassbox.gateway;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;
import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.SubmitFeedbackRequest;
import io.glassbox.api.v1.SubmitFeedbackResponse;
import io.glassbox.api.v1.UserEvent;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;
import java.time.Clock;
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
  private final FeedbackRecorder feedback;
  private final Clock clock;

  @Inject
  GatewayService(Recommender recommender, FeedbackRecorder feedback, Clock clock) {
    this.recommender = requireNonNull(recommender, "recommender");
    this.feedback = requireNonNull(feedback, "feedback");
    this.clock = requireNonNull(clock, "clock");
  }

  @Override
  public void recommend(RecommendRequest request, StreamObserver<RecommendResponse> replies) {
    RecommendQuery query;
    try {
      query = RecommendQuery.from(request);
    } catch (StatusRuntimeException invalid) {
      replies.onError(invalid);
      return;
    }
    reply(recommender.recommend(query), replies);
  }

  @Override
  public void submitFeedback(
      SubmitFeedbackRequest request, StreamObserver<SubmitFeedbackResponse> replies) {
    UserEvent event;
    try {
      event = FeedbackEvents.from(request, clock.instant());
    } catch (StatusRuntimeException invalid) {
      replies.onError(invalid);
      return;
    }
    reply(feedback.record(event), replies);
  }

  private static <T> void reply(ListenableFuture<T> result, StreamObserver<T> replies) {
    Futures.addCallback(result, new FutureCallback<T>() {
      @Override
      public void onSuccess(T response) {
        try {
          replies.onNext(response);
          replies.onCompleted();
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
