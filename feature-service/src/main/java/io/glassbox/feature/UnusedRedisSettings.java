package io.glassbox.feature;

import io.glassbox.server.ConfigSource;
import java.util.List;
import java.util.Optional;

/**
 * The warning for a Redis setting that cannot take effect because the store is {@code memory}: a
 * {@code GLASSBOX_FEATURE_STORE} left out of a ConfigMap, or misspelled, would otherwise leave each
 * replica its own store, and its events lost when it stops, without a word. A warning rather than a
 * refusal to start: a deployment that sets the Redis address for later, or for another tool, keeps
 * starting as it did.
 */
final class UnusedRedisSettings {
  /** The settings only the {@code redis} store reads. */
  static final List<String> REDIS_ONLY = List.of(FeatureConfig.REDIS_URI_KEY);

  private UnusedRedisSettings() {}

  /** One line naming the Redis settings set while {@code store} is memory; empty otherwise. */
  static Optional<String> warning(ConfigSource source, StoreKind store) {
    if (store != StoreKind.MEMORY) {
      return Optional.empty();
    }
    List<String> set = REDIS_ONLY.stream().filter(key -> source.get(key).isPresent()).toList();
    if (set.isEmpty()) {
      return Optional.empty();
    }
    String which = source.get(FeatureConfig.STORE_KEY).isPresent() ? "memory" : "memory (the default)";
    return Optional.of(String.join(" and ", set) + (set.size() == 1 ? " is" : " are") + " set but "
        + FeatureConfig.STORE_KEY + " is " + which + ": events are kept in this process only and lost when it"
        + " stops; set " + FeatureConfig.STORE_KEY + "=redis to use " + (set.size() == 1 ? "it" : "them"));
  }
}
