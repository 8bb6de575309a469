package io.glassbox.gateway;

import io.glassbox.server.ConfigSource;
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
}
