package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OrtEnvironment;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What /metrics says of the model version served while none is yet: ModelMain's server listens
 * (its /metrics too) before the configured version has loaded, and a series then would claim a
 * version this replica does not serve.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ModelInfoMetricTest {
  /** What Prometheus asks for (OpenMetrics), and what a person's curl gets (the text format). */
  private static final List<String> ACCEPTED = List.of("application/openmetrics-text; version=1.0.0", "text/plain");

  @TempDir Path modelDirectory;

  @Test
  void scrape_beforeTheFirstLoad_hasNoSeries_thenTheLoadedVersionOnly() throws IOException {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    ModelConfig config = ModelServiceUnderTest.cpuConfig(modelDirectory, ModelFolders.TOY_NAME);
    OrtEnvironment environment = OnnxRuntimeLibraries.environment();
    try (ModelRegistry registry = new ModelRegistry(
        new ModelLoader(environment, new SessionFactory(environment, config, ModelServiceUnderTest.NO_GPU)), config)) {
      PrometheusRegistry metrics = new PrometheusRegistry();
      new ModelInfoMetric(registry).register(metrics);

      for (String accept : ACCEPTED) {
        assertEquals(List.of(), samples(metrics, accept), accept);
      }
      registry.loadConfiguredVersion();
      for (String accept : ACCEPTED) {
        assertEquals(List.of(ModelInfoMetric.NAME + "{model=\"toy\",version=\"v1\"} 1"), samples(metrics, accept),
            accept);
      }
    }
  }

  /** The model info's sample lines in {@code metrics} as the /metrics endpoint writes them for {@code accept}. */
  private static List<String> samples(PrometheusRegistry metrics, String accept) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ExpositionFormats.init().findWriter(accept).write(out, metrics.scrape());
    return out.toString(StandardCharsets.UTF_8).lines().filter(line -> line.startsWith(ModelInfoMetric.NAME)).toList();
  }
}
