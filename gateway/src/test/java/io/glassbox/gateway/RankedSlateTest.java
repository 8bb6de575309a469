package io.glassbox.gateway;

import static io.glassbox.api.v1.RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE;
import static io.glassbox.gateway.TestCatalogue.coPurchase;
import static io.glassbox.gateway.TestCatalogue.popular;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.CandidateEvidence;
import io.glassbox.api.v1.ExplainRequest;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.ScoreResponse;
import io.glassbox.api.v1.ScoreRowResult;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RankedSlateTest {
  private static final List<Candidate> CANDIDATES = List.of(
      coPurchase("a", 9, "h1"), coPurchase("b", 8, "h2", "h1"), popular("c", 1), popular("d", 0.5));

  private static List<String> ids(RankedSlate slate) {
    return slate.ranked().stream().map(RankedCandidate::itemId).toList();
  }

  /** One call's answer, as the gateway's one shard. */
  private static RankedSlate byModel(List<Candidate> eligible, ScoreResponse response) {
    return RankedSlate.byModel(List.of(eligible), List.of(response));
  }

  private static ScoreResponse scored(List<String> history, List<String> ids, float... scores) {
    ScoreRowResult.Builder row = ScoreRowResult.newBuilder().addAllHistoryItemIds(history);
    for (int i = 0; i < ids.size(); i++) {
      CandidateEvidence.Builder evidence = CandidateEvidence.newBuilder();
      history.forEach(h -> evidence.addContribution(0.25f));
      row.addCandidateItemIds(ids.get(i)).addScores(scores[i]).addEvidence(evidence);
    }
    return ScoreResponse.newBuilder().setModelVersion("v1").addRows(row).build();
  }

  @Test
  void eligible_dropsHistoryItemsDuplicatesAndSourcelessCandidates() {
    List<Candidate> eligible = RankedSlate.eligible(List.of(
        coPurchase("a", 9, "h1"),
        coPurchase("h1", 8, "h2"),
        coPurchase("a", 7, "h1"),
        Candidate.newBuilder().setItemId("nosource").setRetrievalScore(6).build(),
        Candidate.newBuilder().setItemId("unspecified").setRetrievalScore(6)
            .addSources(RetrievalSource.RETRIEVAL_SOURCE_UNSPECIFIED).build(),
        popular("c", 1)), List.of("h1", "h2"), 1);

    assertEquals(List.of("a", "c"), eligible.stream().map(Candidate::getItemId).toList());
    assertEquals(9, eligible.get(0).getRetrievalScore(), "the first occurrence is kept");
  }

  @Test
  void byModel_ordersByScoreThenRetrievalScore() {
    RankedSlate slate = byModel(CANDIDATES,
        scored(List.of("h1", "h2"), List.of("a", "b", "c", "d"), 0.5f, 2f, 0.5f, 3f));

    assertEquals(List.of("d", "b", "a", "c"), ids(slate));
    assertEquals(3.0, slate.ranked().get(0).score(), 1e-6);
    assertEquals("v1", slate.modelVersion());
    assertEquals(List.of("h1", "h2"), slate.modelHistory());
    assertEquals(List.of(0.25f, 0.25f), slate.ranked().get(0).contribution());
    assertFalse(slate.rankingDegraded());
  }

  @Test
  void inTieOrder_isTheOrderRecommendPlacesEqualScoresIn() {
    // Retrieval order with a worse retrieval score before a better one (b 2 before c 5), and a tie
    // in retrieval score too (d and e), which keeps retrieval order.
    List<Candidate> retrieved = List.of(popular("a", 9), popular("b", 2), popular("c", 5), popular("d", 1),
        popular("e", 1));
    List<String> ids = retrieved.stream().map(Candidate::getItemId).toList();
    RankedSlate allTied = byModel(retrieved, scored(List.of("h1"), ids, 1f, 1f, 1f, 1f, 1f));

    // The explain service keeps the sent order among equal scores: it must be Recommend's.
    assertEquals(ids(allTied), RankedSlate.inTieOrder(retrieved).stream().map(Candidate::getItemId).toList());
    assertEquals(List.of("a", "c", "b", "d", "e"), ids(allTied));
  }

  @Test
  void byModel_idsLeftOutAsUnchanged_alignsTheScoresWithTheCandidatesAskedAbout() {
    ScoreResponse full = scored(List.of("h1", "h2"), List.of("a", "b", "c", "d"), 0.5f, 2f, 0.5f, 3f);
    ScoreResponse omitted = full.toBuilder().setRows(0, full.getRows(0).toBuilder().clearCandidateItemIds()).build();

    RankedSlate slate = byModel(CANDIDATES, omitted);

    assertEquals(List.of("d", "b", "a", "c"), ids(slate));
    assertEquals(2.0, slate.ranked().get(1).score(), 1e-9);
  }

  @Test
  void byModel_overShards_ranksAsOneCallWould_idsGivenOrLeftOutAsUnchanged() {
    ScoreResponse whole = scored(List.of("h1", "h2"), List.of("a", "b", "c", "d"), 0.5f, 2f, 0.5f, 3f);
    ScoreResponse first = scored(List.of("h1", "h2"), List.of("a", "b"), 0.5f, 2f);
    ScoreResponse second = scored(List.of("h1", "h2"), List.of("c", "d"), 0.5f, 3f);
    ScoreResponse secondOmitted =
        second.toBuilder().setRows(0, second.getRows(0).toBuilder().clearCandidateItemIds()).build();

    RankedSlate sharded = RankedSlate.byModel(List.of(CANDIDATES.subList(0, 2), CANDIDATES.subList(2, 4)),
        List.of(first, secondOmitted));

    assertEquals(byModel(CANDIDATES, whole), sharded);
    assertEquals(List.of("d", "b", "a", "c"), ids(sharded), "a tie (a, c) still goes to the better retrieval score");
  }

  @Test
  void byModel_overShards_fullTiesKeepRetrievalOrder_andSkippedCandidatesStayAsideInOrder() {
    List<Candidate> candidates = List.of(popular("p", 1), popular("x", 1), popular("q", 1), popular("y", 1));
    // The model knows neither x nor y: each shard skips one.
    ScoreResponse first = scored(List.of("h1"), List.of("p"), 2f);
    ScoreResponse second = scored(List.of("h1"), List.of("q"), 2f);

    RankedSlate slate = RankedSlate.byModel(List.of(candidates.subList(0, 2), candidates.subList(2, 4)),
        List.of(first, second));

    assertEquals(List.of("p", "q"), ids(slate));
    assertEquals(List.of("x", "y"), slate.unknownToModel().stream().map(Candidate::getItemId).toList());
  }

  @Test
  void byModel_countsTheHistoryItemsTheModelSkipped_distinct_notItsSkippedCandidates() {
    List<Candidate> candidates = List.of(popular("p", 1), popular("x", 1));
    // The history sent was [n1, h1, n1, n2]: the model knows h1 only; it skips x among the candidates.
    ScoreResponse scored = scored(List.of("h1"), List.of("p"), 2f);
    scored = scored.toBuilder().setRows(0, scored.getRows(0).toBuilder()
        .addAllSkippedItemIds(List.of("n1", "n1", "n2", "x"))).build();

    RankedSlate slate = RankedSlate.byModel(List.of(candidates), List.of(scored));

    assertEquals(2, slate.historyItemsUnknownToModel());
    assertEquals(List.of("h1"), slate.modelHistory());
    assertEquals(0,
        RankedSlate.byRetrieval(candidates, RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE).historyItemsUnknownToModel());
  }

  @Test
  void byModel_overShards_scoredByDifferentVersionsOrHistories_areMixedShards() {
    List<List<Candidate>> shards = List.of(CANDIDATES.subList(0, 2), CANDIDATES.subList(2, 4));
    ScoreResponse first = scored(List.of("h1", "h2"), List.of("a", "b"), 0.5f, 2f);
    ScoreResponse second = scored(List.of("h1", "h2"), List.of("c", "d"), 0.5f, 3f);

    // Mixed shards: one call of the whole slate would not be (the caller asks again).
    IllegalArgumentException versions = assertThrows(RankedSlate.MixedShardsException.class, () -> RankedSlate.byModel(
        shards, List.of(first, second.toBuilder().setModelVersion("v2").build())));
    assertEquals("the candidates' shards were scored by different model versions (v1, v2)", versions.getMessage());
    assertEquals("the candidates' shards were scored against different histories", assertThrows(
        RankedSlate.MixedShardsException.class, () -> RankedSlate.byModel(
            shards, List.of(first, scored(List.of("h2"), List.of("c", "d"), 0.5f, 3f)))).getMessage());
    // A malformed answer is a failed model call.
    IllegalArgumentException malformed = assertThrows(IllegalArgumentException.class,
        () -> RankedSlate.byModel(shards, List.of(first)));
    assertEquals("1 model answers for 2 shards", malformed.getMessage());
    assertFalse(malformed instanceof RankedSlate.MixedShardsException);
  }

  @Test
  void shards_areContiguousNearEqualSlices_neverEmpty() {
    List<Candidate> five = List.of(popular("a", 5), popular("b", 4), popular("c", 3), popular("d", 2), popular("e", 1));

    assertEquals(List.of(five), RankedSlate.shards(five, 1));
    assertEquals(List.of(five.subList(0, 1), five.subList(1, 3), five.subList(3, 5)), RankedSlate.shards(five, 3));
    assertEquals(five.stream().map(List::of).toList(), RankedSlate.shards(five, 16));
  }

  @Test
  void byModel_leavesOutCandidatesTheModelSkipped() {
    RankedSlate slate = byModel(CANDIDATES,
        scored(List.of(), List.of("a", "c"), 1f, 2f));

    assertEquals(List.of("c", "a"), ids(slate));
    assertEquals(List.of("b", "d"), slate.unknownToModel().stream().map(Candidate::getItemId).toList());
  }

  @Test
  void newcomers_areTheCoPurchaseCandidatesTheModelSkipped_strongestFirst() {
    List<Candidate> candidates = List.of(coPurchase("a", 3, "h1"), coPurchase("new1", 2, "h1"),
        popular("new2", 5), coPurchase("new3", 4, "h2"), coPurchase("new4", 2, "h2"));
    RankedSlate slate = byModel(candidates, scored(List.of("h1"), List.of("a"), 1f));

    assertEquals(List.of("new3", "new1", "new4"), slate.newcomers(5).stream().map(Candidate::getItemId).toList(),
        "only co-purchase candidates (a best seller alone says nothing of the user), ties in retrieval order");
    assertEquals(List.of("new3"), slate.newcomers(1).stream().map(Candidate::getItemId).toList());
    assertEquals(List.of(), slate.newcomers(0));
    assertEquals(List.of(), RankedSlate.byRetrieval(candidates, RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE).newcomers(5),
        "ranked by retrieval, every candidate already has its place");
  }

  @Test
  void byModel_everyCandidateLeftOutAsUnknown_saysTheModelKnowsNone() {
    ScoreResponse none = allSkipped(CANDIDATES);

    RankedSlate.NoCandidateKnownException e =
        assertThrows(RankedSlate.NoCandidateKnownException.class, () -> byModel(CANDIDATES, none));
    assertEquals("model v1 knows none of the " + CANDIDATES.size() + " candidates (it was not trained on them:"
        + " another shop's data, or items imported since?)", e.getMessage());
  }

  /**
   * Sharded scoring (GLASSBOX_GATEWAY_SCORE_SHARDS): the model knows none only when every shard left
   * out all of its candidates; one shard that knows one of its candidates ranks it.
   */
  @Test
  void byModel_shards_knowsNoneOnlyWhenEveryShardLeftOutAllItsCandidates() {
    List<List<Candidate>> shards = RankedSlate.shards(CANDIDATES, 2);
    List<ScoreResponse> noneKnown = shards.stream().map(RankedSlateTest::allSkipped).toList();

    RankedSlate.NoCandidateKnownException e = assertThrows(
        RankedSlate.NoCandidateKnownException.class, () -> RankedSlate.byModel(shards, noneKnown));
    assertTrue(e.getMessage().startsWith("model v1 knows none of the " + CANDIDATES.size() + " candidates"),
        e.getMessage());

    ScoreResponse firstKnowsA = ScoreResponse.newBuilder().setModelVersion("v1").addRows(
        scored(List.of(), List.of("a"), 1f).getRows(0).toBuilder().addSkippedItemIds("b")).build();
    RankedSlate slate = RankedSlate.byModel(shards, List.of(firstKnowsA, noneKnown.get(1)));
    assertEquals(List.of("a"), ids(slate));
    assertEquals(List.of("b", "c", "d"), slate.unknownToModel().stream().map(Candidate::getItemId).toList());
  }

  private static ScoreResponse allSkipped(List<Candidate> shard) {
    ScoreRowResult.Builder row = ScoreRowResult.newBuilder();
    shard.forEach(candidate -> row.addSkippedItemIds(candidate.getItemId()));
    return ScoreResponse.newBuilder().setModelVersion("v1").addRows(row).build();
  }

  @Test
  void byModel_noCandidateScoredButNotAllLeftOut_isAFailedCall_notOneTheModelKnowsNone() {
    ScoreResponse malformed = ScoreResponse.newBuilder().setModelVersion("v1")
        .addRows(ScoreRowResult.newBuilder().addSkippedItemIds("a")).build();

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> byModel(CANDIDATES, malformed));
    assertFalse(e instanceof RankedSlate.NoCandidateKnownException, e.toString());
    assertEquals("model scored none of the " + CANDIDATES.size() + " candidates, and left out 1 as unknown",
        e.getMessage());
  }

  @Test
  void byModel_misalignedContribution_isDroppedNotPassedOn() {
    ScoreResponse response = ScoreResponse.newBuilder().setModelVersion("v1")
        .addRows(ScoreRowResult.newBuilder()
            .addAllHistoryItemIds(List.of("h1", "h2"))
            .addCandidateItemIds("a").addScores(1f)
            .addEvidence(CandidateEvidence.newBuilder().addContribution(1f)))
        .build();

    assertEquals(List.of(), byModel(CANDIDATES, response).ranked().get(0).contribution());
  }

  @Test
  void byModel_responseNotMatchingTheRequest_isRejected() {
    ScoreResponse missingScore = ScoreResponse.newBuilder().addRows(ScoreRowResult.newBuilder()
        .addCandidateItemIds("a").addCandidateItemIds("b").addScores(1f)).build();
    ScoreResponse twoRows = ScoreResponse.newBuilder()
        .addRows(ScoreRowResult.getDefaultInstance())
        .addRows(ScoreRowResult.getDefaultInstance()).build();

    assertThrows(IllegalArgumentException.class, () -> byModel(CANDIDATES, missingScore));
    assertThrows(IllegalArgumentException.class, () -> byModel(CANDIDATES, twoRows));
  }

  @Test
  void byRetrieval_ordersByRetrievalScoreWithoutModelVersion() {
    List<Candidate> shuffled = List.of(CANDIDATES.get(2), CANDIDATES.get(0), CANDIDATES.get(3),
        CANDIDATES.get(1));

    RankedSlate slate = RankedSlate.byRetrieval(shuffled, RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE);

    assertEquals(List.of("a", "b", "c", "d"), ids(slate));
    assertEquals(9.0, slate.ranked().get(0).score());
    assertEquals("", slate.modelVersion());
    assertTrue(slate.rankingDegraded());
  }

  @Test
  void explainRequest_targetsTheTopItemsWithinTheSlateOnTheWholeRecord() {
    RankedSlate slate = byModel(CANDIDATES,
        scored(List.of("h1", "h2"), List.of("a", "b", "c", "d"), 4f, 3f, 2f, 1f));

    ExplainRequest request = slate.explainRequest(2, 3, "zh-CN", List.of("h0", "h1", "h2"), Optional.empty());

    assertEquals(List.of("h1", "h2"), request.getHistoryItemIdsList());
    assertEquals(List.of("h0", "h1", "h2"), request.getRecordItemIdsList());
    assertEquals(2, request.getTopK());
    assertEquals(List.of("a", "b", "c"), request.getSlateItemIdsList());
    assertEquals(List.of("a", "b"),
        request.getTargetsList().stream().map(t -> t.getItemId()).toList());
    assertEquals(List.of("h2", "h1"), request.getTargets(1).getViaItemIdsList());
    assertEquals(0, request.getTargets(1).getContributionCount(), "the explain service measures effects itself");
    assertEquals("zh-CN", request.getLocale());
    assertEquals("v1", request.getModelVersion());
  }

  @Test
  void explainRequest_slateSmallerThanTheTargets_growsToHoldThem() {
    RankedSlate slate = RankedSlate.byRetrieval(CANDIDATES, RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE);

    assertEquals(List.of("a", "b", "c"), slate.explainRequest(3, 1, "en-US", List.of(), Optional.empty()).getSlateItemIdsList());
  }

  @Test
  void displayItemIds_areTheTopItemsThenTheirViaItems() {
    RankedSlate slate = RankedSlate.byRetrieval(CANDIDATES, RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE);

    assertEquals(List.of("a", "b", "h1", "h2"), slate.displayItemIds(2, false));
  }
}
