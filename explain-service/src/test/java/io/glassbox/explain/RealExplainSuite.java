package io.glassbox.explain;

import io.glassbox.api.v1.ExplainServiceGrpc;
import io.glassbox.feature.FeatureMain;
import io.glassbox.model.ModelMain;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The real feature service (embedded data), the real model service (the shipped ONNX model) and
 * the explain service, on loopback ports, each started as its own {@code main} starts it.
 */
final class RealExplainSuite implements AutoCloseable {
  private final List<GrpcServer> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  final ManagedChannel feature;
  final ManagedChannel model;
  final ManagedChannel explainChannel;
  final ExplainServiceGrpc.ExplainServiceBlockingStub explain;

  RealExplainSuite() {
    String root = System.getProperty("glassbox.repo.root");
    ConfigSource base = ConfigSource.of(Map.of(
        "GLASSBOX_DATA_DIR", root + "/data/uci-online-retail",
        "GLASSBOX_MODEL_DIR", root + "/models",
        "GLASSBOX_FEATURE_PORT", "0",
        "GLASSBOX_MODEL_PORT", "0",
        "GLASSBOX_FEATURE_ADMIN_PORT", "0",
        "GLASSBOX_MODEL_ADMIN_PORT", "0",
        "GLASSBOX_METRICS_PORT", "0"));
    try {
      GrpcServer featureServer = FeatureMain.start(base);
      servers.add(featureServer);
      GrpcServer modelServer = ModelMain.start(base);
      servers.add(modelServer);
      servers.add(ExplainMain.start(base.with(Map.of(
          "GLASSBOX_EXPLAIN_PORT", "0",
          "GLASSBOX_EXPLAIN_DEPENDENCY_TIMEOUT", "30s",
          "GLASSBOX_FEATURE_TARGET", "localhost:" + featureServer.port(),
          "GLASSBOX_MODEL_TARGET", "localhost:" + modelServer.port()))));
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    feature = channel(servers.get(0).port());
    model = channel(servers.get(1).port());
    explainChannel = channel(servers.get(2).port());
    explain = ExplainServiceGrpc.newBlockingStub(explainChannel);
  }

  private ManagedChannel channel(int port) {
    ManagedChannel channel = ClientChannels.forTarget("localhost:" + port);
    channels.add(channel);
    return channel;
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    for (int i = servers.size() - 1; i >= 0; i--) {
      servers.get(i).close();
    }
  }
}
