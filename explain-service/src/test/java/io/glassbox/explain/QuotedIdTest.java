package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.glassbox.api.v1.ExplainItemRequest;
import io.glassbox.api.v1.ExplainRequest;
import io.glassbox.api.v1.ExplainTarget;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.UserRanking;
import io.glassbox.api.v1.WhatIfRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A message that quotes a caller's id names its field and quotes at most 64 characters of the id
 * with its length, as every service's messages do (server-kit's Descriptions.truncate). Ids may be
 * 128 characters, so the longest reach these messages; an emoji is one character.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QuotedIdTest {
  private static final String VERSION = "v1";

  /** The model knows a and x, and no id of 128 characters. */
  private static FakeModelService model() {
    return new FakeModelService(new AdditiveScorer().weight("a", "x", 1f), VERSION);
  }

  private static ExplainFixture fixture() {
    return new ExplainFixture(model(), new FakeFeatureService(Map.of("a", "APRON", "x", "MUG")));
  }

  private static UserRanking ranking() {
    return UserRanking.newBuilder().addRecordItemIds("a").addCandidateItemIds("x").build();
  }

  private static void assertStatus(Status.Code code, String description, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.toString());
    assertEquals(description, e.getStatus().getDescription());
  }

  @ParameterizedTest
  @ValueSource(strings = {"x", "\ud83d\ude00"})
  void idsOf128Characters_areQuotedCutTo64_namingTheField(String character) {
    String id = character.repeat(128);
    String quoted = "\"" + character.repeat(64) + "... (128 characters)\"";
    try (ExplainFixture fixture = fixture()) {
      assertStatus(Status.Code.INVALID_ARGUMENT, "targets[0].item_id " + quoted + " is not in slate_item_ids",
          () -> fixture.stub.explain(ExplainRequest.newBuilder().addHistoryItemIds("a").addSlateItemIds("x")
              .addTargets(ExplainTarget.newBuilder().setItemId(id)
                  .addSources(RetrievalSource.RETRIEVAL_SOURCE_POPULAR)).build()));
      assertStatus(Status.Code.NOT_FOUND, "item_id " + quoted + " is unknown to the model (version v1 was trained"
              + " without it): it has no model score to explain",
          () -> fixture.stub.explainItem(ExplainItemRequest.newBuilder().setRanking(ranking()).setItemId(id).build()));
      assertStatus(Status.Code.NOT_FOUND, "add_item_ids[1] " + quoted + " is unknown to the model",
          () -> fixture.stub.whatIf(WhatIfRequest.newBuilder().setRanking(ranking())
              .addAddItemIds("a").addAddItemIds(id).build()));
      assertStatus(Status.Code.INVALID_ARGUMENT, "remove_item_ids[1] " + quoted + " is not in ranking.record_item_ids",
          () -> fixture.stub.whatIf(WhatIfRequest.newBuilder().setRanking(ranking())
              .addRemoveItemIds("a").addRemoveItemIds(id).build()));
    }
  }
}
