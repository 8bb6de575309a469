package io.glassbox.gateway;

import static io.glassbox.gateway.TestCatalogue.HISTORY;
import static io.glassbox.gateway.TestCatalogue.KNOWN_USER;
import static io.glassbox.gateway.TestCatalogue.popular;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.Duration;
import io.glassbox.api.v1.DefaultAnswer;
import io.glassbox.api.v1.ExplainItemRequest;
import io.glassbox.api.v1.ExplainTarget;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RetrieveCandidatesRequest;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.api.v1.UserRanking;
import io.glassbox.api.v1.UserWhatIfRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What the gateway's ExplainItem, WhyNot and WhatIf send the explain service, and their verdicts on the items. */
@Timeout(60)
class GatewayUserExplainerTest {
  private GatewayHarness harness;

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  void explainItem_sendsTheCandidatesInTheOrderRecommendBreaksTiesIn() {
    harness = new GatewayHarness();
    // Retrieved with a worse retrieval score first: Recommend places c3 (5) before c2 (2) when the
    // model scores them alike, and the explain service keeps the sent order among equal scores.
    harness.feature.withUser("u2", HISTORY, List.of(popular("c2", 2), popular("c3", 5), popular("c1", 9)));
    harness.start();

    harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).explainItem(
        UserExplainItemRequest.newBuilder().setUserId("u2").setItemId("c5").setLimit(1).build());

    UserRanking sent = harness.explain.itemRequests.get(0).getRanking();
    assertEquals(List.of("c1", "c3", "c2"), sent.getCandidateItemIdsList());
    assertEquals(List.of("c1", "c3", "c2"),
        sent.getCandidateSourcesList().stream().map(ExplainTarget::getItemId).toList());
  }

  @Test
  void explainItem_retrievesTheCandidatesRecommendRetrieves_newcomerPlacesIncluded() {
    // Recommend asks for its newcomer places, each of which takes the place of the weakest other
    // candidate: a ranking retrieved without them would rank candidates Recommend never saw.
    harness = new GatewayHarness().with(GatewayConfig.NEWCOMER_SLOTS_KEY, "2");
    harness.model.trendWindow = Duration.newBuilder().setSeconds(7 * 86_400).build();
    harness.start();

    harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).recommend(
        RecommendRequest.newBuilder().setUserId(KNOWN_USER).build());
    harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).explainItem(
        UserExplainItemRequest.newBuilder().setUserId(KNOWN_USER).setItemId("c5").build());

    List<RetrieveCandidatesRequest> sent = harness.feature.retrieveRequests;
    assertEquals(2, sent.size());
    assertEquals(2, sent.get(0).getNewItemCandidates(), "Recommend asks for its newcomer places");
    assertEquals(sent.get(0), sent.get(1));
  }

  @Test
  void explainItem_noLimit_sendsTheDefaultAnswersPlaces_andALimitIsSentAsTheTopK() {
    // u1 bought h1 and h2 in several orders: a default Recommend gives them its first two places.
    harness = new GatewayHarness().with(GatewayConfig.NEWCOMER_SLOTS_KEY, "3");
    harness.feature.withRegularItems(KNOWN_USER, List.of("h1", "h2"));
    harness.start();

    harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).explainItem(
        UserExplainItemRequest.newBuilder().setUserId(KNOWN_USER).setItemId("c5").build());
    harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).explainItem(
        UserExplainItemRequest.newBuilder().setUserId(KNOWN_USER).setItemId("c5").setLimit(4).build());

    ExplainItemRequest byDefault = harness.explain.itemRequests.get(0);
    assertEquals(DefaultAnswer.newBuilder().setLimit(10).setBuyAgainPlaces(2).setNewcomerPlaces(3).build(),
        byDefault.getRanking().getDefaultAnswer());
    assertEquals(0, byDefault.getTopK(), "the explain service counts the answer's model picks");
    ExplainItemRequest given = harness.explain.itemRequests.get(1);
    assertFalse(given.getRanking().hasDefaultAnswer());
    assertEquals(4, given.getTopK());
  }

  @Test
  void unknownOrUnboughtItems_areNamedByTheirField_andQuotedCutTo64Characters() {
    harness = new GatewayHarness();
    harness.start();
    String id = "\ud83d\ude00".repeat(128);
    String quoted = "\"" + "\ud83d\ude00".repeat(64) + "... (128 characters)\"";

    // An addition is named by its index, as a removal is.
    assertStatus(Status.Code.NOT_FOUND, "add_item_ids[1] " + quoted + " is not in the catalogue",
        () -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).whatIf(UserWhatIfRequest.newBuilder()
            .setUserId(KNOWN_USER).addAddItemIds("c1").addAddItemIds(id).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT,
        "remove_item_ids[0] " + quoted + " is not in the purchase record of user_id " + quoted,
        () -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).whatIf(UserWhatIfRequest.newBuilder()
            .setUserId(id).addRemoveItemIds(id).build()));
    assertStatus(Status.Code.NOT_FOUND, "item_id " + quoted + " is not in the catalogue",
        () -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).explainItem(
            UserExplainItemRequest.newBuilder().setUserId(KNOWN_USER).setItemId(id).build()));
    assertStatus(Status.Code.NOT_FOUND, "item_id " + quoted + " is not in the catalogue",
        () -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).whyNot(
            UserWhyNotRequest.newBuilder().setUserId(KNOWN_USER).setItemId(id).build()));
  }

  /**
   * A user id pasted with a no-break or zero-width space at an end would be answered as a new
   * shopper: each question refuses it, naming the character.
   */
  @ParameterizedTest
  @MethodSource("io.glassbox.gateway.GatewayRecommendTest#userIdsWithAnInvisibleCharacterAtAnEnd")
  void questions_userIdWithAnInvisibleCharacterAtAnEnd_areInvalidArgumentNamingIt(String userId, String character) {
    harness = new GatewayHarness();
    harness.start();
    String description = "user_id must not begin or end with a space or an invisible character, got \""
        + userId + "\" " + character;

    assertStatus(Status.Code.INVALID_ARGUMENT, description,
        () -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).explainItem(
            UserExplainItemRequest.newBuilder().setUserId(userId).setItemId("c5").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, description,
        () -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).whyNot(
            UserWhyNotRequest.newBuilder().setUserId(userId).setItemId("c5").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, description,
        () -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).whatIf(
            UserWhatIfRequest.newBuilder().setUserId(userId).addAddItemIds("c5").build()));
    assertEquals(List.of(), harness.feature.historyRequests);
  }

  private static void assertStatus(Status.Code code, String description, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    assertEquals(description, e.getStatus().getDescription());
  }
}
