package io.glassbox.gateway;

import static java.util.Objects.requireNonNull;

import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.grpc.Status;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one Recommend through the gateway's own {@link Recommender} (its channels, stubs, retry
 * policy and deadlines) before the gateway reports SERVING, so that the first shopper's Recommend
 * does not pay for connecting to the feature, model and explain services, nor for the first run
 * of the gateway's own request path, inside its explain budget. It asks for a user the feature
 * service does not know: an unknown user is answered with the popular items, ranked by the model
 * and (with the trend term on, the default) explained, so the call makes every hop a Recommend
 * makes. It is bounded by the default deadline; a failure is only logged, never fatal: a
 * dependency that is not up yet must not hold the start back, and the first Recommend then
 * connects as it always did.
 */
final class GatewayWarmup {
  /** Not a shopper of any shop's data; an id the feature service answers as an unknown user. */
  private static final String WARM_UP_USER = "glassbox-gateway-warm-up";
  private static final Logger log = LoggerFactory.getLogger(GatewayWarmup.class);

  private final Recommender recommender;
  private final Duration deadline;

  @Inject
  GatewayWarmup(Recommender recommender, GatewayConfig config) {
    this.recommender = requireNonNull(recommender, "recommender");
    this.deadline = config.defaultDeadline();
  }

  /** Makes the warm-up Recommend and logs how it went. */
  void warm() {
    long started = System.nanoTime();
    recommend().ifPresent(response -> log.info("warmed the feature, model and explain channels with one"
            + " Recommend (ranking degraded {}, explanations degraded {}) in {} ms", response.getRankingDegraded(),
        response.getExplanationsDegraded(), (System.nanoTime() - started) / 1_000_000));
  }

  private Optional<RecommendResponse> recommend() {
    // No inbound deadline here, so the Recommender gives its calls the default one from now.
    Future<RecommendResponse> call = recommender.recommend(
        RecommendQuery.from(RecommendRequest.newBuilder().setUserId(WARM_UP_USER).build()));
    try {
      // The deadline fails every outbound call; the extra second only covers the callbacks that
      // turn a failed call into an answer.
      return Optional.of(call.get(deadline.toMillis() + 1_000, TimeUnit.MILLISECONDS));
    } catch (ExecutionException e) {
      // The words say which service failed and why (one at its limit names the settings to raise).
      Status status = Status.fromThrowable(e.getCause());
      log.warn("warm-up Recommend failed ({}{}); starting without it", status.getCode(),
          status.getDescription() == null ? "" : ": " + status.getDescription());
    } catch (TimeoutException e) {
      call.cancel(true);
      log.warn("warm-up Recommend did not finish in {}; starting without it", deadline);
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
    }
    return Optional.empty();
  }
}
