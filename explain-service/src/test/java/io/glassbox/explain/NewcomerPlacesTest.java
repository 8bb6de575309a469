package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.glassbox.api.v1.ExplainItemRequest;
import io.glassbox.api.v1.ExplainTarget;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.UserRanking;
import io.glassbox.api.v1.WhatIfRequest;
import io.glassbox.api.v1.WhyNotRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The newcomer places of a ranking: the top-k of ExplainItem, WhyNot and WhatIf is the request's
 * less as many of them as the newcomers fill (candidates retrieved by co-purchase that the model
 * does not know), as Recommend counts its model places beside its newcomers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NewcomerPlacesTest {
  private static final Map<String, String> TITLES = Map.of(
      "a", "APRON", "x", "MUG", "y", "JUG", "z", "CUP", "u", "NEW", "v", "NEWER", "n", "NEWEST");

  /** The model knows a, x, y and z; u, v and n are new items it was not trained on. */
  private final ExplainFixture fixture = new ExplainFixture(
      new FakeModelService(new AdditiveScorer().weight("a", "x", 3f).weight("a", "y", 2f).weight("a", "z", 1f), "v1"),
      new FakeFeatureService(TITLES, Map.of()));

  @AfterEach
  void close() {
    fixture.close();
  }

  /**
   * The user bought a; candidates x, y, z and the new u, v and n (u sent twice); x, u and v were
   * retrieved by co-purchase, so u and v are newcomers. n, new but retrieved as popular, is not;
   * nor is w, sent co-purchase sources but no candidate.
   */
  private static UserRanking.Builder ranking(int newcomerPlaces) {
    UserRanking.Builder ranking = UserRanking.newBuilder().addRecordItemIds("a")
        .addAllCandidateItemIds(List.of("x", "y", "z", "u", "v", "n", "u")).setNewcomerPlaces(newcomerPlaces);
    for (String id : List.of("x", "u", "v", "w")) {
      ranking.addCandidateSources(ExplainTarget.newBuilder().setItemId(id)
          .addSources(RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE).addViaItemIds("a"));
    }
    for (String id : List.of("y", "n")) {
      ranking.addCandidateSources(ExplainTarget.newBuilder().setItemId(id)
          .addSources(RetrievalSource.RETRIEVAL_SOURCE_POPULAR));
    }
    return ranking;
  }

  @Test
  void newcomerPlaces_takeOffOnlyThePlacesUnknownCoPurchaseCandidatesFill() {
    assertEquals(3, fixture.stub.explainItem(ExplainItemRequest.newBuilder()
        .setRanking(ranking(1)).setItemId("x").setTopK(4).build()).getTopK(), "u fills the one place");
    assertEquals(2, fixture.stub.whyNot(WhyNotRequest.newBuilder()
        .setRanking(ranking(3)).setItemId("z").setTopK(4).build()).getTopK(), "u and v fill two of three; x is known, n popular");
    assertEquals(8, fixture.stub.whatIf(WhatIfRequest.newBuilder()
        .setRanking(ranking(2)).addRemoveItemIds("a").build()).getTopK(), "10 less u's and v's places");
    assertEquals(4, fixture.stub.explainItem(ExplainItemRequest.newBuilder()
        .setRanking(ranking(0)).setItemId("x").setTopK(4).build()).getTopK(), "no newcomer places");
  }

  @Test
  void newcomersFillingTheTopK_countTheTopKWhenTheyFillLessTheirPlaces() {
    assertEquals(8, fixture.stub.explainItem(ExplainItemRequest.newBuilder()
        .setRanking(ranking(2).setTopKWhenNewcomersFill(10)).setItemId("x").setTopK(2).build()).getTopK(),
        "u and v fill both places: 10 less theirs");
    assertEquals(7, fixture.stub.whyNot(WhyNotRequest.newBuilder()
        .setRanking(ranking(3).setTopKWhenNewcomersFill(9)).setItemId("z").setTopK(1).build()).getTopK(),
        "more newcomer places than the top-k: u and v take two of 9");
    assertEquals(2, fixture.stub.explainItem(ExplainItemRequest.newBuilder()
        .setRanking(ranking(1).setTopKWhenNewcomersFill(10)).setItemId("x").setTopK(3).build()).getTopK(),
        "a place left: the top-k less u's");
  }

  @Test
  void newcomerPlacesNotBelowTheTopKWhenNewcomersFill_isInvalidArgument() {
    StatusRuntimeException tooMany = assertThrows(StatusRuntimeException.class, () -> fixture.stub.explainItem(
        ExplainItemRequest.newBuilder().setRanking(ranking(5).setTopKWhenNewcomersFill(5)).setItemId("x")
            .setTopK(2).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, tooMany.getStatus().getCode());
    assertEquals("ranking.newcomer_places must be 0..4 (less than ranking.top_k_when_newcomers_fill 5), got 5",
        tooMany.getStatus().getDescription());
  }

  @Test
  void topKWhenNewcomersFillBelowTheTopK_isInvalidArgument() {
    // It stands for the same answer laid out with fewer places taken, so it is never the smaller:
    // 3 against a top-k of 10 would refuse 5 newcomer places that leave 5.
    StatusRuntimeException smaller = assertThrows(StatusRuntimeException.class, () -> fixture.stub.explainItem(
        ExplainItemRequest.newBuilder().setRanking(ranking(2).setTopKWhenNewcomersFill(3)).setItemId("x")
            .setTopK(10).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, smaller.getStatus().getCode());
    assertEquals("ranking.top_k_when_newcomers_fill must be 0 or the top-k 10..100, got 3",
        smaller.getStatus().getDescription());
  }

  @Test
  void newcomerPlacesNotBelowTheTopK_isInvalidArgument() {
    StatusRuntimeException tooMany = assertThrows(StatusRuntimeException.class, () -> fixture.stub.explainItem(
        ExplainItemRequest.newBuilder().setRanking(ranking(4)).setItemId("x").setTopK(4).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, tooMany.getStatus().getCode());
    assertEquals("ranking.newcomer_places must be 0..3 (less than the top-k 4), got 4",
        tooMany.getStatus().getDescription());
  }
}
