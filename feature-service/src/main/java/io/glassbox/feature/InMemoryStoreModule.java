package io.glassbox.feature;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;

/** The store of a single process: {@link InMemoryEventStore}, with no backend to ping. */
public final class InMemoryStoreModule extends AbstractModule {
  @Override
  protected void configure() {
    bind(EventStore.class).to(InMemoryEventStore.class).in(Scopes.SINGLETON);
    bind(StorePing.class).toInstance(StorePing.NONE);
  }
}
