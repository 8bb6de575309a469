package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.ExecutionProvider;
import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.ModelInfo;
import io.glassbox.api.v1.ReloadModelRequest;
import io.glassbox.api.v1.ReloadModelResponse;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreRow;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** GetModelInfo and ReloadModel over gRPC, including failed reloads that must change nothing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ModelAdminRpcTest {
  private static final ScoreRequest ONE_CELL = ScoreRequest.newBuilder()
      .addRows(ScoreRow.newBuilder().addHistoryItemIds("item-02").addCandidateItemIds("item-03"))
      .build();

  @TempDir Path modelDirectory;

  @Test
  void getModelInfo_describesTheActiveVersion() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      ModelInfo info = service.stub.getModelInfo(GetModelInfoRequest.getDefaultInstance());

      assertEquals("toy", info.getModelName());
      assertEquals("v1", info.getVersion());
      assertEquals("toy", info.getDataset());
      assertEquals(Instant.parse("2026-11-22T04:00:00Z").getEpochSecond(), info.getTrainedAt().getSeconds());
      assertEquals(ModelFolders.TOY_MAX_HISTORY, info.getMaxHistoryLength());
      assertEquals(ModelFolders.TOY_VOCABULARY_SIZE, info.getVocabularySize());
      assertEquals(ExecutionProvider.EXECUTION_PROVIDER_CPU, info.getExecutionProvider());
      assertEquals(17, info.getOpset());
      assertEquals(0.5, info.getMetricsOrThrow("test_hr@10"), 1e-12);
      assertEquals(0.25, info.getMetricsOrThrow("test_ndcg@10"), 1e-12);
    }
  }

  @Test
  void noModelLoaded_scoreAndGetModelInfoFailWithUnavailable() {
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withoutModel(modelDirectory)) {
      assertStatus(Status.Code.UNAVAILABLE, () -> service.stub.score(ONE_CELL));
      assertStatus(Status.Code.UNAVAILABLE, () -> service.stub.getModelInfo(GetModelInfoRequest.getDefaultInstance()));
    }
  }

  @Test
  void reloadModel_namedVersion_swapsItInAndReportsThePreviousOne() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      ModelFolders.addToyVersion(modelDirectory, "v2");

      ReloadModelResponse response = service.admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v2").build());

      assertEquals("v2", response.getActive().getVersion());
      assertEquals("v1", response.getPreviousVersion());
      // What was served before, as GetModelInfo described it: the caller compares the two.
      assertEquals("v1", response.getPrevious().getVersion());
      assertEquals(0.5, response.getPrevious().getMetricsOrThrow("test_hr@10"), 1e-12);
      assertEquals("v2", service.stub.getModelInfo(GetModelInfoRequest.getDefaultInstance()).getVersion());
      assertEquals("v2", service.stub.score(ONE_CELL).getModelVersion());
    }
  }

  /** The active version loaded again: the response says so by naming it as the previous one too. */
  @Test
  void reloadModel_theActiveVersion_isLoadedAgain_andNamedAsThePreviousOne() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      ReloadModelResponse response = service.admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v1").build());

      assertEquals("v1", response.getActive().getVersion());
      assertEquals("v1", response.getPreviousVersion());
      assertEquals(response.getActive().getMetricsMap(), response.getPrevious().getMetricsMap());
    }
  }

  @Test
  void reloadModel_emptyVersion_loadsTheNewestFolder() {
    ModelFolders.addToyVersion(modelDirectory, "20261122-0400");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      ModelFolders.addToyVersion(modelDirectory, "20261122-0515");
      ModelFolders.addToyVersion(modelDirectory, "20261121-2359");

      ReloadModelResponse response = service.admin.reloadModel(ReloadModelRequest.getDefaultInstance());

      assertEquals("20261122-0515", response.getActive().getVersion());
      assertEquals("20261122-0400", response.getPreviousVersion());
    }
  }

  @Test
  void reloadModel_firstLoad_reportsNoPreviousVersion() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withoutModel(modelDirectory)) {
      ReloadModelResponse response = service.admin.reloadModel(ReloadModelRequest.getDefaultInstance());

      assertEquals("v1", response.getActive().getVersion());
      assertEquals("", response.getPreviousVersion());
      assertTrue(!response.hasPrevious());
      assertEquals("v1", service.stub.score(ONE_CELL).getModelVersion());
    }
  }

  @Test
  void reloadModel_missingVersion_failsWithNotFoundAndKeepsServing() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      StatusRuntimeException error = assertStatus(Status.Code.NOT_FOUND,
          () -> service.admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v9").build()));

      assertTrue(error.getStatus().getDescription().contains("\"v9\""));
      assertTrue(error.getStatus().getDescription().endsWith("; version v1 keeps serving"),
          error.getStatus().getDescription());
      assertEquals("v1", service.stub.score(ONE_CELL).getModelVersion());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"..", ".", "../toy", "v1/../v1", "v 1", "v1\n",
      "a-version-name-that-is-far-longer-than-sixty-four-characters-allowed"})
  void reloadModel_malformedVersion_failsWithInvalidArgument(String version) {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      StatusRuntimeException error = assertStatus(Status.Code.INVALID_ARGUMENT,
          () -> service.admin.reloadModel(ReloadModelRequest.newBuilder().setVersion(version).build()));

      assertTrue(error.getStatus().getDescription().startsWith("version must be"));
      assertTrue(error.getStatus().getDescription().endsWith("; version v1 keeps serving"),
          error.getStatus().getDescription());
      assertEquals("v1", service.stub.getModelInfo(GetModelInfoRequest.getDefaultInstance()).getVersion());
    }
  }

  @Test
  void reloadModel_corruptModelFile_failsWithFailedPreconditionAndTheOldVersionKeepsServing() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      float before = service.stub.score(ONE_CELL).getRows(0).getScores(0);
      ModelFolders.addCorruptVersion(modelDirectory, "v2");

      StatusRuntimeException error = assertStatus(Status.Code.FAILED_PRECONDITION,
          () -> service.admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v2").build()));

      assertTrue(error.getStatus().getDescription().contains("model.onnx could not be loaded"),
          error.getStatus().getDescription());
      assertTrue(!error.getStatus().getDescription().contains(modelDirectory.toString()),
          "no internal paths in client messages");
      assertTrue(error.getStatus().getDescription().endsWith("; version v1 keeps serving"),
          error.getStatus().getDescription());
      assertEquals("v1", service.stub.getModelInfo(GetModelInfoRequest.getDefaultInstance()).getVersion());
      assertEquals(before, service.stub.score(ONE_CELL).getRows(0).getScores(0));
    }
  }

  /**
   * A model.onnx cut short (a copy interrupted) is refused, and the refusal says which version
   * keeps serving, as the mismatched-vocabulary refusal says: before, the operator was told only
   * that it could not be loaded, and had to ask GetModelInfo whether anything still served.
   */
  @Test
  void reloadModel_truncatedModelFile_saysWhichVersionKeepsServing() throws IOException {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      Path model = ModelFolders.addToyVersion(modelDirectory, "v2").resolve(ModelLoader.MODEL_FILE);
      byte[] whole = Files.readAllBytes(model);
      Files.write(model, Arrays.copyOf(whole, whole.length / 2));

      StatusRuntimeException error = assertStatus(Status.Code.FAILED_PRECONDITION,
          () -> service.admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v2").build()));

      assertTrue(error.getStatus().getDescription().endsWith("; version v1 keeps serving"),
          error.getStatus().getDescription());
      assertEquals("v1", service.stub.score(ONE_CELL).getModelVersion());
    }
  }

  /**
   * The reload alert's counter: both outcomes on /metrics at 0 before any reload, so that a
   * first failure is an increase Prometheus sees (a series born at 1 is not one).
   */
  @Test
  void reloadModel_outcomes_areCountedFromZero() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      assertEquals(List.of(reloads("failed", 0), reloads("swapped", 0)),
          service.metricSamples(ModelAdminGrpcService.RELOADS));
      ModelFolders.addCorruptVersion(modelDirectory, "v2");

      assertStatus(Status.Code.FAILED_PRECONDITION,
          () -> service.admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v2").build()));
      assertEquals(List.of(reloads("failed", 1), reloads("swapped", 0)),
          service.metricSamples(ModelAdminGrpcService.RELOADS));

      service.admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v1").build());
      assertEquals(List.of(reloads("failed", 1), reloads("swapped", 1)),
          service.metricSamples(ModelAdminGrpcService.RELOADS));
    }
  }

  private static String reloads(String outcome, int count) {
    return ModelAdminGrpcService.RELOADS + "_total{outcome=\"" + outcome + "\"} " + count + ".0";
  }

  @Test
  void reloadModel_newestFolderBroken_failsAndTheOldVersionKeepsServing() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      ModelFolders.addCorruptVersion(modelDirectory, "v2");

      assertStatus(Status.Code.FAILED_PRECONDITION,
          () -> service.admin.reloadModel(ReloadModelRequest.getDefaultInstance()));

      assertEquals("v1", service.stub.score(ONE_CELL).getModelVersion());
    }
  }

  @Test
  void reloadModel_graphWithOtherInputNames_failsNamingTheContractMismatch() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      ModelFolders.addWrongNamesVersion(modelDirectory, "v2");

      StatusRuntimeException error = assertStatus(Status.Code.FAILED_PRECONDITION,
          () -> service.admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v2").build()));

      String message = error.getStatus().getDescription();
      assertTrue(message.contains("missing input history int64 with 2 dimensions"), message);
      assertTrue(message.contains("unexpected inputs [items]"), message);
      assertEquals("v1", service.stub.score(ONE_CELL).getModelVersion());
    }
  }

  @Test
  void reloadModel_folderWithoutVocabulary_failsSayingWhatIsMissing() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      Files.delete(ModelFolders.addToyVersion(modelDirectory, "v2").resolve(ModelLoader.VOCABULARY_FILE));

      StatusRuntimeException error = assertStatus(Status.Code.FAILED_PRECONDITION,
          () -> service.admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v2").build()));

      assertEquals("vocabulary.tsv is missing from version v2; version v1 keeps serving", error.getStatus().getDescription());
    }
  }

  @Test
  void reloadModel_vocabularySizeDisagreeingWithMetadata_fails() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      Path metadata = ModelFolders.addToyVersion(modelDirectory, "v2").resolve(ModelLoader.METADATA_FILE);
      ModelFolders.write(metadata, ModelFolders.read(metadata).replace("\"vocabulary_size\": 12", "\"vocabulary_size\": 13"));

      StatusRuntimeException error = assertStatus(Status.Code.FAILED_PRECONDITION,
          () -> service.admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v2").build()));

      assertEquals("vocabulary.tsv holds 12 items but metadata.json says vocabulary_size 13; version v1 keeps serving",
          error.getStatus().getDescription());
    }
  }

  @Test
  void reloadModel_vocabularyLargerThanTheModelsEmbedding_isStillLoadedWhenTheGraphAcceptsIt() {
    // The toy graph has no embedding table, so any index is valid; a real model with too few
    // rows fails the test inference instead (covered by the shipped-model checks).
    ModelFolders.addToyVersion(modelDirectory, "v1");
    try (ModelServiceUnderTest service = ModelServiceUnderTest.withToyModel(modelDirectory)) {
      Path folder = ModelFolders.addToyVersion(modelDirectory, "v2");
      ModelFolders.write(folder.resolve(ModelLoader.VOCABULARY_FILE),
          ModelFolders.read(folder.resolve(ModelLoader.VOCABULARY_FILE)) + "13\titem-13\n");
      Path metadata = folder.resolve(ModelLoader.METADATA_FILE);
      ModelFolders.write(metadata, ModelFolders.read(metadata).replace("\"vocabulary_size\": 12", "\"vocabulary_size\": 13"));

      ReloadModelResponse response = service.admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v2").build());

      assertEquals(13, response.getActive().getVocabularySize());
      assertEquals(List.of("item-13"), service.stub.score(ScoreRequest.newBuilder()
          .addRows(ScoreRow.newBuilder().addCandidateItemIds("item-13")).build()).getRows(0).getCandidateItemIdsList());
    }
  }

  private static StatusRuntimeException assertStatus(Status.Code expected, Executable call) {
    StatusRuntimeException error = assertThrows(StatusRuntimeException.class, call);
    assertEquals(expected, error.getStatus().getCode(), error.getStatus().toString());
    return error;
  }
}
