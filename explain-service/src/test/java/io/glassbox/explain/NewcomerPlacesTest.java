package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.UnknownFieldSet;
import io.glassbox.api.v1.DefaultAnswer;
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
 * A ranking sent as a default Recommend answer (UserRanking.default_answer): the top-k of
 * ExplainItem, WhyNot and WhatIf is its model picks, its places less its buy-again ones less as
 * many of its newcomer places as newcomers fill (candidates retrieved by co-purchase that the
 * model does not know), as Recommend counts them.
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
  private static UserRanking.Builder ranking() {
    UserRanking.Builder ranking = UserRanking.newBuilder().addRecordItemIds("a")
        .addAllCandidateItemIds(List.of("x", "y", "z", "u", "v", "n", "u"));
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

  /** {@link #ranking()} as a default answer of {@code limit} places, buy-again and newcomer places as given. */
  private static UserRanking.Builder answer(int limit, int buyAgainPlaces, int newcomerPlaces) {
    return ranking().setDefaultAnswer(DefaultAnswer.newBuilder().setLimit(limit)
        .setBuyAgainPlaces(buyAgainPlaces).setNewcomerPlaces(newcomerPlaces));
  }

  /** The top-k an ExplainItem of "x" against {@code ranking} counts. */
  private int explainItemTopK(UserRanking.Builder ranking) {
    return fixture.stub.explainItem(ExplainItemRequest.newBuilder().setRanking(ranking).setItemId("x").build()).getTopK();
  }

  @Test
  void newcomerPlaces_takeOffOnlyThePlacesUnknownCoPurchaseCandidatesFill() {
    assertEquals(3, explainItemTopK(answer(4, 0, 1)), "u fills the one place");
    assertEquals(2, fixture.stub.whyNot(WhyNotRequest.newBuilder()
        .setRanking(answer(4, 0, 3)).setItemId("z").build()).getTopK(), "u and v fill two of three; x is known, n popular");
    assertEquals(8, fixture.stub.whatIf(WhatIfRequest.newBuilder()
        .setRanking(answer(0, 0, 2)).addRemoveItemIds("a").build()).getTopK(), "10 (limit 0) less u's and v's places");
    assertEquals(4, fixture.stub.explainItem(ExplainItemRequest.newBuilder()
        .setRanking(ranking()).setItemId("x").setTopK(4).build()).getTopK(), "no default answer: the request's");
  }

  @Test
  void buyAgainPlaces_areTakenOffBeforeTheNewcomers() {
    assertEquals(2, explainItemTopK(answer(10, 7, 1)), "3 places left, u takes one");
  }

  @Test
  void buyAgainAndNewcomersTakingEveryPlace_countTheAnswerWithNoBuyAgainPlaces() {
    assertEquals(8, explainItemTopK(answer(10, 8, 2)), "u and v fill both places: 10 less theirs");
    assertEquals(7, fixture.stub.whyNot(WhyNotRequest.newBuilder()
        .setRanking(answer(9, 8, 3)).setItemId("z").build()).getTopK(),
        "more newcomer places than places left: u and v take two of 9");
  }

  @Test
  void newcomersTakingEveryPlaceWithNoBuyAgainToo_countTheWholeAnswer() {
    assertEquals(2, explainItemTopK(answer(2, 0, 2)),
        "u and v take both places: no model pick with or without buy-again, so the model's own 2");
    assertEquals(2, fixture.stub.whatIf(WhatIfRequest.newBuilder()
        .setRanking(answer(2, 1, 5)).addRemoveItemIds("a").build()).getTopK(),
        "u takes the place buy-again left, u and v both places with no buy-again: the model's own 2");
  }

  @Test
  void topKBesideADefaultAnswer_isInvalidArgument() {
    assertInvalid("top_k must be 0 when ranking.default_answer is set (the top-k is then its model picks), got 4",
        ExplainItemRequest.newBuilder().setRanking(answer(10, 0, 1)).setItemId("x").setTopK(4));
  }

  /** An older gateway's fields 7 and 9, reserved now, as this service parses them: unknown fields. */
  @Test
  void removedFieldsOfAnOlderCaller_areInvalidArgumentNamingDefaultAnswer() {
    assertInvalid("ranking.newcomer_places (field 7) was removed: send ranking.default_answer",
        ExplainItemRequest.newBuilder().setRanking(ranking().setUnknownFields(unknownVarint(7, 1))).setItemId("x"));
    assertInvalid("ranking.top_k_when_newcomers_fill (field 9) was removed: send ranking.default_answer",
        ExplainItemRequest.newBuilder().setRanking(ranking().setUnknownFields(unknownVarint(9, 10))).setItemId("x"));
  }

  private static UnknownFieldSet unknownVarint(int number, long value) {
    return UnknownFieldSet.newBuilder()
        .addField(number, UnknownFieldSet.Field.newBuilder().addVarint(value).build()).build();
  }

  @Test
  void defaultAnswerOutOfRecommendsRanges_isInvalidArgumentNamingTheField() {
    assertInvalid("ranking.default_answer.limit must be 1..50 (or 0 for the default 10), got 51",
        ExplainItemRequest.newBuilder().setRanking(answer(51, 0, 0)).setItemId("x"));
    assertInvalid("ranking.default_answer.limit must be 1..50 (or 0 for the default 10), got -1",
        ExplainItemRequest.newBuilder().setRanking(answer(-1, 0, 0)).setItemId("x"));
    assertInvalid("ranking.default_answer.buy_again_places must be 0..4 (at most ranking.default_answer.limit), got 5",
        ExplainItemRequest.newBuilder().setRanking(answer(4, 5, 0)).setItemId("x"));
    assertInvalid("ranking.default_answer.buy_again_places must be 0..10 (at most ranking.default_answer.limit), got -1",
        ExplainItemRequest.newBuilder().setRanking(answer(0, -1, 0)).setItemId("x"));
    assertInvalid("ranking.default_answer.newcomer_places must be 0..50, got 51",
        ExplainItemRequest.newBuilder().setRanking(answer(10, 0, 51)).setItemId("x"));
    assertInvalid("ranking.default_answer.newcomer_places must be 0..50, got -1",
        ExplainItemRequest.newBuilder().setRanking(answer(10, 0, -1)).setItemId("x"));
  }

  @Test
  void defaultAnswerLimitsAtTheirBounds_areAccepted() {
    assertEquals(10, explainItemTopK(answer(10, 10, 0)), "buy-again takes all 10: the model's own 10");
    assertEquals(48, explainItemTopK(answer(50, 0, 50)), "u and v take two of 50");
  }

  private void assertInvalid(String description, ExplainItemRequest.Builder request) {
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub.explainItem(request.build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
    assertEquals(description, refused.getStatus().getDescription());
  }
}
