package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.glassbox.api.v1.ExplainItemRequest;
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
 * less as many of them as the newcomer candidates the model does not know fill, as Recommend
 * counts its model places beside its newcomers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NewcomerPlacesTest {
  private static final Map<String, String> TITLES = Map.of(
      "a", "APRON", "x", "MUG", "y", "JUG", "z", "CUP", "u", "NEW", "v", "NEWER");

  /** The model knows a, x, y and z; u and v are new items it was not trained on. */
  private final ExplainFixture fixture = new ExplainFixture(
      new FakeModelService(new AdditiveScorer().weight("a", "x", 3f).weight("a", "y", 2f).weight("a", "z", 1f), "v1"),
      new FakeFeatureService(TITLES, Map.of()));

  @AfterEach
  void close() {
    fixture.close();
  }

  /** The user bought a; candidates x, y, z and the new u and v; newcomers may be u, v and x. */
  private static UserRanking.Builder ranking(int newcomerPlaces) {
    return UserRanking.newBuilder().addRecordItemIds("a").addAllCandidateItemIds(List.of("x", "y", "z", "u", "v"))
        .setNewcomerPlaces(newcomerPlaces).addAllNewcomerCandidateIds(List.of("u", "x", "v"));
  }

  @Test
  void newcomerPlaces_takeOffOnlyThePlacesUnknownNewcomerCandidatesFill() {
    assertEquals(3, fixture.stub.explainItem(ExplainItemRequest.newBuilder()
        .setRanking(ranking(1)).setItemId("x").setTopK(4).build()).getTopK(), "u fills the one place");
    assertEquals(2, fixture.stub.whyNot(WhyNotRequest.newBuilder()
        .setRanking(ranking(3)).setItemId("z").setTopK(4).build()).getTopK(), "u and v fill two of three; x is known");
    assertEquals(8, fixture.stub.whatIf(WhatIfRequest.newBuilder()
        .setRanking(ranking(2)).addRemoveItemIds("a").build()).getTopK(), "10 less u's and v's places");
    assertEquals(4, fixture.stub.explainItem(ExplainItemRequest.newBuilder()
        .setRanking(ranking(0)).setItemId("x").setTopK(4).build()).getTopK(), "no newcomer places");
  }

  @Test
  void newcomerPlacesNotBelowTheTopK_orANewcomerNotACandidate_isInvalidArgument() {
    StatusRuntimeException tooMany = assertThrows(StatusRuntimeException.class, () -> fixture.stub.explainItem(
        ExplainItemRequest.newBuilder().setRanking(ranking(4)).setItemId("x").setTopK(4).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, tooMany.getStatus().getCode());
    assertEquals("ranking.newcomer_places must be 0..3 (less than the top-k 4), got 4",
        tooMany.getStatus().getDescription());
    StatusRuntimeException stranger = assertThrows(StatusRuntimeException.class, () -> fixture.stub.whyNot(
        WhyNotRequest.newBuilder().setRanking(ranking(1).addNewcomerCandidateIds("w")).setItemId("x").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, stranger.getStatus().getCode());
    assertEquals("ranking.newcomer_candidate_ids[3] \"w\" is not in ranking.candidate_item_ids",
        stranger.getStatus().getDescription());
  }
}
