package io.glassbox.gateway;

import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ClientChannels.Callbacks;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.Retries;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The channels to the services the gateway calls. They are built here and shut down here: after
 * the gateway's server has drained, so calls in flight can still finish.
 */
final class DownstreamChannels implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DownstreamChannels.class);

  private final ManagedChannel feature;
  private final ManagedChannel model;
  private final ManagedChannel explain;

  private DownstreamChannels(ManagedChannel feature, ManagedChannel model, ManagedChannel explain) {
    this.feature = feature;
    this.model = model;
    this.explain = explain;
  }

  /**
   * Opens the three channels. The gateway is the one layer that retries (see {@link Retries}):
   * its idempotent reads of the feature and model services, on UNAVAILABLE. Explain is not
   * retried: it fans out to the model and feature services itself, so a retry would repeat a
   * whole counterfactual batch, and the gateway already answers without it (degraded, flagged).
   * The explain service's own calls are not retried either, so no call is ever multiplied by
   * retries at two layers. IngestEvents (SubmitFeedback) is a write and is sent once.
   *
   * <p>Replies are handled on the transport thread that read them ({@link Callbacks#ON_TRANSPORT}):
   * every step of a request is a non-blocking continuation of the one before (see
   * {@link Recommender}), so handing each reply to a pool thread first only added a wake-up.
   */
  static DownstreamChannels open(GatewayConfig config, ClientSettings client) {
    return new DownstreamChannels(
        ClientChannels.forTarget(config.featureTarget(), client, Retries.idempotentReads(
            FeatureServiceGrpc.getGetUserHistoryMethod(),
            FeatureServiceGrpc.getRetrieveCandidatesMethod(),
            FeatureServiceGrpc.getGetItemsMethod()), Callbacks.ON_TRANSPORT),
        ClientChannels.forTarget(config.modelTarget(), client, Retries.idempotentReads(
            ModelServiceGrpc.getScoreMethod(),
            ModelServiceGrpc.getGetModelInfoMethod()), Callbacks.ON_TRANSPORT),
        ClientChannels.forTarget(config.explainTarget(), client, Retries.none(), Callbacks.ON_TRANSPORT));
  }

  ManagedChannel feature() {
    return feature;
  }

  ManagedChannel model() {
    return model;
  }

  ManagedChannel explain() {
    return explain;
  }

  boolean isTerminated() {
    return all().stream().allMatch(ManagedChannel::isTerminated);
  }

  @Override
  public void close() {
    // All three drain at the same time; each is then waited for in turn.
    all().forEach(ManagedChannel::shutdown);
    all().forEach(channel -> ClientChannels.shutDown(channel, Duration.ofSeconds(5)));
    log.debug("gateway channels closed");
  }

  private List<ManagedChannel> all() {
    return List.of(feature, model, explain);
  }
}
