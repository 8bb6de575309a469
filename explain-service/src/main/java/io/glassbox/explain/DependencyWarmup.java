package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.ModelInfo;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreRow;
import io.glassbox.api.v1.UnknownItemPolicy;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls the model and feature services once through the service's own channels before it reports
 * SERVING, so that the first Explain does not pay for connecting to them (and the model service's
 * first GetModelInfo and Score) inside the gateway's explain budget. Each call is bounded by the
 * dependency timeout and a failure is only logged: a dependency that is not up yet must not hold
 * the start back, and the first Explain then connects as it always did.
 */
final class DependencyWarmup {
  private static final Logger log = LoggerFactory.getLogger(DependencyWarmup.class);

  private final Channel modelChannel;
  private final Channel featureChannel;
  private final Duration timeout;

  @Inject
  DependencyWarmup(@ModelChannel Channel modelChannel, @FeatureChannel Channel featureChannel, ExplainConfig config) {
    this.modelChannel = requireNonNull(modelChannel, "modelChannel");
    this.featureChannel = requireNonNull(featureChannel, "featureChannel");
    this.timeout = config.dependencyTimeout();
  }

  /** Makes the warm-up calls; returns how many of the three were answered. */
  int warm() {
    long started = System.nanoTime();
    ModelServiceGrpc.ModelServiceBlockingStub model = ModelServiceGrpc.newBlockingStub(modelChannel);
    int answered = 0;
    ModelInfo info = call("model service GetModelInfo", () ->
        model.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
            .getModelInfo(GetModelInfoRequest.getDefaultInstance()));
    if (info != null) {
      answered++;
      // A small Score as the explainer sends them: the version's ids are not known here, so the
      // ids are skipped and the call runs the model service's Score path without a real row.
      if (call("model service Score", () -> model.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
          .score(ScoreRequest.newBuilder()
              .setUnknownItems(UnknownItemPolicy.UNKNOWN_ITEM_POLICY_SKIP)
              .setIncludeContribution(true)
              .addRows(ScoreRow.newBuilder().addCandidateItemIds("explain-service-warm-up"))
              .build())) != null) {
        answered++;
      }
    }
    if (call("feature service health check", () -> HealthGrpc.newBlockingStub(featureChannel)
        .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
        .check(HealthCheckRequest.getDefaultInstance())) != null) {
      answered++;
    }
    log.info("warmed the model and feature channels ({} of 3 calls answered) in {} ms", answered,
        (System.nanoTime() - started) / 1_000_000);
    return answered;
  }

  private static <T> T call(String what, Supplier<T> call) {
    try {
      return call.get();
    } catch (StatusRuntimeException e) {
      log.warn("warm-up call {} failed ({}); starting without it", what, e.getStatus().getCode());
      return null;
    }
  }
}
