package io.glassbox.gateway;

import io.glassbox.server.ClientChannels;
import io.grpc.ManagedChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

  static DownstreamChannels open(GatewayConfig config) {
    return new DownstreamChannels(
        ClientChannels.forTarget(config.featureTarget()),
        ClientChannels.forTarget(config.modelTarget()),
        ClientChannels.forTarget(config.explainTarget()));
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
    all().forEach(ManagedChannel::shutdown);
    for (ManagedChannel channel : all()) {
      try {
        if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        channel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    log.debug("gateway channels closed");
  }

  private List<ManagedChannel> all() {
    return List.of(feature, model, explain);
  }
}
