package io.glassbox.model;

import static io.glassbox.server.MetricsText.scrape;
import static io.glassbox.server.MetricsText.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.ReloadModelRequest;
import io.glassbox.api.v1.ReloadModelResponse;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.ScoreResponse;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The start sequence the launcher uses: Guice wiring, model load, readiness, a real port. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ModelMainTest {
  /** The warm-up's shapes: the gateway's Score, the explainer's Score and its counterfactual batch. */
  private static final int WARM_UP_BATCHES = 3;
  @TempDir Path modelDirectory;

  @Test
  void start_loadsTheNewestVersionAndReportsServing() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    ModelFolders.addToyVersion(modelDirectory, "v2");
    String name = "model-main-test-" + UUID.randomUUID();
    GrpcServer server = ModelMain.start(
        ModelServiceUnderTest.cpuConfig(modelDirectory, ModelFolders.TOY_NAME),
        GrpcServer.inProcess(ModelMain.SERVER_NAME, name));
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      ServingStatus status = HealthGrpc.newBlockingStub(channel)
          .check(HealthCheckRequest.newBuilder().setService("glassbox.v1.ModelService").build())
          .getStatus();
      String version = ModelServiceGrpc.newBlockingStub(channel)
          .getModelInfo(GetModelInfoRequest.getDefaultInstance()).getVersion();

      assertEquals(ServingStatus.SERVING, status);
      assertEquals("v2", version);
    } finally {
      channel.shutdownNow();
      server.close();
    }
  }

  @Test
  void onAPort_withBatching_answersConcurrentCallsFromTheWorker_andBadInputWithoutHarm() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    // Batching on (the default): Score handlers run on the transport's threads and only queue
    // the call; the batching worker answers it.
    GrpcServer server = startOnPortsWithBatching();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    ExecutorService callers = Executors.newFixedThreadPool(16);
    try {
      ModelServiceGrpc.ModelServiceBlockingStub stub = ModelServiceGrpc.newBlockingStub(channel);
      List<Future<ScoreResponse>> answers = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        int candidate = 1 + i % 12;
        answers.add(callers.submit(() -> stub.withDeadlineAfter(20, TimeUnit.SECONDS)
            .score(ScoreRpcTest.request(ScoreRpcTest.row(List.of(2, 4), List.of(candidate))))));
      }
      for (int i = 0; i < answers.size(); i++) {
        int candidate = 1 + i % 12;
        assertEquals(ScoreRpcTest.toyScore(candidate, 2, 4), answers.get(i).get().getRows(0).getScores(0), 1e-5f);
      }

      StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> stub.score(
          ScoreRpcTest.request(io.glassbox.api.v1.ScoreRow.newBuilder()
              .addCandidateItemIds("no-such-item").build())));
      assertEquals(Status.Code.INVALID_ARGUMENT, unknown.getStatus().getCode());
      assertTrue(unknown.getStatus().getDescription().contains("not in the vocabulary"),
          unknown.getStatus().getDescription());
      assertEquals(ScoreRpcTest.toyScore(7, 3), stub.score(
          ScoreRpcTest.request(ScoreRpcTest.row(List.of(3), List.of(7)))).getRows(0).getScores(0), 1e-5f);

      // The refused call never reached the queue; the 65 others were answered by the worker,
      // after the start's warm-up inferences.
      String metrics = scrape(server);
      assertEquals(65 + WARM_UP_BATCHES, value(metrics, "glassbox_model_batched_calls_total"), metrics);
      assertTrue(metrics.contains("glassbox_model_queued_calls 0.0"), metrics);
      assertTrue(metrics.contains("glassbox_model_expired_calls_total 0.0"), metrics);
      double batches = value(metrics, "glassbox_model_batches_total") - WARM_UP_BATCHES;
      assertTrue(batches >= 9 && batches <= 65, "batches of at most 8 calls: " + batches);
      assertTrue(value(metrics, "glassbox_model_calls_taken_spinning_total")
          <= value(metrics, "glassbox_model_batcher_spins_total"), metrics);
    } finally {
      callers.shutdownNow();
      channel.shutdownNow();
      server.close();
    }
  }

  @Test
  void start_withBatching_warmsTheModelThroughTheEngineBeforeServing_andAReloadedVersionBeforeItIsActive()
      throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    GrpcServer server = startOnPortsWithBatching();
    ManagedChannel admin = NettyChannelBuilder.forAddress("127.0.0.1", server.adminPort()).usePlaintext().build();
    try {
      // No Score call was made: every batch the worker ran is warm-up, run before start returned
      // (start reports SERVING last). The loader's own test inferences bypass the engine.
      double atStart = value(scrape(server), "glassbox_model_batches_total");
      assertTrue(atStart >= WARM_UP_BATCHES, "warm-up batches before SERVING: " + atStart);

      ModelFolders.addToyVersion(modelDirectory, "v2");
      ReloadModelResponse reloaded = ModelAdminGrpc.newBlockingStub(admin)
          .reloadModel(ReloadModelRequest.newBuilder().setVersion("v2").build());

      assertEquals("v2", reloaded.getActive().getVersion());
      double afterReload = value(scrape(server), "glassbox_model_batches_total");
      assertTrue(afterReload >= atStart + WARM_UP_BATCHES,
          "warm-up batches of the reloaded version: " + (afterReload - atStart));
    } finally {
      admin.shutdownNow();
      server.close();
    }
  }

  @Test
  void metrics_showTheActiveVersionOnly_beforeAndAfterAReload() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    GrpcServer server = startOnPortsWithBatching();
    ManagedChannel admin = NettyChannelBuilder.forAddress("127.0.0.1", server.adminPort()).usePlaintext().build();
    try {
      assertEquals(List.of("glassbox_model_info{model=\"toy\",version=\"v1\"} 1"), modelInfo(scrape(server)));

      ModelFolders.addToyVersion(modelDirectory, "v2");
      ModelAdminGrpc.newBlockingStub(admin).reloadModel(ReloadModelRequest.newBuilder().setVersion("v2").build());

      String metrics = scrape(server);
      assertEquals(List.of("glassbox_model_info{model=\"toy\",version=\"v2\"} 1"), modelInfo(metrics));
      // The failed outcome is on /metrics at 0 before any failure, for the reload alert's increase().
      assertEquals(0, value(metrics, "glassbox_model_reloads_total{outcome=\"failed\"}"), metrics);
      assertEquals(1, value(metrics, "glassbox_model_reloads_total{outcome=\"swapped\"}"), metrics);
    } finally {
      admin.shutdownNow();
      server.close();
    }
  }

  private static List<String> modelInfo(String metrics) {
    return metrics.lines().filter(line -> line.startsWith(ModelInfoMetric.NAME + "{")).toList();
  }

  /** The toy model on free loopback ports, batching on, as ModelMain starts it from the environment. */
  private GrpcServer startOnPortsWithBatching() {
    return ModelMain.start(ConfigSource.of(Map.of(
        ModelConfig.PORT_KEY, "0", ModelConfig.ADMIN_PORT_KEY, "0", ServerSettings.METRICS_PORT_KEY, "0",
        ModelConfig.DIRECTORY_KEY, modelDirectory.toString(), ModelConfig.NAME_KEY, ModelFolders.TOY_NAME,
        ModelConfig.PROVIDER_KEY, "cpu", ModelConfig.BATCHING_KEY, "true")));
  }

  @Test
  void start_withABrokenModel_failsInsteadOfServing() {
    ModelFolders.addCorruptVersion(modelDirectory, "v1");

    assertThrows(ModelLoadException.class, () -> ModelMain.start(
        ModelServiceUnderTest.cpuConfig(modelDirectory, ModelFolders.TOY_NAME),
        GrpcServer.inProcess(ModelMain.SERVER_NAME, "model-main-test-" + UUID.randomUUID())));
  }

  @Test
  void start_newestVersionCorrupt_failsNamingItsFolderAndTheOlderVersionsToPin() {
    ModelFolders.addToyVersion(modelDirectory, "20261122-050136");
    ModelFolders.addToyVersion(modelDirectory, "20261201-000000");
    Path corrupt = ModelFolders.addCorruptVersion(modelDirectory, "20261215-000000");

    ModelLoadException failure = assertThrows(ModelLoadException.class, () -> ModelMain.start(
        ModelServiceUnderTest.cpuConfig(modelDirectory, ModelFolders.TOY_NAME),
        GrpcServer.inProcess(ModelMain.SERVER_NAME, "model-main-test-" + UUID.randomUUID())));

    assertEquals("model toy version folder " + corrupt.toAbsolutePath() + " could not be loaded: model.onnx "
        + "could not be loaded: it is not a valid ONNX protobuf file (an end-group tag without its start); is it "
        + "a complete ONNX file? To start anyway, pin one that loads with GLASSBOX_MODEL_VERSION=<version> (older versions here: "
        + "20261201-000000, 20261122-050136), or fix or remove that folder (with no version pinned the newest "
        + "folder is served).", failure.getMessage());
  }

  @Test
  void start_pinnedVersionCorrupt_failsNamingItsFolderAndTheOtherVersions() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Path corrupt = ModelFolders.addCorruptVersion(modelDirectory, "v2");
    ModelFolders.addToyVersion(modelDirectory, "v3");
    ModelConfig pinned = new ModelConfig(0, 0, modelDirectory, ModelFolders.TOY_NAME, Optional.of("v2"),
        ExecutionProviderSetting.CPU, 1, 0);

    ModelLoadException failure = assertThrows(ModelLoadException.class, () -> ModelMain.start(
        pinned, GrpcServer.inProcess(ModelMain.SERVER_NAME, "model-main-test-" + UUID.randomUUID())));

    assertEquals("model toy version folder " + corrupt.toAbsolutePath() + " could not be loaded: model.onnx "
        + "could not be loaded: it is not a valid ONNX protobuf file (an end-group tag without its start); is it "
        + "a complete ONNX file? To start anyway, fix that folder, or pin one that loads with GLASSBOX_MODEL_VERSION=<version> (others here: "
        + "v3, v1), or leave GLASSBOX_MODEL_VERSION empty to serve the newest.", failure.getMessage());
  }
}
