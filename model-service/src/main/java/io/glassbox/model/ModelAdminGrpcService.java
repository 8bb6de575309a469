package io.glassbox.model;

import static java.util.Objects.requireNonNull;

import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.ModelInfo;
import io.glassbox.api.v1.ReloadModelRequest;
import io.glassbox.api.v1.ReloadModelResponse;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;
import java.util.Optional;

/**
 * {@code glassbox.v1.ModelAdmin}: model reloads, served only on the admin port (admin role when
 * keys are configured), so that a caller of the public port can never switch the live model.
 */
public final class ModelAdminGrpcService extends ModelAdminGrpc.ModelAdminImplBase {
  private final ModelRegistry registry;
  private final ModelGrpcService models;

  @Inject
  public ModelAdminGrpcService(ModelRegistry registry, ModelGrpcService models) {
    this.registry = requireNonNull(registry, "registry");
    this.models = requireNonNull(models, "models");
  }

  @Override
  public void reloadModel(ReloadModelRequest request, StreamObserver<ReloadModelResponse> responses) {
    ModelGrpcService.respond(responses, () -> {
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
      return response.build();
    });
  }
}
