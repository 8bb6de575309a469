package io.glassbox.feature;

/** Which {@link EventStore} the service uses ({@code GLASSBOX_FEATURE_STORE}). */
public enum StoreKind {
  /** {@link InMemoryEventStore}: one process, bounded, lost on restart. */
  MEMORY,
  /** {@link RedisEventStore}: shared by replicas, durable as Redis's AOF. */
  REDIS
}
