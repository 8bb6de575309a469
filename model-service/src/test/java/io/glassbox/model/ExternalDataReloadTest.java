package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.ReloadModelRequest;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Model files whose tensors name external data: a version may only read files inside its own
 * folder, whatever path its model.onnx writes (ONNX Runtime itself would follow any).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExternalDataReloadTest {
  private static final ScoreRequest ONE_CELL =
      ScoreRpcTest.request(ScoreRpcTest.row(List.of(2, 4), List.of(3)));

  @TempDir Path modelDirectory;
  @TempDir Path elsewhere;

  @Test
  void reloadModel_onAPort_initializerReadingEtcPasswd_isRefused_andTheOldVersionKeepsServing() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    GrpcServer server = ModelMain.start(ConfigSource.of(Map.of(
        ModelConfig.PORT_KEY, "0", ModelConfig.ADMIN_PORT_KEY, "0", ServerSettings.METRICS_PORT_KEY, "0",
        ModelConfig.DIRECTORY_KEY, modelDirectory.toString(), ModelConfig.NAME_KEY, ModelFolders.TOY_NAME,
        ModelConfig.PROVIDER_KEY, "cpu")));
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    ManagedChannel admin = NettyChannelBuilder.forAddress("127.0.0.1", server.adminPort()).usePlaintext().build();
    try {
      ModelServiceGrpc.ModelServiceBlockingStub stub = ModelServiceGrpc.newBlockingStub(channel);
      ModelFolders.addExternalInitializerVersion(modelDirectory, "v2", "../../../../../../etc/passwd");

      StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () ->
          ModelAdminGrpc.newBlockingStub(admin).reloadModel(ReloadModelRequest.newBuilder().setVersion("v2").build()));

      assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode(), refused.getStatus().toString());
      assertEquals("model.onnx tensor \"extra\" names external data \"../../../../../../etc/passwd\", a path "
          + "that climbs out with \"..\"; external data must be a file inside the version folder, named by a "
          + "relative path; version v1 keeps serving", refused.getStatus().getDescription());
      assertEquals("v1", stub.getModelInfo(GetModelInfoRequest.getDefaultInstance()).getVersion());
      assertEquals("v1", stub.score(ONE_CELL).getModelVersion());
      assertEquals(ScoreRpcTest.toyScore(3, 2, 4), stub.score(ONE_CELL).getRows(0).getScores(0), 1e-5f);
    } finally {
      admin.shutdownNow();
      channel.shutdownNow();
      server.close();
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "/etc/passwd | an absolute path",
      "data/../../v1/model.onnx | a path that climbs out with \"..\"",
      "..\\v1\\model.onnx | a path that climbs out with \"..\"",
      "missing.bin | which is missing from the version folder",
      // ONNX Runtime reads this location as a memory address held in the offset.
      "*/_ORT_MEM_ADDR_/* | the ONNX Runtime memory address tag",
      "weights/_ORT_MEM_ADDR_.bin | the ONNX Runtime memory address tag",
      "weights/*.bin | not a plain relative path (letters, digits, \".\", \"_\" and \"-\", separated by \"/\")",
      "weights//extra.bin | not a plain relative path (letters, digits, \".\", \"_\" and \"-\", separated by \"/\")",
      "'' | an empty path"})
  void reloadModel_externalDataNotAFileInsideTheFolder_isRefused(String location, String problem) {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      ModelFolders.addExternalInitializerVersion(modelDirectory, "v2", location);

      String message = refusedReload(service, "v2");

      assertTrue(message.startsWith("model.onnx tensor \"extra\" names external data \"" + location + "\", "
          + problem + ";"), message);
      assertEquals("v1", service.stub.score(ONE_CELL).getModelVersion());
    }
  }

  @Test
  void reloadModel_memoryAddressTagThatIsAlsoAFileInTheFolder_isRefused() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      // "*" is a legal file name: the file exists, yet ONNX Runtime would read memory at the offset.
      Path folder = ModelFolders.addExternalInitializerVersion(modelDirectory, "v2", "*/_ORT_MEM_ADDR_/*");
      Files.createDirectories(folder.resolve("*/_ORT_MEM_ADDR_"));
      Files.write(folder.resolve("*/_ORT_MEM_ADDR_/*"), new byte[4]);

      String message = refusedReload(service, "v2");

      assertTrue(message.startsWith("model.onnx tensor \"extra\" names external data \"*/_ORT_MEM_ADDR_/*\", "
          + "the ONNX Runtime memory address tag;"), message);
      assertEquals("v1", service.stub.score(ONE_CELL).getModelVersion());
    }
  }

  @Test
  void reloadModel_externalDataThroughASymbolicLinkOutOfTheFolder_isRefused() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      Path secret = Files.write(elsewhere.resolve("extra.bin"), new byte[] {1, 2, 3, 4});
      Path folder = ModelFolders.addExternalInitializerVersion(modelDirectory, "v2", "weights/extra.bin");
      Files.createSymbolicLink(folder.resolve("weights"), elsewhere);

      String message = refusedReload(service, "v2");

      assertTrue(message.contains("\"weights/extra.bin\", which leads outside the version folder;"), message);
      assertTrue(!message.contains(secret.toString()), "no internal paths in client messages: " + message);
      assertEquals("v1", service.stub.score(ONE_CELL).getModelVersion());
    }
  }

  @Test
  void reloadModel_externalDataInsideTheFolder_loadsAndScoresWithIt() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      ModelFolders.addExternalDataVersion(modelDirectory, "v2");
      Path unused = ModelFolders.addExternalInitializerVersion(modelDirectory, "v3", "data/extra.bin");
      Files.createDirectories(unused.resolve("data"));
      Files.write(unused.resolve("data/extra.bin"), new byte[4]);

      assertEquals("v2", service.admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v2").build())
          .getActive().getVersion());
      // zero_f_like comes from weights.bin: anything but its four zero bytes would change the score.
      assertEquals(ScoreRpcTest.toyScore(3, 2, 4), service.stub.score(ONE_CELL).getRows(0).getScores(0), 1e-5f);
      assertEquals("v3", service.admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v3").build())
          .getActive().getVersion());
    }
  }

  @Test
  void reloadModel_versionFolderThatIsASymbolicLink_keepsItsExternalDataInside() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      Path real = ModelFolders.addExternalDataVersion(elsewhere, "v2");
      Files.createSymbolicLink(modelDirectory.resolve(ModelFolders.TOY_NAME).resolve("v2"), real);

      assertEquals("v2", service.admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v2").build())
          .getActive().getVersion());
    }
  }

  @Test
  void start_newestVersionReadingAFileOutsideItsFolder_failsInsteadOfServing() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Path hostile = ModelFolders.addExternalInitializerVersion(modelDirectory, "v2", "/etc/passwd");

    ModelLoadException failure = assertThrows(ModelLoadException.class, () -> ModelMain.start(
        ModelServiceUnderTest.cpuConfig(modelDirectory, ModelFolders.TOY_NAME),
        GrpcServer.inProcess(ModelMain.SERVER_NAME, "external-data-test-" + UUID.randomUUID())));

    assertTrue(failure.getMessage().startsWith("model toy version folder " + hostile.toAbsolutePath()
        + " could not be loaded: model.onnx tensor \"extra\" names external data \"/etc/passwd\", an absolute "
        + "path;"), failure.getMessage());
  }

  @Test
  void load_modelFileSwappedAfterTheCheck_runsTheCheckedBytes() throws Exception {
    Path folder = ModelFolders.addToyVersion(modelDirectory, "v2");
    byte[] secret = floatBytes(1.0f);
    // After the check, model.onnx becomes the external-data model with weights.bin a link out.
    ModelLoader loader = loader(() -> swap(folder, (temporary) -> {
      Files.copy(ModelFolders.toyModelSource().resolve("external-data/model.onnx"), temporary);
      replace(folder.resolve("weights.bin"), link(folder, Files.write(elsewhere.resolve("secret.bin"), secret)));
    }, ModelLoader.MODEL_FILE));

    LoadedModel model = loader.load(ModelFolders.TOY_NAME, "v2", folder);
    try {
      assertEquals(ScoreRpcTest.toyScore(3, 2, 4), scoreOf(model), 1e-5f);
    } finally {
      model.retire();
    }
  }

  @Test
  void load_externalDataSwappedForALinkOutAfterTheCheck_isRefused() throws Exception {
    Path folder = ModelFolders.addExternalDataVersion(modelDirectory, "v2");
    Path secret = Files.write(elsewhere.resolve("secret.bin"), floatBytes(1.0f));
    ModelLoader loader = loader(() -> replace(folder.resolve("weights.bin"), link(folder, secret)));

    ModelLoadException refused = assertThrows(ModelLoadException.class,
        () -> loader.load(ModelFolders.TOY_NAME, "v2", folder).retire());

    assertTrue(refused.getMessage().startsWith("model.onnx tensor \"zero_f_like\" names external data "
        + "\"weights.bin\", which changed while it was checked"), refused.getMessage());
  }

  @Test
  void load_externalDataInsideTheFolder_isReadAtLoadFromACopyDeletedThen() throws Exception {
    Path folder = ModelFolders.addExternalDataVersion(modelDirectory, "v2");

    LoadedModel model = loader(() -> { }).load(ModelFolders.TOY_NAME, "v2", folder);
    try {
      // zero_f_like (weights.bin) was read at session creation, from the private copy deleted since.
      assertEquals(ScoreRpcTest.toyScore(3, 2, 4), scoreOf(model), 1e-5f);
    } finally {
      model.retire();
    }
  }

  private interface FileChange {
    void run(Path temporary) throws Exception;
  }

  private static ModelLoader loader(ThrowingRunnable afterCheck) {
    OrtEnvironment environment = OnnxRuntimeLibraries.environment();
    ModelConfig config = ModelServiceUnderTest.cpuConfig(Path.of("unused"), ModelFolders.TOY_NAME);
    return new ModelLoader(environment, new SessionFactory(environment, config, ModelServiceUnderTest.NO_GPU), () -> {
      try {
        afterCheck.run();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** Writes a new file through {@code change}, then moves it over {@code name} atomically. */
  private static void swap(Path folder, FileChange change, String name) throws Exception {
    Path temporary = folder.resolve(name + ".new");
    change.run(temporary);
    replace(folder.resolve(name), temporary);
  }

  private static void replace(Path target, Path source) throws Exception {
    Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static Path link(Path folder, Path outside) throws Exception {
    return Files.createSymbolicLink(folder.resolve("link-" + UUID.randomUUID()), outside);
  }

  private static byte[] floatBytes(float value) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array();
  }

  private static float scoreOf(LoadedModel model) throws Exception {
    long[] history = {0, 0, 2, 4};
    return model.run(history, new long[] {3}, 1, history.length, 1, false, false).scores()[0];
  }

  private static String refusedReload(ModelServiceUnderTest service, String version) {
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
        () -> service.admin.reloadModel(ReloadModelRequest.newBuilder().setVersion(version).build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode(), refused.getStatus().toString());
    return refused.getStatus().getDescription();
  }
}
