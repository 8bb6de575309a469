package io.glassbox.model;

import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.server.GrpcServer;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The real model-service stack (loader, registry, scorer, gRPC service) on CPU behind an
 * in-process server with a unique name, called through a real generated stub.
 */
final class ModelServiceUnderTest implements AutoCloseable {
  /** A path that never exists, so "auto" never tries CUDA in tests. */
  static final Path NO_GPU = Path.of("/nonexistent/glassbox-test-gpu");

  final ModelConfig config;
  final ModelRegistry registry;
  final Scorer scorer;
  final InferenceEngine engine;
  final ModelServiceGrpc.ModelServiceBlockingStub stub;
  /** The admin service, on the server's admin (in-process) port. */
  final ModelAdminGrpc.ModelAdminBlockingStub admin;
  private final GrpcServer server;
  private final ManagedChannel channel;
  private final ManagedChannel adminChannel;

  private ModelServiceUnderTest(ModelConfig config) {
    this.config = config;
    ModelLoader loader = new ModelLoader(
        OnnxRuntimeLibraries.environment(), new SessionFactory(OnnxRuntimeLibraries.environment(), config, NO_GPU));
    this.registry = new ModelRegistry(loader, config);
    this.engine = config.newInferenceEngine();
    this.scorer = new Scorer(registry, engine);
    ModelGrpcService models = new ModelGrpcService(scorer, registry, config);
    String name = "model-service-test-" + UUID.randomUUID();
    ModelAdminGrpcService adminService = new ModelAdminGrpcService(registry, models);
    GrpcServer.Builder builder = GrpcServer.inProcess(ModelMain.SERVER_NAME, name);
    adminService.registerMetrics(builder.metricsRegistry());
    this.server = builder.addService(models).addAdminService(adminService, 0).start();
    this.channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    this.stub = ModelServiceGrpc.newBlockingStub(channel);
    this.adminChannel = InProcessChannelBuilder.forName(name + "-admin").directExecutor().build();
    this.admin = ModelAdminGrpc.newBlockingStub(adminChannel);
  }

  /** A CPU config for model {@code name} under {@code modelDirectory}. */
  static ModelConfig cpuConfig(Path modelDirectory, String name) {
    return new ModelConfig(0, 0, modelDirectory, name, Optional.empty(), ExecutionProviderSetting.CPU, 1, 0);
  }

  /** Started with no model loaded yet. */
  static ModelServiceUnderTest withoutModel(Path modelDirectory) {
    return new ModelServiceUnderTest(cpuConfig(modelDirectory, ModelFolders.TOY_NAME));
  }

  /** Started with the newest toy version under {@code modelDirectory} loaded. */
  static ModelServiceUnderTest withToyModel(Path modelDirectory) {
    return loaded(cpuConfig(modelDirectory, ModelFolders.TOY_NAME));
  }

  static ModelServiceUnderTest loaded(ModelConfig config) {
    ModelServiceUnderTest service = new ModelServiceUnderTest(config);
    try {
      service.registry.loadConfiguredVersion();
      return service;
    } catch (RuntimeException e) {
      service.close();
      throw e;
    }
  }

  /** The sample lines of {@code metric} on the server's /metrics (the text format). */
  List<String> metricSamples(String metric) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ExpositionFormats.init().findWriter("text/plain").write(out, server.metrics().scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8).lines().filter(line -> line.startsWith(metric)).toList();
  }

  @Override
  public void close() {
    adminChannel.shutdownNow();
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.close();
    engine.close();
    registry.close();
  }
}
