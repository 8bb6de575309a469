package io.glassbox.explain;

import io.glassbox.api.v1.ExplainServiceGrpc;
import io.glassbox.feature.FeatureMain;
import io.glassbox.model.ModelMain;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RunningServers;
import io.grpc.ManagedChannel;
import java.util.Map;

/**
 * The real feature service (embedded data), the real model service (the shipped ONNX model) and
 * the explain service, on loopback ports, each started as its own {@code main} starts it.
 */
final class RealExplainSuite implements AutoCloseable {
  private final RunningServers running = new RunningServers();
  final ManagedChannel feature;
  final ManagedChannel model;
  final ManagedChannel explainChannel;
  final ExplainServiceGrpc.ExplainServiceBlockingStub explain;

  /** Where the explain service reaches the model service, once the model service has started. */
  interface ModelTarget {
    /**
     * The target the explain service dials for {@code modelServer}; servers and channels it starts
     * are kept by {@code running}, closed with the suite.
     */
    String start(GrpcServer modelServer, RunningServers running);
  }

  RealExplainSuite() {
    this(Map.of(), (modelServer, running) -> "localhost:" + modelServer.port());
  }

  /**
   * As the shipped suite, with {@code config} on top of its configuration (for every service), and
   * the explain service (and {@link #model}) reaching the model service at {@code modelTarget}.
   */
  RealExplainSuite(Map<String, String> config, ModelTarget modelTarget) {
    String root = System.getProperty("glassbox.repo.root");
    ConfigSource base = ConfigSource.of(Map.of(
        "GLASSBOX_DATA_DIR", root + "/data/uci-online-retail",
        "GLASSBOX_MODEL_DIR", root + "/models",
        "GLASSBOX_FEATURE_PORT", "0",
        "GLASSBOX_MODEL_PORT", "0",
        "GLASSBOX_FEATURE_ADMIN_PORT", "0",
        "GLASSBOX_MODEL_ADMIN_PORT", "0",
        "GLASSBOX_METRICS_PORT", "0")).with(config);
    GrpcServer featureServer;
    String modelAt;
    GrpcServer explainServer;
    try {
      featureServer = running.keep(FeatureMain.start(base));
      modelAt = modelTarget.start(running.keep(ModelMain.start(base)), running);
      explainServer = running.keep(ExplainMain.start(base.with(Map.of(
          "GLASSBOX_EXPLAIN_PORT", "0",
          "GLASSBOX_EXPLAIN_DEPENDENCY_TIMEOUT", "30s",
          "GLASSBOX_FEATURE_TARGET", "localhost:" + featureServer.port(),
          "GLASSBOX_MODEL_TARGET", modelAt))));
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    feature = channel(featureServer.port());
    model = running.channel(modelAt);
    explainChannel = channel(explainServer.port());
    explain = ExplainServiceGrpc.newBlockingStub(explainChannel);
  }

  private ManagedChannel channel(int port) {
    return running.channel("localhost:" + port);
  }

  @Override
  public void close() {
    running.close();
  }
}
