package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import io.grpc.Channel;

/**
 * Bindings of the explain service. The channels are built (and shut down) by
 * {@link ExplainMain}; this module only hands them out.
 */
public final class ExplainModule extends AbstractModule {
  private final ExplainConfig config;
  private final Channel modelChannel;
  private final Channel featureChannel;

  public ExplainModule(ExplainConfig config, Channel modelChannel, Channel featureChannel) {
    this.config = requireNonNull(config, "config");
    this.modelChannel = requireNonNull(modelChannel, "modelChannel");
    this.featureChannel = requireNonNull(featureChannel, "featureChannel");
  }

  @Override
  protected void configure() {
    bind(ExplainConfig.class).toInstance(config);
    bind(Channel.class).annotatedWith(ModelChannel.class).toInstance(modelChannel);
    bind(Channel.class).annotatedWith(FeatureChannel.class).toInstance(featureChannel);
  }
}
