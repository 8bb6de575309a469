package io.glassbox.model;

import static java.util.Objects.requireNonNull;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;

/**
 * The active model version as {@value #NAME}{model, version} 1, so that Prometheus shows which
 * replica serves which version (and that a restart went back to the configured one). It is read
 * from the {@link ModelRegistry} at each scrape: one series while a version is active, the old
 * one gone after a reload, none before the first load.
 */
final class ModelInfoMetric {
  static final String NAME = "glassbox_model_info";

  private final ModelRegistry models;

  ModelInfoMetric(ModelRegistry models) {
    this.models = requireNonNull(models, "models");
  }

  void register(PrometheusRegistry registry) {
    registry.register(this::collect);
  }

  private InfoSnapshot collect() {
    // The exposition adds the _info suffix to an info metric's name.
    InfoSnapshot.Builder info = InfoSnapshot.builder()
        .name(NAME.substring(0, NAME.length() - "_info".length()))
        .help("The model version this replica serves now (always 1)");
    models.active().ifPresent(model -> info.dataPoint(InfoDataPointSnapshot.builder()
        .labels(Labels.of("model", model.modelName(), "version", model.version()))
        .build()));
    return info.build();
  }
}
