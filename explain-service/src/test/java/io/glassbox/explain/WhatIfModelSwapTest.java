package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.glassbox.api.v1.UserRanking;
import io.glassbox.api.v1.WhatIfRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * WhatIf scores the change, then re-scores it with each change undone, pinned to the version that
 * scored it. A model swapped in between is the service's race, not the caller's pin.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WhatIfModelSwapTest {
  @Test
  void whatIf_modelSwappedBeforeTheUndoneScores_isUnavailableToRetry() {
    AdditiveScorer scorer = new AdditiveScorer().weight("a", "t", 3f).weight("b", "s", 2f);
    // The second Score call (the undone rows) finds another version active, as the model says it.
    // Two changes: with one, undoing it gives back the record, and no second call is made.
    FakeModelService model = new FakeModelService(scorer, "v1").failingFromCall(2, Status.FAILED_PRECONDITION
        .withDescription("model_version \"v1\" is not the active version; score again without model_version"));
    try (ExplainFixture fixture = new ExplainFixture(model,
        new FakeFeatureService(Map.of("a", "APRON", "b", "BAG", "t", "TEA SET", "s", "SAUCER", "c", "CUP")))) {
      UserRanking ranking = UserRanking.newBuilder().addRecordItemIds("a").addRecordItemIds("b").addRecordItemIds("c")
          .addCandidateItemIds("t").addCandidateItemIds("s").build();

      StatusRuntimeException failed = assertThrows(StatusRuntimeException.class, () -> fixture.stub.whatIf(
          WhatIfRequest.newBuilder().setRanking(ranking).addRemoveItemIds("a").addRemoveItemIds("b").build()));

      assertEquals(Status.Code.UNAVAILABLE, failed.getStatus().getCode());
      assertEquals("the model changed while answering; retry", failed.getStatus().getDescription());
      assertEquals(2, model.sent().size());
    }
  }
}
