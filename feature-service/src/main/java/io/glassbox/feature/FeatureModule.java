package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;

/**
 * Bindings of the feature-service; no I/O here (loading happens in {@link FeatureMain}). The
 * store's bindings come from {@link InMemoryStoreModule} or {@link RedisStoreModule}.
 */
public final class FeatureModule extends AbstractModule {
  private final FeatureConfig config;

  public FeatureModule(FeatureConfig config) {
    this.config = requireNonNull(config, "config");
  }

  @Override
  protected void configure() {
    bind(FeatureConfig.class).toInstance(config);
    bind(EventTimeLimit.class).toInstance(EventTimeLimit.systemClock(config.maxClockSkew()));
    // The data folder's zone, the shop's: its days (GetUserHistory names it).
    bind(LocalTimeZone.class).toInstance(config.dataTimeZone());
    bind(CandidateRetriever.class).in(Scopes.SINGLETON);
    bind(DatasetReader.class);
    bind(FeatureGrpcService.class).in(Scopes.SINGLETON);
    bind(FeatureAdminService.class).in(Scopes.SINGLETON);
  }
}
