package io.glassbox.model;

import static java.util.Objects.requireNonNull;

import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.ModelInfo;
import io.glassbox.api.v1.ReloadModelRequest;
import io.glassbox.api.v1.ReloadModelResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.inject.Inject;
import java.util.Optional;

/**
 * {@code glassbox.v1.ModelAdmin}: model reloads, served only on the admin port (admin role when
 * keys are configured), so that a caller of the public port can never switch the live model.
 * Counts each reload's outcome as {@code glassbox_model_reloads_total}{outcome="swapped"|"failed"} (see
 * {@link #registerMetrics}).
 */
public final class ModelAdminGrpcService extends ModelAdminGrpc.ModelAdminImplBase {
  static final String RELOADS = "glassbox_model_reloads";
  private final ModelRegistry registry;
  private final ModelGrpcService models;
  /**
   * Both outcomes exist at 0 from the start: the call histogram makes a status code's series only
   * when that code first occurs, so a first failed reload appeared there already at 1, and the
   * alert's increase() over it read 0 (a counter born at 1 has not increased).
   */
  private final Counter reloads = Counter.builder()
      .name(RELOADS)
      .help("ReloadModel calls by outcome: swapped (the version now serves) or failed (it ended with an error;"
          + " the old version keeps serving)")
      .labelNames("outcome")
      .build();

  @Inject
  public ModelAdminGrpcService(ModelRegistry registry, ModelGrpcService models) {
    this.registry = requireNonNull(registry, "registry");
    this.models = requireNonNull(models, "models");
    reloads.labelValues("swapped");
    reloads.labelValues("failed");
  }

  /** Shows the reload counts on {@code metrics} (the server's /metrics). */
  void registerMetrics(PrometheusRegistry metrics) {
    metrics.register(reloads);
  }

  @Override
  public void reloadModel(ReloadModelRequest request, StreamObserver<ReloadModelResponse> responses) {
    // Counted failed in a finally unless swapped: respond answers RuntimeExceptions, but an Error
    // (OutOfMemoryError loading or warming up the model) passes through it.
    boolean[] swapped = {false};
    try {
      ModelGrpcService.respond(sayingWhatKeepsServing(responses), () -> {
        // Described before the swap retires it; kept only if it is the version the swap replaced
        // (another reload between the two would have replaced this one).
        Optional<ModelInfo> before = registry.active().map(models::describe);
        // The call's context: a reload whose caller gave up while it waited or loaded is not swapped in.
        ModelRegistry.Swap swap = registry.reload(request.getVersion(), Context.current(),
            request.getAllowNewCatalogue());
        ReloadModelResponse.Builder response = ReloadModelResponse.newBuilder()
            .setActive(models.describe(swap.active()))
            .setPreviousVersion(swap.previousVersion().orElse(""));
        before.filter(info -> swap.previousVersion().equals(Optional.of(info.getVersion())))
            .ifPresent(response::setPrevious);
        reloads.labelValues("swapped").inc();
        swapped[0] = true;
        return response.build();
      });
    } finally {
      if (!swapped[0]) {
        reloads.labelValues("failed").inc();
      }
    }
  }

  /**
   * {@code responses} with every refusal ending in the version that keeps serving (or that none
   * does), where its own words do not already say it: an operator told only "model.onnx could not
   * be loaded" had to ask GetModelInfo whether the shop still had a model.
   */
  private StreamObserver<ReloadModelResponse> sayingWhatKeepsServing(StreamObserver<ReloadModelResponse> responses) {
    return new StreamObserver<>() {
      @Override
      public void onNext(ReloadModelResponse response) {
        responses.onNext(response);
      }

      @Override
      public void onError(Throwable refusal) {
        Status status = Status.fromThrowable(refusal);
        String description = status.getDescription() == null ? "" : status.getDescription();
        if (!description.contains(" keeps serving") && !description.contains("no version is serving")) {
          String serving = registry.active().map(model -> "version " + model.version() + " keeps serving")
              .orElse("no version is serving");
          status = status.withDescription(description.isEmpty() ? serving : description + "; " + serving);
        }
        responses.onError(status.asRuntimeException(Status.trailersFromThrowable(refusal)));
      }

      @Override
      public void onCompleted() {
        responses.onCompleted();
      }
    };
  }
}
