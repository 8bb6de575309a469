package io.glassbox.gateway;

import io.glassbox.explain.ExplainMain;
import io.glassbox.feature.FeatureMain;
import io.glassbox.model.ModelMain;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RunningServers;
import java.util.HashMap;
import java.util.Map;

/**
 * The settings real-suite tests start the feature, model, explain services and gateways with: the
 * embedded data, the shipped model, every port free (no metrics port shared between the servers
 * of one JVM, no viewer).
 */
final class RealSuiteSettings {
  private RealSuiteSettings() {}

  static ConfigSource base() {
    String root = System.getProperty("glassbox.repo.root");
    return ConfigSource.of(Map.of(
        "GLASSBOX_DATA_DIR", root + "/data/uci-online-retail",
        "GLASSBOX_MODEL_DIR", root + "/models",
        "GLASSBOX_FEATURE_PORT", "0", "GLASSBOX_MODEL_PORT", "0", "GLASSBOX_EXPLAIN_PORT", "0",
        "GLASSBOX_GATEWAY_PORT", "0", "GLASSBOX_FEATURE_ADMIN_PORT", "0", "GLASSBOX_MODEL_ADMIN_PORT", "0",
        "GLASSBOX_METRICS_PORT", "0", "GLASSBOX_GATEWAY_HTTP_PORT", "0"));
  }

  /** The services behind a gateway, started on {@code base}. */
  record Backends(GrpcServer feature, GrpcServer model, GrpcServer explain) {
    /** Starts the feature and model services, then the explain service calling them, each kept by {@code running}. */
    static Backends start(RunningServers running, ConfigSource base) {
      GrpcServer feature = running.keep(FeatureMain.start(base));
      GrpcServer model = running.keep(ModelMain.start(base));
      GrpcServer explain = running.keep(ExplainMain.start(base.with(Map.of(
          "GLASSBOX_FEATURE_TARGET", "localhost:" + feature.port(),
          "GLASSBOX_MODEL_TARGET", "localhost:" + model.port()))));
      return new Backends(feature, model, explain);
    }

    /**
     * A gateway's settings for these services, with deadlines a loaded test machine meets (20 s
     * for the model and explain calls, 30 s a call); a mutable copy, for a test to change.
     */
    Map<String, String> gatewaySettings() {
      return new HashMap<>(Map.of(
          "GLASSBOX_FEATURE_TARGET", "localhost:" + feature.port(),
          "GLASSBOX_MODEL_TARGET", "localhost:" + model.port(),
          "GLASSBOX_EXPLAIN_TARGET", "localhost:" + explain.port(),
          "GLASSBOX_GATEWAY_MODEL_TIMEOUT", "20s",
          "GLASSBOX_EXPLAIN_TIMEOUT", "20s",
          "GLASSBOX_DEFAULT_DEADLINE", "30s"));
    }
  }
}
