package io.glassbox.model;

import static io.glassbox.model.ScoreRpcTest.id;
import static io.glassbox.model.ScoreRpcTest.ids;
import static io.glassbox.model.ScoreRpcTest.row;
import static io.glassbox.model.ScoreRpcTest.toyScore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Duration;
import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.ModelInfo;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trend term over gRPC: a toy version whose metadata.json declares
 * {@code "trend": {"window_days": 14, "weight": 2.0}}, so a candidate bought n times in the last
 * 14 days scores toy score + 2·ln(1 + n).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrendScoreRpcTest {
  private static final Duration FORTNIGHT = Duration.newBuilder().setSeconds(14 * 86_400).build();
  private static final double WEIGHT = 2.0;

  private ModelServiceUnderTest service;

  @BeforeAll
  void start(@TempDir Path modelDirectory) {
    Path folder = ModelFolders.addToyVersion(modelDirectory, "v1");
    Path metadata = folder.resolve("metadata.json");
    ModelFolders.write(metadata, ModelFolders.read(metadata).replace("\"opset\": 17",
        "\"opset\": 17, \"trend\": {\"window_days\": 14, \"weight\": 2.0}"));
    service = ModelServiceUnderTest.withToyModel(modelDirectory);
  }

  @AfterAll
  void stop() {
    if (service != null) {
      service.close();
    }
  }

  @Test
  void getModelInfo_reportsTheVersionsTrendTermAndServingEngine() {
    ModelInfo info = service.stub.getModelInfo(GetModelInfoRequest.getDefaultInstance());

    assertEquals(FORTNIGHT, info.getTrend().getWindow());
    assertEquals(WEIGHT, info.getTrend().getWeight());
    assertTrue(info.getServing().getBatching());
    assertEquals(1, info.getServing().getIntraOpThreads());
    assertEquals("", info.getServing().getExecutionProviderFallback());
    assertEquals(1000L * ModelConfig.defaultBatcherSpinMicros(), info.getServing().getBatcherSpin().getNanos());
  }

  @Test
  void score_withRecentPurchases_addsTheTrendTermAndReportsItSeparately() {
    ScoreRowResult result = service.stub.score(withCounts(
        counted(row(List.of(2, 4), List.of(5, 1, 12)), 0, 9, 3))).getRows(0);

    float[] trend = {0f, trend(9), trend(3)};
    assertFloats(trend, result.getTrendScoresList());
    assertFloats(new float[] {toyScore(5, 2, 4), toyScore(1, 2, 4) + trend[1],
        toyScore(12, 2, 4) + trend[2]}, result.getScoresList());
  }

  @Test
  void score_withoutCounts_hasZeroTrendScores() {
    ScoreRowResult result = service.stub.score(ScoreRequest.newBuilder()
        .addRows(row(List.of(2), List.of(5, 1))).build()).getRows(0);

    assertFloats(new float[] {0f, 0f}, result.getTrendScoresList());
    assertFloats(new float[] {toyScore(5, 2), toyScore(1, 2)}, result.getScoresList());
  }

  @Test
  void score_skippedUnknownCandidate_keepsCountsAlignedWithTheRemainingCandidates() {
    ScoreRow row = ScoreRow.newBuilder()
        .addHistoryItemIds(id(3))
        .addAllCandidateItemIds(List.of(id(5), "no-such-item", id(7)))
        .addAllCandidateRecentPurchases(List.of(1L, 100L, 4L))
        .build();
    ScoreRowResult result = service.stub.score(withCounts(row).toBuilder()
        .setUnknownItems(UnknownItemPolicy.UNKNOWN_ITEM_POLICY_SKIP).build()).getRows(0);

    assertEquals(ids(5, 7), result.getCandidateItemIdsList());
    assertFloats(new float[] {trend(1), trend(4)}, result.getTrendScoresList());
  }

  @Test
  void score_countsOfTheWrongLength_failWithInvalidArgument() {
    ScoreRow row = counted(row(List.of(2), List.of(5, 1)), 3);

    assertStatus(Status.Code.INVALID_ARGUMENT, "rows[0].candidate_recent_purchases must hold one count "
        + "per candidate (2) or none, got 1", withCounts(row));
  }

  @Test
  void score_negativeCount_failsWithInvalidArgument() {
    assertStatus(Status.Code.INVALID_ARGUMENT, "rows[0].candidate_recent_purchases[1] must be >= 0",
        withCounts(counted(row(List.of(2), List.of(5, 1)), 3, -1)));
  }

  @Test
  void score_countsWithoutWindow_failWithInvalidArgument() {
    assertStatus(Status.Code.INVALID_ARGUMENT, "recent_purchases_window must be set",
        ScoreRequest.newBuilder().addRows(counted(row(List.of(2), List.of(5)), 3)).build());
  }

  @Test
  void score_countsOverAnotherWindow_failWithFailedPrecondition() {
    ScoreRequest request = withCounts(counted(row(List.of(2), List.of(5)), 3)).toBuilder()
        .setRecentPurchasesWindow(Duration.newBuilder().setSeconds(7 * 86_400)).build();

    StatusRuntimeException error =
        assertStatus(Status.Code.FAILED_PRECONDITION, "recent purchases were counted over PT168H", request);
    assertFalse(ModelVersionRefusal.isMarked(error), "not a refusal of a pinned version");
  }

  @Test
  void score_sharedCandidatesWithCounts_scoreEveryRowWithoutCandidatesAsIfItHadSentThem() {
    ScoreRequest shared = ScoreRequest.newBuilder()
        .setSharedCandidates(SharedCandidates.newBuilder()
            .addAllCandidateItemIds(ids(5, 1, 12)).addAllCandidateRecentPurchases(List.of(0L, 9L, 3L)))
        .addRows(ScoreRow.newBuilder().addAllHistoryItemIds(ids(2, 4)))
        .addRows(row(List.of(3), List.of(7)))                   // its own candidates, no counts
        .addRows(ScoreRow.newBuilder().addAllHistoryItemIds(ids(6)))
        .setRecentPurchasesWindow(FORTNIGHT)
        .setOmitUnchangedCandidateIds(true)
        .build();
    ScoreRequest perRow = withCounts(counted(row(List.of(2, 4), List.of(5, 1, 12)), 0, 9, 3)).toBuilder()
        .addRows(row(List.of(3), List.of(7)))
        .addRows(counted(row(List.of(6), List.of(5, 1, 12)), 0, 9, 3))
        .setOmitUnchangedCandidateIds(true)
        .build();

    ScoreResponse response = service.stub.score(shared);

    assertEquals(service.stub.score(perRow), response);
    assertEquals(0, response.getRows(0).getCandidateItemIdsCount(), "ids left out: they are the shared ones");
    assertFloats(new float[] {0f, trend(9), trend(3)}, response.getRows(2).getTrendScoresList());
    assertFloats(new float[] {0f}, response.getRows(1).getTrendScoresList());
  }

  @Test
  void score_rowWithItsOwnCountsForSharedCandidates_usesThemInsteadOfTheShared() {
    ScoreRequest.Builder request = ScoreRequest.newBuilder()
        .setSharedCandidates(SharedCandidates.newBuilder()
            .addAllCandidateItemIds(ids(5, 1)).addAllCandidateRecentPurchases(List.of(9L, 3L)))
        .addRows(ScoreRow.newBuilder().addHistoryItemIds(id(2)))
        .addRows(ScoreRow.newBuilder().addHistoryItemIds(id(2)).addAllCandidateRecentPurchases(List.of(0L, 0L)))
        .setRecentPurchasesWindow(FORTNIGHT);

    ScoreResponse response = service.stub.score(request.build());

    assertFloats(new float[] {trend(9), trend(3)}, response.getRows(0).getTrendScoresList());
    assertFloats(new float[] {0f, 0f}, response.getRows(1).getTrendScoresList());
    assertFloats(new float[] {toyScore(5, 2), toyScore(1, 2)}, response.getRows(1).getScoresList());
    assertStatus(Status.Code.INVALID_ARGUMENT, "rows[1].candidate_recent_purchases must hold one count per "
        + "candidate (2) or none, got 1", request.setRows(1, ScoreRow.newBuilder().addHistoryItemIds(id(2))
            .addCandidateRecentPurchases(4)).build());
  }

  @Test
  void score_sharedCountsOfTheWrongLengthOrNegative_failWithInvalidArgument() {
    ScoreRequest.Builder request = ScoreRequest.newBuilder()
        .addRows(ScoreRow.newBuilder().addHistoryItemIds(id(2)))
        .setRecentPurchasesWindow(FORTNIGHT);

    assertStatus(Status.Code.INVALID_ARGUMENT, "shared_candidates.candidate_recent_purchases must hold one "
        + "count per candidate (2) or none, got 1", request.setSharedCandidates(SharedCandidates.newBuilder()
            .addAllCandidateItemIds(ids(5, 1)).addCandidateRecentPurchases(3)).build());
    assertStatus(Status.Code.INVALID_ARGUMENT, "shared_candidates.candidate_recent_purchases[1] must be >= 0",
        request.setSharedCandidates(SharedCandidates.newBuilder()
            .addAllCandidateItemIds(ids(5, 1)).addAllCandidateRecentPurchases(List.of(3L, -2L))).build());
  }

  private static float trend(long count) {
    return (float) (WEIGHT * Math.log1p(count));
  }

  private static ScoreRow counted(ScoreRow row, long... counts) {
    ScoreRow.Builder builder = row.toBuilder();
    for (long count : counts) {
      builder.addCandidateRecentPurchases(count);
    }
    return builder.build();
  }

  private static ScoreRequest withCounts(ScoreRow row) {
    return ScoreRequest.newBuilder().addRows(row).setRecentPurchasesWindow(FORTNIGHT).build();
  }

  private StatusRuntimeException assertStatus(Status.Code code, String messageStart, ScoreRequest request) {
    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> service.stub.score(request));
    assertEquals(code, error.getStatus().getCode(), error.getStatus().toString());
    assertTrue(error.getStatus().getDescription().startsWith(messageStart),
        error.getStatus().getDescription());
    return error;
  }

  private static void assertFloats(float[] expected, List<Float> actual) {
    assertEquals(expected.length, actual.size(), "count");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual.get(i), 1e-5f, "index " + i + " of " + actual);
    }
  }
}
