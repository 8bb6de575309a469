package io.glassbox.gateway;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import io.grpc.Channel;
import io.grpc.Deadline;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;

/**
 * The gateway's bindings. The channels are built (and shut down) by {@link GatewayMain}, the
 * metrics registry by its server; this module only hands them out.
 */
public final class GatewayModule extends AbstractModule {
  private final GatewayConfig config;
  private final Channel featureChannel;
  private final Channel modelChannel;
  private final Channel explainChannel;
  private final PrometheusRegistry metrics;

  public GatewayModule(GatewayConfig config, Channel featureChannel, Channel modelChannel,
      Channel explainChannel, PrometheusRegistry metrics) {
    this.config = requireNonNull(config, "config");
    this.featureChannel = requireNonNull(featureChannel, "featureChannel");
    this.modelChannel = requireNonNull(modelChannel, "modelChannel");
    this.explainChannel = requireNonNull(explainChannel, "explainChannel");
    this.metrics = requireNonNull(metrics, "metrics");
  }

  @Override
  protected void configure() {
    bind(GatewayConfig.class).toInstance(config);
    bind(Channel.class).annotatedWith(FeatureChannel.class).toInstance(featureChannel);
    bind(Channel.class).annotatedWith(ModelChannel.class).toInstance(modelChannel);
    bind(Channel.class).annotatedWith(ExplainChannel.class).toInstance(explainChannel);
    bind(PrometheusRegistry.class).toInstance(metrics);
    bind(Clock.class).toInstance(Clock.systemUTC());
    // Deadlines compare only with deadlines of the same ticker: the one gRPC's contexts use.
    bind(Deadline.Ticker.class).toInstance(Deadline.getSystemTicker());
  }
}
