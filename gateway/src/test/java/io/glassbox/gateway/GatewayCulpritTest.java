package io.glassbox.gateway;

import static io.glassbox.gateway.TestCatalogue.KNOWN_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A failed call names the real culprit: when a service the gateway calls answered with a failure
 * of what it depends on (the explain service's model service, the feature service's store), the
 * caller reads that service's own words, not that the service the gateway called is down; only a
 * service that did not answer at all is called unavailable.
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
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    harness = new GatewayHarness().with(GatewayConfig.EXPLAIN_TARGET_KEY, "localhost:" + closedPort).start();

    StatusRuntimeException error = whyNotFails();

    assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
    assertEquals("the explain service is unavailable (UNAVAILABLE)", error.getStatus().getDescription());
  }

  @Test
  void recommend_featureStoreLostItsData_passesOnTheFeatureServicesWords() {
    harness = new GatewayHarness().start();
    harness.feature.historyFailure = Status.UNAVAILABLE.withDescription(
        "the feature store lost its data (its backend restarted empty); nothing was read or stored; retry later");

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () -> harness.client()
        .withDeadlineAfter(20, TimeUnit.SECONDS).recommend(RecommendRequest.newBuilder().setUserId(KNOWN_USER).build()));

    // Before, "the feature service is unavailable (UNAVAILABLE)" of a feature service that answered.
    assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
    assertEquals("the feature service answered: the feature store lost its data (its backend restarted empty);"
        + " nothing was read or stored; retry later", error.getStatus().getDescription());
  }
}
