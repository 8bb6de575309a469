package io.glassbox.gateway;

import static io.glassbox.gateway.TestCatalogue.coPurchase;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RecommendedItem;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ExplainItem (and WhyNot) with no limit, through the real explain service, counts the model
 * picks of a default Recommend answer, and when buy-again items and newcomers leave that answer
 * none, the model picks of the answer with no buy-again places (newcomers taking off there too),
 * and when newcomers take every place of that one too, the answer's limit.
 */
@Timeout(60)
class GatewayNewcomerTopKTest {
  private GatewayHarness harness;

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  /** A model that knows k1..k10 (k1 best) and the regular items, not the new items n1..n10. */
  private static FakeModelService modelOfTenNewcomers() {
    Map<String, Float> scores = new HashMap<>();
    knownItems().forEach(id -> scores.put(id, 20f - Integer.parseInt(id.substring(1))));
    return new FakeModelService(scores, newItems(10).collect(Collectors.toSet()));
  }

  private static Stream<String> knownItems() {
    return IntStream.rangeClosed(1, 10).mapToObj(i -> "k" + i);
  }

  private static Stream<String> newItems(int count) {
    return IntStream.rangeClosed(1, count).mapToObj(i -> "n" + i);
  }

  private static List<String> regularItems(int count) {
    return IntStream.rangeClosed(1, count).mapToObj(i -> "r" + i).toList();
  }

  /**
   * A user whose record is {@code regular} (each bought in several orders) with k1..k10 and the
   * first {@code newcomers} new items as candidates, all retrieved by co-purchase.
   */
  private void withUser(String userId, List<String> regular, int newcomers) {
    String last = regular.get(regular.size() - 1);
    List<Candidate> candidates = new ArrayList<>();
    knownItems().forEach(id -> candidates.add(coPurchase(id, 9, last)));
    newItems(newcomers).forEach(id -> candidates.add(coPurchase(id, 5, last)));
    harness.feature.withUser(userId, regular, candidates).withRegularItems(userId, regular)
        .withItems(Stream.of(regular.stream(), knownItems(), newItems(10))
            .flatMap(ids -> ids).map(TestCatalogue::item).toList());
  }

  /** The items of {@code userId}'s Recommend answer the model placed (neither buy-again nor newcomers). */
  private int modelPicks(String userId, RecommendRequest.Builder request) {
    RecommendResponse response = harness.client().withDeadlineAfter(20, TimeUnit.SECONDS)
        .recommend(request.setUserId(userId).build());
    assertEquals(10, response.getItemsCount());
    return (int) response.getItemsList().stream().map(RecommendedItem::getSourcesList)
        .filter(sources -> !sources.contains(RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN)
            && !sources.contains(RetrievalSource.RETRIEVAL_SOURCE_NEWCOMER))
        .count();
  }

  private int explainedTopK(String userId) {
    return harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).explainItem(
        UserExplainItemRequest.newBuilder().setUserId(userId).setItemId("k1").build()).getTopK();
  }

  private int whyNotTopK(String userId) {
    return harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).whyNot(
        UserWhyNotRequest.newBuilder().setUserId(userId).setItemId("k1").build()).getTopK();
  }

  @Test
  void explainItem_nineBuyAgainItemsAndANewcomer_countsTheAnswerWithNoBuyAgainPlaces() {
    harness = new GatewayHarness(modelOfTenNewcomers()).withRealExplainService();
    withUser("nine-regular", regularItems(9), 1);
    withUser("ten-regular", regularItems(10), 1);
    harness.start();

    assertEquals(0, modelPicks("nine-regular", RecommendRequest.newBuilder()), "9 buy-again, n1 last");
    assertEquals(9, modelPicks("nine-regular", RecommendRequest.newBuilder().setBuyAgainSlots(0)));
    assertEquals(9, explainedTopK("nine-regular"), "the model's picks beside n1 with no buy-again places");
    assertEquals(9, explainedTopK("ten-regular"), "as when buy-again alone takes every place");
    assertEquals(9, whyNotTopK("nine-regular"), "WhyNot counts the same answer");
  }

  @Test
  void explainItem_eightNewcomerSlotsBesideTwoBuyAgainItems_countsAsRecommend() {
    harness = new GatewayHarness(modelOfTenNewcomers()).withRealExplainService()
        .with(GatewayConfig.NEWCOMER_SLOTS_KEY, "8");
    withUser("eight-new", regularItems(2), 8);
    withUser("three-new", regularItems(2), 3);
    harness.start();

    assertEquals(0, modelPicks("eight-new", RecommendRequest.newBuilder()), "2 buy-again, 8 newcomers");
    assertEquals(2, modelPicks("eight-new", RecommendRequest.newBuilder().setBuyAgainSlots(0)));
    assertEquals(2, explainedTopK("eight-new"));
    assertEquals(5, modelPicks("three-new", RecommendRequest.newBuilder()), "2 buy-again, 5 picks, 3 newcomers");
    assertEquals(5, explainedTopK("three-new"));
  }

  @Test
  void explainItem_newcomersTakingEveryPlaceWithNoBuyAgainToo_countsTheModelsOwnTen() {
    harness = new GatewayHarness(modelOfTenNewcomers()).withRealExplainService()
        .with(GatewayConfig.NEWCOMER_SLOTS_KEY, "10");
    withUser("ten-new", regularItems(1), 10);
    harness.start();

    assertEquals(0, modelPicks("ten-new", RecommendRequest.newBuilder()), "1 buy-again, 9 newcomers");
    assertEquals(0, modelPicks("ten-new", RecommendRequest.newBuilder().setBuyAgainSlots(0)), "10 newcomers");
    assertEquals(10, modelPicks("ten-new", RecommendRequest.newBuilder().setBuyAgainSlots(0).setNewcomerSlots(0)));
    assertEquals(10, explainedTopK("ten-new"), "no answer but the model's own has a model pick");
  }
}
