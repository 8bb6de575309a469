package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reloads of version folders whose files are refused, on a real server: v1 keeps serving. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RefusedFileReloadTest {
  private static final ScoreRequest ONE_CELL =
      ScoreRpcTest.request(ScoreRpcTest.row(List.of(2, 4), List.of(3)));

  @TempDir Path modelDirectory;

  /**
   * A model file larger than the heap can spare (a sparse file here: no disk is used) is refused
   * before it is read, naming the file, its size and the bound: read whole it would exhaust the
   * heap, and deployed with -XX:+ExitOnOutOfMemoryError stop the service rather than leave v1 serving.
   */
  @ParameterizedTest
  @ValueSource(strings = {ModelLoader.MODEL_FILE, ModelLoader.VOCABULARY_FILE, ModelLoader.METADATA_FILE})
  void reloadModel_onAPort_fileLargerThanTheHeap_isRefusedNamingItsSize_andV1KeepsServing(String file)
      throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Path folder = ModelFolders.addToyVersion(modelDirectory, "v2");
    long size = Runtime.getRuntime().maxMemory() + 1;   // past any bound the heap allows
    try (RandomAccessFile sparse = new RandomAccessFile(folder.resolve(file).toFile(), "rw")) {
      sparse.setLength(size);
    }

    String refusal = refusedReloadOfV2();

    assertTrue(refusal.startsWith(file + " in version v2 is " + size + " bytes, more than the "), refusal);
    assertTrue(refusal.contains("bytes this service can spare to read it"), refusal);
  }

  /**
   * metadata.json a symbolic link to another file the service can read: the refusal says where the
   * JSON broke (line and column), never the file's text, which would reach the admin caller.
   */
  @Test
  void reloadModel_onAPort_metadataLinkedToAnotherFile_refusalQuotesNoneOfItsText() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Path folder = ModelFolders.addToyVersion(modelDirectory, "v2");
    Path secret = Files.writeString(modelDirectory.resolve("secret.txt"), "hunter2password\n");
    Files.delete(folder.resolve(ModelLoader.METADATA_FILE));
    Files.createSymbolicLink(folder.resolve(ModelLoader.METADATA_FILE), secret);

    String refusal = refusedReloadOfV2();

    assertEquals("metadata.json is not valid JSON (line 1, column 17); version v1 keeps serving", refusal);
    assertFalse(refusal.contains("hunter2"), refusal);
  }

  /** Reloads v2 on a server serving v1: the refusal's description, once v1 is seen to keep serving. */
  private String refusedReloadOfV2() {
    GrpcServer server = ModelMain.start(ConfigSource.of(Map.of(
        ModelConfig.PORT_KEY, "0", ModelConfig.ADMIN_PORT_KEY, "0", ServerSettings.METRICS_PORT_KEY, "0",
        ModelConfig.DIRECTORY_KEY, modelDirectory.toString(), ModelConfig.NAME_KEY, ModelFolders.TOY_NAME,
        ModelConfig.VERSION_KEY, "v1", ModelConfig.PROVIDER_KEY, "cpu")));
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    ManagedChannel adminChannel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.adminPort()).usePlaintext().build();
    try {
      ModelServiceGrpc.ModelServiceBlockingStub stub = ModelServiceGrpc.newBlockingStub(channel);
      ModelAdminGrpc.ModelAdminBlockingStub admin = ModelAdminGrpc.newBlockingStub(adminChannel);

      StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
          () -> admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v2").build()));

      Status status = refused.getStatus();
      assertEquals(Status.Code.FAILED_PRECONDITION, status.getCode(), status.toString());
      assertEquals("v1", stub.getModelInfo(GetModelInfoRequest.getDefaultInstance()).getVersion());
      assertEquals("v1", stub.score(ONE_CELL).getModelVersion());
      assertEquals(ScoreRpcTest.toyScore(3, 2, 4), stub.score(ONE_CELL).getRows(0).getScores(0), 1e-5f);
      return status.getDescription();
    } finally {
      adminChannel.shutdownNow();
      channel.shutdownNow();
      server.close();
    }
  }
}
