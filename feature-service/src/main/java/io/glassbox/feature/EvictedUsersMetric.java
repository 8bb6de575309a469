package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The in-memory store's evictions on /metrics as {@code glassbox_feature_evicted_users_total}
 * {segment="probation"|"demoted"|"protected"}: users dropped to stay within GLASSBOX_FEATURE_MAX_USERS
 * and GLASSBOX_FEATURE_MAX_EVENTS, by the segment they were evicted from; {@code demoted} are
 * customers the protected segment's 80% share put back on probation, evicted from there. All three
 * series exist from the start, at 0, so that the first eviction is an increase. Before, the store's WARN at most once a
 * minute was all that showed that customers (protected users) were losing their history.
 */
final class EvictedUsersMetric {
  static final String NAME = "glassbox_feature_evicted_users";

  private final InMemoryEventStore store;

  EvictedUsersMetric(InMemoryEventStore store) {
    this.store = requireNonNull(store, "store");
  }

  void register(PrometheusRegistry registry) {
    CounterWithCallback.builder()
        .name(NAME)
        .help("Users the in-memory feature store evicted to stay within its bounds, by the segment they were"
            + " evicted from: probation (seen in one IngestEvents call only), demoted (customers put back on"
            + " probation past the protected segment's 80% share, evicted from there) or protected (the"
            + " dataset's, an import's, or returning users); demoted and protected are customers losing their"
            + " history")
        .labelNames("segment")
        .callback(counter -> {
          InMemoryEventStore.EvictedUsers evicted = store.evictedBySegment();
          counter.call(evicted.probation(), "probation");
          counter.call(evicted.demoted(), "demoted");
          counter.call(evicted.fromProtected(), "protected");
        })
        .register(registry);
  }
}
