package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.glassbox.api.v1.ExplainItemRequest;
import io.glassbox.api.v1.UserRanking;
import io.glassbox.api.v1.WhyNotRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ExplainItem and WhyNot of an item the model does not know: the answer says whether the model
 * knows none of the user's other candidates either (a shop's own data served before a model is
 * trained on it), and says no more than that the item is unknown when it knows some, when there
 * are none, or when the second look fails.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnknownItemTest {
  private static final String VERSION = "v1";
  private static final Map<String, String> TITLES = Map.of(
      "a", "APRON", "x", "MUG", "u", "NEW", "v", "NEWER", "w", "NEWEST");
  private static final String TRAINED_WITHOUT_IT =
      "item_id \"u\" is unknown to the model (version v1 was trained without it): it has no model score to explain";

  /** The model knows a and x; u, v and w are the shop's own new items. */
  private static FakeModelService model() {
    return new FakeModelService(new AdditiveScorer().weight("a", "x", 1f), VERSION);
  }

  private static UserRanking ranking(String... candidates) {
    return UserRanking.newBuilder().addRecordItemIds("a").addAllCandidateItemIds(List.of(candidates)).build();
  }

  private static StatusRuntimeException explainItem(FakeModelService model, UserRanking ranking) {
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES, Map.of()))) {
      return assertThrows(StatusRuntimeException.class, () -> fixture.stub.explainItem(
          ExplainItemRequest.newBuilder().setRanking(ranking).setItemId("u").build()));
    }
  }

  private static void assertNotFound(String description, StatusRuntimeException e) {
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), e.toString());
    assertEquals(description, e.getStatus().getDescription());
  }

  @Test
  void modelKnowsNoneOfTheOtherCandidates_saysSo_andNamesTrain() {
    String knowsNone = "item_id \"u\" is unknown to the model, and the model (version v1) knows none of the 2"
        + " other candidates (it was not trained on them: another shop's data, or items imported since?); a model"
        + " trained on this data (bin/glassbox train) ranks them";
    assertNotFound(knowsNone, explainItem(model(), ranking("v", "w")));
    assertNotFound(knowsNone, explainItem(model(), ranking("u", "v", "w")));
    try (ExplainFixture fixture = new ExplainFixture(model(), new FakeFeatureService(TITLES, Map.of()))) {
      assertNotFound(knowsNone, assertThrows(StatusRuntimeException.class, () -> fixture.stub.whyNot(
          WhyNotRequest.newBuilder().setRanking(ranking("v", "w")).setItemId("u").build())));
    }
    assertNotFound("item_id \"u\" is unknown to the model, and the model (version v1) does not know the 1 other"
        + " candidate (it was not trained on it: another shop's data, or an item imported since?); a model trained"
        + " on this data (bin/glassbox train) ranks it", explainItem(model(), ranking("u", "v")));
  }

  @Test
  void modelKnowsAnotherCandidate_orThereIsNone_saysOnlyThatTheItemIsUnknown() {
    assertNotFound(TRAINED_WITHOUT_IT, explainItem(model(), ranking("x", "v")));
    // The asked item is the only candidate (the gateway sends it alone for a user with none).
    assertNotFound(TRAINED_WITHOUT_IT, explainItem(model(), ranking("u")));
  }

  @Test
  void secondLookFailing_saysOnlyThatTheItemIsUnknown() {
    FakeModelService busy = model().failingFromCall(2, Status.RESOURCE_EXHAUSTED.withDescription("queue full"));

    assertNotFound(TRAINED_WITHOUT_IT, explainItem(busy, ranking("v", "w")));
  }
}
