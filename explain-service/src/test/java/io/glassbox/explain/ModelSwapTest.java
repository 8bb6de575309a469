package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.ExplainItemRequest;
import io.glassbox.api.v1.ExplainRequest;
import io.glassbox.api.v1.ExplainTarget;
import io.glassbox.api.v1.GetModelInsightsRequest;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.UserRanking;
import io.glassbox.api.v1.WhatIfRequest;
import io.glassbox.api.v1.WhyNotRequest;
import io.glassbox.server.ModelVersionRefusal;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * Every answer pins one version for all its Score calls: the one that answered its first Score
 * call, or for GetModelInsights the one GetModelInfo named before it. A model swapped in between
 * is the service's race, not the caller's pin: UNAVAILABLE, which a retry mends. A version the
 * caller pinned that is no longer active stays FAILED_PRECONDITION; the faithfulness evaluation,
 * which pins as a caller, fails its run ABORTED on it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ModelSwapTest {
  private static final String RETRY = "the model changed while answering; retry";
  private static final Map<String, String> TITLES = Map.ofEntries(
      Map.entry("t", "TEA SET"), Map.entry("x", "MUG"), Map.entry("y", "PLATE"), Map.entry("z", "BOWL"),
      Map.entry("a", "APRON"), Map.entry("b", "BAG"), Map.entry("c", "CAKESTAND"), Map.entry("n1", "TEA COSY"),
      Map.entry("n2", "SUGAR BOWL"));
  private static final Map<String, List<String>> NEIGHBOURS = Map.of("t", List.of("n1", "n2"));

  /* Record c, a, b: x 2 (from a), y 1 (from b), t 0.2 (from c), z 0: t is #3 of 4. */
  private static AdditiveScorer scorer() {
    return new AdditiveScorer()
        .weight("a", "x", 2f).weight("b", "y", 1f).weight("c", "t", 0.2f)
        .weight("n1", "t", 1.5f).weight("n2", "t", 1f)
        .know("z");
  }

  private static UserRanking.Builder ranking() {
    return UserRanking.newBuilder().addAllRecordItemIds(List.of("c", "a", "b"))
        .addAllCandidateItemIds(List.of("t", "x", "y", "z"));
  }

  @Test
  void explainItem_modelSwappedAfterTheFirstScore_isUnavailableToRetry() {
    // The second call (the leave-one-out rows) is pinned to v1, the version of the first.
    FakeModelService model = new FakeModelService(scorer(), "v1").swappingAtCall(2, "v2");
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      assertUnavailableToRetry(() -> fixture.stub.explainItem(
          ExplainItemRequest.newBuilder().setRanking(ranking()).setItemId("x").build()));
      assertEquals(2, model.sent().size());
    }
  }

  @Test
  void explainItem_callerPinnedTheVersionSwappedOut_isFailedPrecondition() {
    FakeModelService model = new FakeModelService(scorer(), "v1").swappingAtCall(2, "v2");
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      StatusRuntimeException failed = assertThrows(StatusRuntimeException.class, () -> fixture.stub.explainItem(
          ExplainItemRequest.newBuilder().setRanking(ranking().setModelVersion("v1")).setItemId("x").build()));

      assertEquals(Status.Code.FAILED_PRECONDITION, failed.getStatus().getCode());
      assertEquals("model service refused: active version is v2", failed.getStatus().getDescription());
    }
  }

  @Test
  void whyNot_modelSwappedBeforeTheAdditionTrials_isUnavailableToRetry() {
    // Calls 1-3: the record, leave-one-out, removals of what holds t back; call 4 tries the
    // additions, pinned to v1.
    FakeModelService model = new FakeModelService(scorer(), "v1").swappingAtCall(4, "v2");
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES, NEIGHBOURS))) {
      assertUnavailableToRetry(() -> fixture.stub.whyNot(
          WhyNotRequest.newBuilder().setRanking(ranking()).setItemId("t").setTopK(1).build()));
      List<ScoreRequest> sent = model.sent();
      assertEquals(4, sent.size());
      assertEquals("v1", sent.get(3).getModelVersion());
      assertTrue(sent.get(3).getRows(0).getHistoryItemIdsList().contains("n1"), "an addition trial");
    }
  }

  @Test
  void explain_modelSwappedAfterTheLeaveOneOutRows_isUnavailableToRetry() {
    FakeModelService model = new FakeModelService(scorer(), "v1").swappingAtCall(2, "v2");
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      assertUnavailableToRetry(() -> fixture.stub.explain(explainX().build()));
      assertEquals(2, model.sent().size());
    }
  }

  @Test
  void explain_callerPinnedTheVersionSwappedOut_isFailedPrecondition() {
    // As Recommend asks it: the gateway pins the version its own Score call was answered by.
    FakeModelService model = new FakeModelService(scorer(), "v1").swappingAtCall(2, "v2");
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      StatusRuntimeException failed = assertThrows(StatusRuntimeException.class,
          () -> fixture.stub.explain(explainX().setModelVersion("v1").build()));

      assertEquals(Status.Code.FAILED_PRECONDITION, failed.getStatus().getCode());
      assertEquals("model service refused: active version is v2", failed.getStatus().getDescription());
      assertTrue(ModelVersionRefusal.isMarked(failed), "the model service's mark passed on");
    }
  }

  @Test
  void getModelInsights_modelSwappedAfterTheFirstUsersRecord_isUnavailableToRetry() {
    // GetModelInfo names v1, which pins every Score call: the first scores the user's record,
    // the second (the counterfactual rows) finds v2 active.
    FakeModelService model = new FakeModelService(scorer(), "v1").swappingAtCall(2, "v2");
    FakeFeatureService feature = new FakeFeatureService(TITLES)
        .withUsers(Map.of("u1", List.of("c", "a", "b")), List.of("t", "x", "y", "z"));
    try (ExplainFixture fixture = new ExplainFixture(model, feature)) {
      assertUnavailableToRetry(() -> fixture.stub.getModelInsights(
          GetModelInsightsRequest.newBuilder().addUserIds("u1").setTopK(1).build()));
      assertEquals(2, model.sent().size());
    }
  }

  @Test
  void whatIf_modelSwappedBeforeTheUndoneScores_isUnavailableToRetry() {
    AdditiveScorer scorer = new AdditiveScorer().weight("a", "t", 3f).weight("b", "s", 2f);
    // The second call (the undone rows) is pinned to v1, the version that scored the change. Two
    // changes: with one, undoing it gives back the record, and no second call is made.
    FakeModelService model = new FakeModelService(scorer, "v1").swappingAtCall(2, "v2");
    try (ExplainFixture fixture = new ExplainFixture(model,
        new FakeFeatureService(Map.of("a", "APRON", "b", "BAG", "t", "TEA SET", "s", "SAUCER", "c", "CUP")))) {
      UserRanking ranking = UserRanking.newBuilder().addRecordItemIds("a").addRecordItemIds("b").addRecordItemIds("c")
          .addCandidateItemIds("t").addCandidateItemIds("s").build();

      assertUnavailableToRetry(() -> fixture.stub.whatIf(
          WhatIfRequest.newBuilder().setRanking(ranking).addRemoveItemIds("a").addRemoveItemIds("b").build()));
      assertEquals(2, model.sent().size());
    }
  }

  @Test
  void faithfulnessEvaluation_modelSwappedAfterItStarted_isAbortedNamingTheVersionItStartedWith() {
    // The run pins v1 (its GetModelInfo); its first Score call finds v2 active. The refusal of the
    // pin alone says the model changed: nothing is asked again (GetModelInfo would fail here).
    FakeModelService model = new FakeModelService(scorer(), "v1").swappingAtCall(1, "v2")
        .failingModelInfoFromCall(2, Status.UNAVAILABLE.withDescription("model service is down"));

    assertAbortedAsSwapped(evaluationFailure(model));
    assertEquals(1, model.modelInfoCalls(), "GetModelInfo asked only when the run started");
  }

  @Test
  void faithfulnessEvaluation_modelSwappedAtTheExplainCall_isAbortedNamingTheVersionItStartedWith() {
    // Call 1 ranks u1; call 2, the Explain call's first, finds v2 active: the explain service
    // refuses the run's pin, and only the mark it passes on tells the run so.
    FakeModelService model = new FakeModelService(scorer(), "v1").swappingAtCall(2, "v2");

    assertAbortedAsSwapped(evaluationFailure(model));
    assertEquals(2, model.sent().size());
  }

  @Test
  void faithfulnessEvaluation_modelSwappedBeforeTheReScoring_isAbortedNamingTheVersionItStartedWith() {
    // Call 1 ranks u1 (the evaluation's own); calls 2 and 3 are the Explain call's (its
    // leave-one-out rows, then their subsets); call 4, the re-scoring session's leave-one-out rows
    // through ModelClient, finds v2 active.
    FakeModelService model = new FakeModelService(scorer(), "v1").swappingAtCall(4, "v2");

    assertAbortedAsSwapped(evaluationFailure(model));
    List<ScoreRequest> sent = model.sent();
    assertEquals(4, sent.size());
    assertTrue(sent.stream().allMatch(r -> r.getModelVersion().equals("v1")), "every call pinned to v1");
    assertEquals(1, model.modelInfoCalls(), "GetModelInfo asked only when the run started");
  }

  @Test
  void faithfulnessEvaluation_trendWindowRefused_isNotTakenForASwap() {
    // The model service still serves v1, its metadata reloaded with another trend window: its
    // refusal of the run's counts is FAILED_PRECONDITION too, but not of the pinned version.
    String refusal = "recent purchases were counted over PT336H but model version v1 uses a trend window of"
        + " PT168H; count them over PT168H";
    FakeModelService model = new FakeModelService(scorer(), "v1")
        .failingFromCall(1, Status.FAILED_PRECONDITION.withDescription(refusal));

    StatusRuntimeException failed = evaluationFailure(model);

    assertEquals(Status.Code.FAILED_PRECONDITION, failed.getStatus().getCode(), failed.getStatus().getDescription());
    assertEquals(refusal, failed.getStatus().getDescription());
  }

  /** How the faithfulness evaluation of u1 (record c, a, b; candidates t, x, y, z) over {@code model} fails. */
  private static StatusRuntimeException evaluationFailure(FakeModelService model) {
    FakeFeatureService feature = new FakeFeatureService(TITLES)
        .withUsers(Map.of("u1", List.of("c", "a", "b")), List.of("t", "x", "y", "z"));
    try (ExplainFixture fixture = new ExplainFixture(model, feature)) {
      FaithfulnessEvaluation evaluation = new FaithfulnessEvaluation(fixture.featureChannel, fixture.modelChannel,
          fixture.explainChannel, FaithfulnessEvaluation.Settings.defaults());
      return assertThrows(StatusRuntimeException.class, () -> evaluation.run(List.of("u1")));
    }
  }

  private static void assertAbortedAsSwapped(StatusRuntimeException failed) {
    assertEquals(Status.Code.ABORTED, failed.getStatus().getCode(), failed.getStatus().getDescription());
    assertEquals("the model changed during the evaluation: the model service stopped serving version v1, the"
        + " version it started with, so its figures would mix two models; run it again", failed.getStatus().getDescription());
  }

  private static ExplainRequest.Builder explainX() {
    return ExplainRequest.newBuilder()
        .addAllHistoryItemIds(List.of("c", "a", "b"))
        .addAllSlateItemIds(List.of("t", "x", "y", "z"))
        .addTargets(ExplainTarget.newBuilder().setItemId("x").addSources(RetrievalSource.RETRIEVAL_SOURCE_POPULAR));
  }

  private static void assertUnavailableToRetry(Executable call) {
    StatusRuntimeException failed = assertThrows(StatusRuntimeException.class, call);
    assertEquals(Status.Code.UNAVAILABLE, failed.getStatus().getCode(), failed.getStatus().getDescription());
    assertEquals(RETRY, failed.getStatus().getDescription());
  }
}
