package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.CandidateEvidence;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreResponse;
import io.glassbox.api.v1.ScoreRow;
import io.glassbox.api.v1.ScoreRowResult;
import io.glassbox.api.v1.SharedCandidates;
import io.glassbox.api.v1.UnknownItemPolicy;
import io.glassbox.server.ModelVersionRefusal;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Score over gRPC against the toy model, whose outputs are known in closed form:
 * attention = 1/n over the n used history items, contribution = attention * h * c / 100 and
 * score = c + sum(contribution), where h and c are model indices (item-07 has index 7).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScoreRpcTest {
  private static final float TOLERANCE = 1e-5f;

  private ModelServiceUnderTest service;

  @BeforeAll
  void start(@TempDir Path modelDirectory) {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    service = ModelServiceUnderTest.withToyModel(modelDirectory);
  }

  @AfterAll
  void stop() {
    if (service != null) {
      service.close();
    }
  }

  @Test
  void getSimilarTitles_withoutATitleTerm_isEmptyAndSaysSo() {
    io.glassbox.api.v1.GetSimilarTitlesResponse response = service.stub.getSimilarTitles(
        io.glassbox.api.v1.GetSimilarTitlesRequest.newBuilder().setItemId("item-01").build());

    assertEquals(0, response.getItemsCount());
    assertTrue(response.getKnownItem());
    assertFalse(response.getTitleTerm());
    assertEquals("v1", response.getModelVersion());
  }

  @Test
  void score_mapsIdsToIndicesAndReturnsScoresInRequestOrder() {
    ScoreResponse response = service.stub.score(request(row(List.of(2, 4), List.of(5, 1, 12))));

    assertEquals("v1", response.getModelVersion());
    ScoreRowResult result = response.getRows(0);
    assertEquals(ids(2, 4), result.getHistoryItemIdsList());
    assertEquals(ids(5, 1, 12), result.getCandidateItemIdsList());
    assertScores(new float[] {toyScore(5, 2, 4), toyScore(1, 2, 4), toyScore(12, 2, 4)}, result);
    assertEquals(0, result.getEvidenceCount());
    assertEquals(0, result.getSkippedItemIdsCount());
  }

  @Test
  void score_withEvidence_returnsAttentionAndContributionAlignedWithUsedHistory() {
    ScoreResponse response = service.stub.score(request(row(List.of(3, 6), List.of(10)))
        .toBuilder().setIncludeAttention(true).setIncludeContribution(true).build());

    CandidateEvidence evidence = response.getRows(0).getEvidence(0);
    assertFloats(new float[] {0.5f, 0.5f}, evidence.getAttentionList());
    assertFloats(new float[] {0.5f * 3 * 10 / 100, 0.5f * 6 * 10 / 100}, evidence.getContributionList());
  }

  @Test
  void score_attentionOnly_leavesContributionEmpty() {
    ScoreResponse response = service.stub.score(request(row(List.of(3), List.of(10, 11)))
        .toBuilder().setIncludeAttention(true).build());

    assertEquals(2, response.getRows(0).getEvidenceCount());
    assertFloats(new float[] {1f}, response.getRows(0).getEvidence(1).getAttentionList());
    assertEquals(0, response.getRows(0).getEvidence(1).getContributionCount());
  }

  @Test
  void score_longHistory_usesOnlyTheMostRecentMaxHistoryLengthItems() {
    ScoreResponse response = service.stub.score(request(row(List.of(1, 2, 3, 4, 5, 6), List.of(9)))
        .toBuilder().setIncludeAttention(true).build());

    ScoreRowResult result = response.getRows(0);
    assertEquals(ids(3, 4, 5, 6), result.getHistoryItemIdsList());
    assertScores(new float[] {toyScore(9, 3, 4, 5, 6)}, result);
    assertFloats(new float[] {0.25f, 0.25f, 0.25f, 0.25f}, result.getEvidence(0).getAttentionList());
  }

  @Test
  void score_emptyHistory_scoresCandidatesWithEmptyEvidence() {
    ScoreResponse response = service.stub.score(request(row(List.of(), List.of(7)))
        .toBuilder().setIncludeAttention(true).setIncludeContribution(true).build());

    ScoreRowResult result = response.getRows(0);
    assertEquals(0, result.getHistoryItemIdsCount());
    assertScores(new float[] {7f}, result);
    assertEquals(0, result.getEvidence(0).getAttentionCount());
    assertEquals(0, result.getEvidence(0).getContributionCount());
  }

  @Test
  void score_rowResultsDoNotDependOnTheOtherRowsInTheBatch() {
    ScoreRow shortRow = row(List.of(8), List.of(2, 3));
    ScoreRow longRow = row(List.of(1, 2, 3, 4, 5), IntStream.rangeClosed(1, 12).boxed().toList());
    ScoreRequest alone = request(shortRow).toBuilder().setIncludeAttention(true).setIncludeContribution(true).build();
    ScoreRequest together = alone.toBuilder().clearRows().addRows(longRow).addRows(shortRow).addRows(longRow).build();

    ScoreRowResult single = service.stub.score(alone).getRows(0);
    ScoreRowResult batched = service.stub.score(together).getRows(1);

    assertEquals(single, batched);
  }

  @Test
  void score_repeatedIds_areScoredEachTime() {
    ScoreRowResult result = service.stub.score(request(row(List.of(2, 2), List.of(4, 4)))).getRows(0);

    assertEquals(ids(2, 2), result.getHistoryItemIdsList());
    assertScores(new float[] {toyScore(4, 2, 2), toyScore(4, 2, 2)}, result);
  }

  @Test
  void score_unknownIdsWithReject_failsNamingTheFieldsAndIds() {
    ScoreRequest request = ScoreRequest.newBuilder()
        .addRows(ScoreRow.newBuilder().addHistoryItemIds("item-01").addHistoryItemIds("ghost-h")
            .addCandidateItemIds("item-02").addCandidateItemIds("ghost-c"))
        .setUnknownItems(UnknownItemPolicy.UNKNOWN_ITEM_POLICY_REJECT)
        .build();

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () -> service.stub.score(request));

    assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode());
    String message = error.getStatus().getDescription();
    assertTrue(message.contains("rows[0].history_item_ids[1]=\"ghost-h\""), message);
    assertTrue(message.contains("rows[0].candidate_item_ids[1]=\"ghost-c\""), message);
    assertTrue(message.contains("UNKNOWN_ITEM_POLICY_SKIP"), message);
  }

  @Test
  void score_unknownIdsWithUnspecifiedPolicy_areRejected() {
    ScoreRequest request = ScoreRequest.newBuilder()
        .addRows(ScoreRow.newBuilder().addCandidateItemIds("ghost"))
        .build();

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () -> service.stub.score(request));

    assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode());
  }

  @Test
  void score_manyUnknownIds_namesOnlyTheFirstFew() {
    ScoreRow.Builder row = ScoreRow.newBuilder();
    for (int i = 0; i < 20; i++) {
      row.addCandidateItemIds("ghost-" + i);
    }

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> service.stub.score(ScoreRequest.newBuilder().addRows(row).build()));

    String message = error.getStatus().getDescription();
    assertTrue(message.startsWith("20 item id(s)"), message);
    assertTrue(message.contains("ghost-4\""), message);
    assertTrue(!message.contains("ghost-5\""), message);
  }

  @ParameterizedTest
  @ValueSource(strings = {"x", "\ud83d\ude00"})
  void score_unknownIdsOf128Characters_areQuotedCutTo64_namingTheField(String character) {
    String id = character.repeat(128);
    ScoreRequest request = ScoreRequest.newBuilder()
        .addRows(ScoreRow.newBuilder().addHistoryItemIds(id).addCandidateItemIds("item-02").addCandidateItemIds(id))
        .build();

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () -> service.stub.score(request));

    assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode());
    String quoted = "\"" + character.repeat(64) + "... (128 characters)\"";
    assertEquals("2 item id(s) are not in the vocabulary of model version v1 (remove them or set unknown_items to "
        + "UNKNOWN_ITEM_POLICY_SKIP): rows[0].history_item_ids[0]=" + quoted + ", rows[0].candidate_item_ids[1]=" + quoted,
        error.getStatus().getDescription());
  }

  /**
   * Five ids of 128 emoji, each quoted in 64 (768 bytes of the trailer as sent), fill the 4 KiB a
   * description may take: the hint comes before them, so that the cut takes ids, never it. Before,
   * it came last and was cut off.
   */
  @Test
  void score_fiveUnknownIdsOfEmoji_keepTheHintToSkipThem() {
    ScoreRow.Builder row = ScoreRow.newBuilder();
    for (int i = 0; i < Scorer.UNKNOWN_IDS_NAMED; i++) {
      row.addCandidateItemIds(i + "😀".repeat(127));
    }

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> service.stub.score(ScoreRequest.newBuilder().addRows(row).build()));

    String message = error.getStatus().getDescription();
    assertTrue(message.startsWith("5 item id(s) are not in the vocabulary of model version v1 (remove them or set "
        + "unknown_items to UNKNOWN_ITEM_POLICY_SKIP): rows[0].candidate_item_ids[0]=\"0😀"), message);
    assertTrue(message.endsWith("characters)"), "cut by the description limit: " + message);
  }

  @Test
  void score_unknownIdsWithSkip_leavesThemOutAndReportsThem() {
    ScoreRequest request = ScoreRequest.newBuilder()
        .addRows(ScoreRow.newBuilder()
            .addAllHistoryItemIds(List.of("item-01", "ghost-h", "item-02", "item-03", "item-04", "ghost-h"))
            .addAllCandidateItemIds(List.of("ghost-c", "item-05", "item-06")))
        .setUnknownItems(UnknownItemPolicy.UNKNOWN_ITEM_POLICY_SKIP)
        .setIncludeAttention(true)
        .build();

    ScoreRowResult result = service.stub.score(request).getRows(0);

    // The unknown ids are dropped before truncation, so all four known items are used.
    assertEquals(ids(1, 2, 3, 4), result.getHistoryItemIdsList());
    assertEquals(ids(5, 6), result.getCandidateItemIdsList());
    assertScores(new float[] {toyScore(5, 1, 2, 3, 4), toyScore(6, 1, 2, 3, 4)}, result);
    assertEquals(List.of("ghost-h", "ghost-c"), result.getSkippedItemIdsList());
    assertEquals(2, result.getEvidenceCount());
  }

  @Test
  void score_omitUnchangedCandidateIds_leavesOutOnlyTheIdsOfRowsThatScoredEveryCandidate() {
    ScoreRequest request = ScoreRequest.newBuilder()
        .addRows(row(List.of(1, 2), List.of(5, 6, 7)))
        .addRows(ScoreRow.newBuilder().addHistoryItemIds("item-01").addAllCandidateItemIds(List.of("item-05", "ghost-c")))
        .setUnknownItems(UnknownItemPolicy.UNKNOWN_ITEM_POLICY_SKIP)
        .setIncludeContribution(true)
        .setOmitUnchangedCandidateIds(true)
        .build();

    ScoreResponse response = service.stub.score(request);
    ScoreResponse withIds = service.stub.score(request.toBuilder().setOmitUnchangedCandidateIds(false).build());

    // Row 0 scored all its candidates: no ids, its numbers aligned with the request's.
    assertEquals(0, response.getRows(0).getCandidateItemIdsCount());
    assertEquals(ids(5, 6, 7), withIds.getRows(0).getCandidateItemIdsList());
    assertScores(new float[] {toyScore(5, 1, 2), toyScore(6, 1, 2), toyScore(7, 1, 2)}, response.getRows(0));
    assertEquals(3, response.getRows(0).getEvidenceCount());
    assertEquals(ids(1, 2), response.getRows(0).getHistoryItemIdsList());
    // Row 1 skipped one: its ids are listed as usual.
    assertEquals(ids(5), response.getRows(1).getCandidateItemIdsList());
    assertEquals(List.of("ghost-c"), response.getRows(1).getSkippedItemIdsList());
    assertEquals(withIds.getRows(1), response.getRows(1));
  }

  @Test
  void score_sharedCandidatesWithUnknownIds_areRejectedOrSkippedInEveryRowThatUsesThem() {
    ScoreRequest request = ScoreRequest.newBuilder()
        .setSharedCandidates(SharedCandidates.newBuilder().addAllCandidateItemIds(List.of("item-05", "ghost-c", "item-06")))
        .addRows(ScoreRow.newBuilder().addAllHistoryItemIds(ids(1, 2)))
        .addRows(ScoreRow.newBuilder().addAllHistoryItemIds(List.of("item-03", "ghost-h")))
        .build();

    StatusRuntimeException rejected = assertThrows(StatusRuntimeException.class, () -> service.stub.score(request));
    assertEquals(Status.Code.INVALID_ARGUMENT, rejected.getStatus().getCode());
    assertTrue(rejected.getStatus().getDescription().startsWith("3 item id(s) are not in the vocabulary"),
        rejected.getStatus().getDescription());

    ScoreResponse skipped = service.stub.score(request.toBuilder()
        .setUnknownItems(UnknownItemPolicy.UNKNOWN_ITEM_POLICY_SKIP).setOmitUnchangedCandidateIds(true).build());
    assertEquals(ids(5, 6), skipped.getRows(0).getCandidateItemIdsList(), "one was skipped: ids listed");
    assertEquals(List.of("ghost-c"), skipped.getRows(0).getSkippedItemIdsList());
    assertEquals(List.of("ghost-h", "ghost-c"), skipped.getRows(1).getSkippedItemIdsList());
    assertScores(new float[] {toyScore(5, 3), toyScore(6, 3)}, skipped.getRows(1));
  }

  @Test
  void score_emptyOrBadSharedCandidates_failNamingTheField() {
    ScoreRequest.Builder request = ScoreRequest.newBuilder().addRows(ScoreRow.newBuilder().addHistoryItemIds("item-01"));

    StatusRuntimeException empty = assertThrows(StatusRuntimeException.class, () -> service.stub.score(
        request.setSharedCandidates(SharedCandidates.getDefaultInstance()).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, empty.getStatus().getCode());
    assertTrue(empty.getStatus().getDescription().contains("shared_candidates.candidate_item_ids"),
        empty.getStatus().getDescription());
    StatusRuntimeException blank = assertThrows(StatusRuntimeException.class, () -> service.stub.score(
        request.setSharedCandidates(SharedCandidates.newBuilder().addCandidateItemIds("")).build()));
    assertTrue(blank.getStatus().getDescription().contains("shared_candidates.candidate_item_ids[0]"),
        blank.getStatus().getDescription());
    // Without shared candidates a row must still send its own.
    StatusRuntimeException none = assertThrows(StatusRuntimeException.class, () -> service.stub.score(
        request.clearSharedCandidates().build()));
    assertTrue(none.getStatus().getDescription().startsWith("rows[0].candidate_item_ids"),
        none.getStatus().getDescription());
  }

  @Test
  void score_skipLeavingARowWithoutCandidates_returnsAnEmptyRowAndScoresTheOthers() {
    ScoreRequest request = ScoreRequest.newBuilder()
        .addRows(ScoreRow.newBuilder().addHistoryItemIds("item-01").addCandidateItemIds("ghost"))
        .addRows(row(List.of(2), List.of(3)))
        .setUnknownItems(UnknownItemPolicy.UNKNOWN_ITEM_POLICY_SKIP)
        .setIncludeContribution(true)
        .build();

    ScoreResponse response = service.stub.score(request);

    assertEquals(ids(1), response.getRows(0).getHistoryItemIdsList());
    assertEquals(0, response.getRows(0).getCandidateItemIdsCount());
    assertEquals(0, response.getRows(0).getScoresCount());
    assertEquals(0, response.getRows(0).getEvidenceCount());
    assertEquals(List.of("ghost"), response.getRows(0).getSkippedItemIdsList());
    assertScores(new float[] {toyScore(3, 2)}, response.getRows(1));
  }

  @Test
  void score_skipWithOnlyUnknownCandidates_returnsEmptyRowsWithoutRunningTheModel() {
    ScoreRequest request = ScoreRequest.newBuilder()
        .addRows(ScoreRow.newBuilder().addCandidateItemIds("ghost"))
        .setUnknownItems(UnknownItemPolicy.UNKNOWN_ITEM_POLICY_SKIP)
        .build();

    ScoreResponse response = service.stub.score(request);

    assertEquals(1, response.getRowsCount());
    assertEquals(0, response.getRows(0).getScoresCount());
    assertEquals("v1", response.getModelVersion());
  }

  @Test
  void score_pinnedActiveVersion_succeeds() {
    ScoreResponse response = service.stub.score(request(row(List.of(), List.of(1))).toBuilder()
        .setModelVersion("v1").build());

    assertEquals("v1", response.getModelVersion());
  }

  @Test
  void score_pinnedOtherVersion_failsWithFailedPrecondition() {
    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> service.stub.score(request(row(List.of(), List.of(1))).toBuilder().setModelVersion("v0").build()));

    assertEquals(Status.Code.FAILED_PRECONDITION, error.getStatus().getCode());
    assertTrue(error.getStatus().getDescription().contains("\"v0\""));
    assertTrue(ModelVersionRefusal.isMarked(error), "marked as a refusal of the pinned version");
  }

  static Stream<Arguments> malformedRequests() {
    List<String> twoThousandOne = Collections.nCopies(2001, "item-01");
    List<String> thousandOne = Collections.nCopies(1001, "item-01");
    ScoreRequest.Builder tooManyRows = ScoreRequest.newBuilder();
    for (int i = 0; i < 257; i++) {
      tooManyRows.addRows(row(List.of(), List.of(1)));
    }
    ScoreRequest.Builder tooManyCells = ScoreRequest.newBuilder();
    for (int i = 0; i < 101; i++) {
      tooManyCells.addRows(ScoreRow.newBuilder().addAllCandidateItemIds(Collections.nCopies(2000, "item-01")));
    }
    return Stream.of(
        Arguments.of("no rows", ScoreRequest.getDefaultInstance(), "rows must have 1..256 entries, got 0"),
        Arguments.of("257 rows", tooManyRows.build(), "rows must have 1..256 entries, got 257"),
        Arguments.of("no candidates", ScoreRequest.newBuilder().addRows(ScoreRow.newBuilder().addHistoryItemIds("item-01")).build(),
            "rows[0].candidate_item_ids must have 1..2000 entries, got 0"),
        Arguments.of("2001 candidates", ScoreRequest.newBuilder().addRows(ScoreRow.newBuilder().addAllCandidateItemIds(twoThousandOne)).build(),
            "rows[0].candidate_item_ids must have 1..2000 entries, got 2001"),
        Arguments.of("1001 history items", ScoreRequest.newBuilder().addRows(ScoreRow.newBuilder()
                .addAllHistoryItemIds(thousandOne).addCandidateItemIds("item-01")).build(),
            "rows[0].history_item_ids must have 0..1000 entries, got 1001"),
        Arguments.of("202000 cells", tooManyCells.build(), "at most 200000 per request"),
        Arguments.of("empty history id", ScoreRequest.newBuilder().addRows(row(List.of(1), List.of(1)))
                .addRows(ScoreRow.newBuilder().addHistoryItemIds("item-01").addHistoryItemIds("").addCandidateItemIds("item-01")).build(),
            "rows[1].history_item_ids[1] must not be empty"),
        Arguments.of("blank candidate id", ScoreRequest.newBuilder().addRows(ScoreRow.newBuilder()
                .addCandidateItemIds("item-01").addCandidateItemIds("  ")).build(),
            "rows[0].candidate_item_ids[1] must not be blank"),
        Arguments.of("overlong id", ScoreRequest.newBuilder().addRows(ScoreRow.newBuilder()
                .addCandidateItemIds("x".repeat(129))).build(),
            "rows[0].candidate_item_ids[0] must be at most 128 characters"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedRequests")
  void score_malformedRequest_failsWithInvalidArgumentNamingTheField(
      String description, ScoreRequest request, String expectedMessage) {
    StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () -> service.stub.score(request));

    assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode(), description);
    assertTrue(error.getStatus().getDescription().contains(expectedMessage),
        description + ": " + error.getStatus().getDescription());
  }

  @Test
  void score_largestAllowedBatch_succeeds() {
    ScoreRequest.Builder request = ScoreRequest.newBuilder();
    for (int i = 0; i < 100; i++) {
      request.addRows(ScoreRow.newBuilder()
          .addAllHistoryItemIds(Collections.nCopies(1000, "item-02"))
          .addAllCandidateItemIds(Collections.nCopies(2000, "item-03")));
    }

    ScoreResponse response = service.stub.score(request.build());

    assertEquals(100, response.getRowsCount());
    assertEquals(2000, response.getRows(99).getScoresCount());
    assertEquals(ModelFolders.TOY_MAX_HISTORY, response.getRows(99).getHistoryItemIdsCount());
  }

  /** The toy model's score for candidate index {@code candidate} after {@code history} indices. */
  static float toyScore(int candidate, int... history) {
    double mean = IntStream.of(history).average().orElse(0);
    return (float) (candidate + mean * candidate / 100);
  }

  static String id(int index) {
    return String.format("item-%02d", index);
  }

  static List<String> ids(int... indices) {
    return IntStream.of(indices).mapToObj(ScoreRpcTest::id).toList();
  }

  static ScoreRow row(List<Integer> history, List<Integer> candidates) {
    return ScoreRow.newBuilder()
        .addAllHistoryItemIds(history.stream().map(ScoreRpcTest::id).toList())
        .addAllCandidateItemIds(candidates.stream().map(ScoreRpcTest::id).toList())
        .build();
  }

  static ScoreRequest request(ScoreRow... rows) {
    return ScoreRequest.newBuilder().addAllRows(List.of(rows)).build();
  }

  private static void assertScores(float[] expected, ScoreRowResult result) {
    assertFloats(expected, result.getScoresList());
  }

  private static void assertFloats(float[] expected, List<Float> actual) {
    float[] values = new float[actual.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = actual.get(i);
    }
    assertArrayEquals(expected, values, TOLERANCE, () -> "got " + new ArrayList<>(actual));
  }
}
