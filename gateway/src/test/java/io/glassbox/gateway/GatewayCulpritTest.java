package io.glassbox.gateway;

import static io.glassbox.gateway.TestCatalogue.KNOWN_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.RankingDegradedCause;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.glassbox.server.ApiKeys;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed call names the real culprit: when a service the gateway calls answered with a failure
 * of what it depends on (the explain service's model service, the feature service's store), the
 * caller reads that service's own words, not that the service the gateway called is down; only a
 * service that did not answer at all is called unavailable. A Recommend ranked by retrieval score
 * says why the model service did not rank.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayCulpritTest {
  private GatewayHarness harness;

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  private StatusRuntimeException whyNotFails() {
    return assertThrows(StatusRuntimeException.class, () -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS)
        .whyNot(UserWhyNotRequest.newBuilder().setUserId(KNOWN_USER).setItemId("c5").build()));
  }

  @Test
  void whyNot_modelServiceFailsBehindTheRealExplainService_namesTheModelService() {
    harness = new GatewayHarness().withRealExplainService().start();
    harness.model.behaviour = Behaviour.FAIL;

    StatusRuntimeException error = whyNotFails();

    // Before, "the explain service is unavailable (UNAVAILABLE)" of an explain service that answered.
    assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
    assertEquals("the explain service answered: model service is unavailable: model not loaded",
        error.getStatus().getDescription());
  }

  @Test
  void whyNot_explainServiceNotAnswering_saysTheExplainServiceIsUnavailable() throws IOException {
    harness = new GatewayHarness()
        .with(GatewayConfig.EXPLAIN_TARGET_KEY, "localhost:" + GatewayHarness.closedPort()).start();

    StatusRuntimeException error = whyNotFails();

    assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
    assertEquals("the explain service is unavailable (UNAVAILABLE)", error.getStatus().getDescription());
  }

  @Test
  void recommend_featureStoreLostItsData_passesOnTheFeatureServicesWords() {
    harness = new GatewayHarness().start();
    harness.feature.historyFailure = Status.UNAVAILABLE.withDescription(
        "the feature store lost its data (its backend restarted empty); nothing was read or stored; retry later");

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class, this::recommend);

    // Before, "the feature service is unavailable (UNAVAILABLE)" of a feature service that answered.
    assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
    assertEquals("the feature service answered: the feature store lost its data (its backend restarted empty);"
        + " nothing was read or stored; retry later", error.getStatus().getDescription());
  }

  @Test
  void recommend_featureServiceAnswersACodeARetryDoesNotMend_isInternal_withItsWords() {
    harness = new GatewayHarness().start();
    harness.feature.historyFailure = Status.UNIMPLEMENTED.withDescription("method GetUserHistory is not served here");

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class, this::recommend);

    // Before, UNAVAILABLE, which tells callers to retry at once, forever in vain.
    assertEquals(Status.Code.INTERNAL, error.getStatus().getCode());
    assertEquals("the feature service answered UNIMPLEMENTED: method GetUserHistory is not served here",
        error.getStatus().getDescription());
  }

  private RecommendResponse recommend() {
    return harness.client().withDeadlineAfter(20, TimeUnit.SECONDS)
        .recommend(RecommendRequest.newBuilder().setUserId(KNOWN_USER).build());
  }

  @Test
  void recommend_modelServiceDown_saysTheModelServiceIsUnavailable() {
    harness = new GatewayHarness().start();
    harness.model.behaviour = Behaviour.FAIL;

    RecommendResponse response = recommend();

    assertTrue(response.getRankingDegraded());
    assertEquals(RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE, response.getRankingDegradedCause());
  }

  @Test
  void recommend_modelServiceAtItsLimit_saysItWasBusy_notUnavailable() {
    harness = new GatewayHarness().start();
    harness.model.behaviour = Behaviour.FAIL;
    harness.model.failure = Status.RESOURCE_EXHAUSTED.withDescription("the server is at its limit of calls at once");

    RecommendResponse response = recommend();

    // Before, MODEL_UNAVAILABLE: a model service that is up but busy was called down.
    assertTrue(response.getRankingDegraded());
    assertEquals(RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_BUSY, response.getRankingDegradedCause());
  }

  @Test
  void recommend_modelServiceTooSlow_saysItDidNotAnswerInTime() {
    harness = new GatewayHarness().with(GatewayConfig.MODEL_TIMEOUT_KEY, "200ms").start();
    harness.model.behaviour = Behaviour.HANG;

    RecommendResponse response = recommend();

    assertTrue(response.getRankingDegraded());
    assertEquals(RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_TIMED_OUT, response.getRankingDegradedCause());
  }

  @Test
  void recommend_modelServiceRefusesTheGatewaysKey_saysItRefusedTheGatewaysCredentials(@TempDir Path dir)
      throws IOException {
    // The model service accepts one key, which the gateway (with no key of its own) does not send.
    Path keys = Files.writeString(dir.resolve("keys.txt"),
        "client " + ApiKeys.sha256Hex("not-the-gateways") + " other\n");
    harness = new GatewayHarness().withModelServiceKeys(keys).start();

    RecommendResponse response = recommend();

    // Before, every failure read as "the model could not rank in time".
    assertTrue(response.getRankingDegraded());
    assertEquals(RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_REFUSED_CREDENTIALS,
        response.getRankingDegradedCause());
  }

  @Test
  void whyTheModelDidNotRank_gatewayCouldNotSendItsKey_isNotTheModelServiceRefusingIt() {
    // What BearerKey fails a call with when its key cannot be read: no server saw the call.
    StatusRuntimeException keyNotSent =
        Status.UNAUTHENTICATED.withDescription("the API key cannot be sent").asRuntimeException();

    // Before, MODEL_REFUSED_CREDENTIALS, blaming a model service that never answered.
    assertEquals(RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE,
        DependencyFailures.whyTheModelDidNotRank(keyNotSent));
  }

  @Test
  void recommend_modelRanks_givesNoCause() {
    harness = new GatewayHarness().start();

    RecommendResponse response = recommend();

    assertFalse(response.getRankingDegraded());
    assertEquals(RankingDegradedCause.RANKING_DEGRADED_CAUSE_UNSPECIFIED, response.getRankingDegradedCause());
  }
}
