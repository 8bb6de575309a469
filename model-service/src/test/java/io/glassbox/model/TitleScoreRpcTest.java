package io.glassbox.model;

import static io.glassbox.model.ScoreRpcTest.row;
import static io.glassbox.model.ScoreRpcTest.toyScore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import io.glassbox.api.v1.CandidateEvidence;
import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.GetSimilarTitlesRequest;
import io.glassbox.api.v1.GetSimilarTitlesResponse;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreRowResult;
import io.glassbox.api.v1.SimilarTitle;
import io.glassbox.api.v1.TitleSimilarityTerm;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The title similarity term over gRPC: a toy version whose metadata.json declares
 * {@code "title_similarity": {"weight": 10, "file": "title_vectors.tsv"}} with the title vectors
 * below, so each of the n history items h adds 10 / n · cosine(c, h) to candidate c's score and
 * to h's contribution (the toy model's own parts: {@link ScoreRpcTest}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TitleScoreRpcTest {
  /** item-01 red + mug, item-02 red, item-03 mug + bag, item-05 bag; the others no title words. */
  private static final String VECTORS = "item_id\ttitle_vector\n"
      + "item-01\tred:0.6 mug:0.8\n"
      + "item-02\tred:1\n"
      + "item-03\tmug:0.6 bag:0.8\n"
      + "\n"
      + "item-05\tbag:1\n";

  private ModelServiceUnderTest service;

  @BeforeAll
  void start(@TempDir Path modelDirectory) {
    withTitleTerm(ModelFolders.addToyVersion(modelDirectory, "v1"), VECTORS);
    service = ModelServiceUnderTest.withToyModel(modelDirectory);
  }

  @AfterAll
  void stop() {
    if (service != null) {
      service.close();
    }
  }

  @Test
  void getModelInfo_reportsTheTitleTerm() {
    TitleSimilarityTerm title = service.stub.getModelInfo(GetModelInfoRequest.getDefaultInstance())
        .getTitleSimilarity();

    assertEquals(10.0, title.getWeight());
    assertEquals(4, title.getItemsWithTitles());
    assertEquals(3, title.getWords());
  }

  @Test
  void score_addsEachHistoryItemsMeanTitleCosineToTheScoreAndToItsContribution() {
    ScoreRowResult result = service.stub.score(ScoreRequest.newBuilder()
        .addRows(row(List.of(2, 3), List.of(1, 5, 7)))
        .setIncludeContribution(true).build()).getRows(0);

    // 10 / 2 x cosine: item-01 to item-02 0.6, to item-03 0.8 x 0.6; item-05 to item-03 0.8.
    float[][] title = {{3.0f, 2.4f}, {0f, 4.0f}, {0f, 0f}};
    int[] candidates = {1, 5, 7};
    for (int c = 0; c < candidates.length; c++) {
      int candidate = candidates[c];
      assertEquals(toyScore(candidate, 2, 3) + title[c][0] + title[c][1], result.getScores(c), 1e-5f,
          "score of item " + candidate);
      CandidateEvidence evidence = result.getEvidence(c);
      assertEquals(toyContribution(candidate, 2, 2) + title[c][0], evidence.getContribution(0), 1e-5f);
      assertEquals(toyContribution(candidate, 3, 2) + title[c][1], evidence.getContribution(1), 1e-5f);
    }
  }

  @Test
  void score_anItemAtTwoPositionsHasAShareAtEach_andAnEmptyHistoryNone() {
    ScoreRowResult twice = service.stub.score(ScoreRequest.newBuilder()
        .addRows(row(List.of(2, 2, 4), List.of(1))).setIncludeContribution(true).build()).getRows(0);
    ScoreRowResult empty = service.stub.score(ScoreRequest.newBuilder()
        .addRows(row(List.of(), List.of(1, 5))).build()).getRows(0);

    float share = 10f / 3 * 0.6f;
    assertEquals(toyScore(1, 2, 2, 4) + 2 * share, twice.getScores(0), 1e-5f);
    float[] contribution = {toyContribution(1, 2, 3) + share, toyContribution(1, 2, 3) + share,
        toyContribution(1, 4, 3)};
    for (int l = 0; l < contribution.length; l++) {
      assertEquals(contribution[l], twice.getEvidence(0).getContribution(l), 1e-5f, "position " + l);
    }
    assertEquals(List.of(toyScore(1), toyScore(5)), empty.getScoresList());
  }

  @Test
  void getSimilarTitles_listsTheHighestCosinesFirst_withinTheLimit() {
    GetSimilarTitlesResponse mug = similar("item-01", 0, "");
    GetSimilarTitlesResponse bag = similar("item-03", 1, "v1");
    GetSimilarTitlesResponse noWords = similar("item-04", 0, "");
    GetSimilarTitlesResponse unknown = similar("item-99", 0, "");

    // item-01 (red 0.6, mug 0.8): item-02 (red) 0.6, item-03 (mug 0.6) 0.48; item-05 shares nothing.
    assertEquals(List.of("item-02", "item-03"), mug.getItemsList().stream().map(SimilarTitle::getItemId).toList());
    assertEquals(0.6f, mug.getItems(0).getCosine(), 1e-6f);
    assertEquals(0.48f, mug.getItems(1).getCosine(), 1e-6f);
    assertTrue(mug.getKnownItem() && mug.getTitleTerm());
    assertEquals("v1", mug.getModelVersion());
    // item-03 (mug 0.6, bag 0.8): item-05 0.8 before item-01 0.48; limit 1 keeps the first.
    assertEquals(List.of("item-05"), bag.getItemsList().stream().map(SimilarTitle::getItemId).toList());
    assertEquals(0.8f, bag.getItems(0).getCosine(), 1e-6f);
    assertEquals(0, noWords.getItemsCount());
    assertTrue(noWords.getKnownItem());
    assertEquals(0, unknown.getItemsCount());
    assertFalse(unknown.getKnownItem());
  }

  @Test
  void getSimilarTitles_badRequests_areRefusedWithTheReason() {
    assertStatus(Status.Code.INVALID_ARGUMENT, "item_id must not be empty", () -> similar("", 0, ""));
    assertStatus(Status.Code.INVALID_ARGUMENT, "limit must be 1..200 (or 0 for the default 20), got 201",
        () -> similar("item-01", 201, ""));
    assertStatus(Status.Code.INVALID_ARGUMENT, "limit must be 1..200 (or 0 for the default 20), got -1",
        () -> similar("item-01", -1, ""));
    StatusRuntimeException stale = assertThrows(StatusRuntimeException.class, () -> similar("item-01", 0, "v0"));
    assertEquals(Status.Code.FAILED_PRECONDITION, stale.getStatus().getCode());
  }

  private GetSimilarTitlesResponse similar(String itemId, int limit, String version) {
    return service.stub.getSimilarTitles(GetSimilarTitlesRequest.newBuilder()
        .setItemId(itemId).setLimit(limit).setModelVersion(version).build());
  }

  private static void assertStatus(Status.Code code, String message, Runnable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(code, e.getStatus().getCode());
    assertEquals(message, e.getStatus().getDescription());
  }

  @Test
  void load_brokenTitleVectors_failNamingTheFileAndLine(@TempDir Path modelDirectory) {
    assertLoadFails(modelDirectory, "a", VECTORS + "item-99\tred:1\n",
        "title_vectors.tsv line 7: item item-99 is not in the vocabulary");
    assertLoadFails(modelDirectory, "b", VECTORS + "item-02\tred:1\n",
        "title_vectors.tsv line 7: item item-02 listed twice");
    assertLoadFails(modelDirectory, "c", VECTORS + "item-06\tred:x\n",
        "title_vectors.tsv line 7: expected word:weight, got \"red:x\"");
    // What is quoted of the line is cut short: a term or an id of millions of characters would
    // otherwise be written whole into the log and the reload's answer.
    assertLoadFails(modelDirectory, "f", VECTORS + "item-06\tred:" + "x".repeat(150) + "\n",
        "title_vectors.tsv line 7: expected word:weight, got \"red:" + "x".repeat(96) + "\u2026\" (154 characters)");
    assertLoadFails(modelDirectory, "g", VECTORS + "item-" + "9".repeat(200) + "\tred:1\n",
        "title_vectors.tsv line 7: item item-" + "9".repeat(95) + "\u2026 (205 characters) is not in the vocabulary");
    assertLoadFails(modelDirectory, "d", "item\tvector\n",
        "title_vectors.tsv must start with the header item_id<TAB>title_vector");
    Path folder = withTitleTerm(ModelFolders.addToyVersion(modelDirectory.resolve("e"), "v1"), VECTORS);
    assertTrue(folder.resolve("title_vectors.tsv").toFile().delete());
    assertEquals("title_vectors.tsv (metadata.json title_similarity.file) is missing from version v1",
        assertThrows(ModelLoadException.class, () -> load(folder)).getMessage());
  }

  private static void assertLoadFails(Path modelDirectory, String name, String vectors, String message) {
    Path folder = withTitleTerm(ModelFolders.addToyVersion(modelDirectory.resolve(name), "v1"), vectors);
    assertEquals(message, assertThrows(ModelLoadException.class, () -> load(folder)).getMessage());
  }

  private static LoadedModel load(Path folder) {
    OrtEnvironment environment = OnnxRuntimeLibraries.environment();
    ModelConfig config = ModelServiceUnderTest.cpuConfig(folder.getParent().getParent(), ModelFolders.TOY_NAME);
    return new ModelLoader(environment, new SessionFactory(environment, config, ModelServiceUnderTest.NO_GPU))
        .load(ModelFolders.TOY_NAME, "v1", folder);
  }

  /** Declares the title term in the version's metadata.json and writes its vectors. */
  private static Path withTitleTerm(Path folder, String vectors) {
    Path metadata = folder.resolve("metadata.json");
    ModelFolders.write(metadata, ModelFolders.read(metadata).replace("\"opset\": 17",
        "\"opset\": 17, \"title_similarity\": {\"weight\": 10, \"file\": \"title_vectors.tsv\"}"));
    ModelFolders.write(folder.resolve("title_vectors.tsv"), vectors);
    return folder;
  }

  /** The toy model's own contribution of history item h (n used items) to candidate c. */
  private static float toyContribution(int candidate, int history, int used) {
    return (float) history * candidate / 100 / used;
  }
}
