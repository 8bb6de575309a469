package io.glassbox.explain;

import static io.glassbox.server.MetricsText.calls;
import static io.glassbox.server.MetricsText.scrape;
import static io.glassbox.server.MetricsText.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.model.ModelMain;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The explain service's start against the real model service (the shipped model, on a loopback port). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DependencyWarmupTest {

  @Test
  void start_connectsToTheModelServiceAndCallsGetModelInfoAndScore_beforeItReportsServing() throws IOException {
    String root = System.getProperty("glassbox.repo.root");
    String featureName = "feature-" + UUID.randomUUID();
    try (GrpcServer model = ModelMain.start(ConfigSource.of(Map.of(
            "GLASSBOX_MODEL_DIR", root + "/models",
            "GLASSBOX_MODEL_PORT", "0",
            "GLASSBOX_MODEL_ADMIN_PORT", "0",
            "GLASSBOX_METRICS_PORT", "0")));
        GrpcServer feature = GrpcServer.inProcess("fake-feature", featureName)
            .addService(new FakeFeatureService(Map.of())).start()) {
      assertEquals(0.0, value(scrape(model), "glassbox_connections_open{port=\"client\"}"));

      // start returns the server SERVING: whatever the model service saw by then came before it.
      try (GrpcServer explain = ExplainMain.start(ConfigSource.of(Map.of(
          ExplainConfig.PORT_KEY, "0",
          "GLASSBOX_METRICS_PORT", "0",
          ExplainConfig.MODEL_TARGET_KEY, "localhost:" + model.port(),
          ExplainConfig.FEATURE_TARGET_KEY, "in-process:" + featureName)))) {
        String metrics = scrape(model);

        assertEquals(1.0, value(metrics, "glassbox_connections_open{port=\"client\"}"), metrics);
        assertTrue(calls(metrics, "glassbox.v1.ModelService", "GetModelInfo") >= 1, metrics);
        assertTrue(calls(metrics, "glassbox.v1.ModelService", "Score") >= 1, metrics);
      }
    }
  }
}
