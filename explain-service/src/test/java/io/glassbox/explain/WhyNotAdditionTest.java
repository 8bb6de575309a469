package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.AdditionSource;
import io.glassbox.api.v1.AdditionTrial;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.UserRanking;
import io.glassbox.api.v1.WhyNotRequest;
import io.glassbox.api.v1.WhyNotResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * WhyNot's addition search on a transparent additive model, where every rank after an addition
 * can be worked out by hand, with and without the model window trimming the record.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WhyNotAdditionTest {
  private static final String VERSION = "v1";
  private static final List<String> RECORD = List.of("c", "a", "b");
  private static final List<String> CANDIDATES = List.of("t", "x", "y", "z");
  private static final Map<String, String> TITLES = Map.ofEntries(
      Map.entry("t", "TEA SET"), Map.entry("x", "MUG"), Map.entry("y", "PLATE"), Map.entry("z", "BOWL"),
      Map.entry("a", "APRON"), Map.entry("b", "BAG"), Map.entry("c", "CAKESTAND"), Map.entry("n1", "TEA COSY"),
      Map.entry("n2", "SUGAR BOWL"), Map.entry("u", "NOT IN THE MODEL"), Map.entry("s1", "TEA TOWEL"));
  /** t's co-purchase neighbours, strongest first; u is unknown to the model. */
  private static final Map<String, List<String>> NEIGHBOURS = Map.of("t", List.of("n1", "u", "n2", "x", "t"));

  /*
   * Record c, a, b: x 2 (from a), y 1 (from b), t 0.2 (from c), z 0. Window of 3: t is #3 of 4.
   * Added purchases raise t: n1 by 1.5, n2 by 1, x by 0.6.
   */
  private static AdditiveScorer scorer() {
    return new AdditiveScorer()
        .weight("a", "x", 2f).weight("b", "y", 1f).weight("c", "t", 0.2f)
        .weight("n1", "t", 1.5f).weight("n2", "t", 1f).weight("x", "t", 0.6f)
        .know("z");
  }

  private static WhyNotRequest.Builder request() {
    return WhyNotRequest.newBuilder()
        .setRanking(UserRanking.newBuilder().addAllRecordItemIds(RECORD).addAllCandidateItemIds(CANDIDATES))
        .setItemId("t").setTopK(1);
  }

  @Test
  void whyNot_noSingleAdditionSuffices_returnsTheBestPairStrongerLastAndEverySingleTried() {
    // Window 3: one added purchase pushes a out but c stays; t with n1 is 1.5 + 0 (c slid out)
    // = 1.5 < x 2. A pair pushes a out: x drops to 0, and n2 + n1 lift t to 2.5 > y 1.
    FakeModelService model = new FakeModelService(scorer(), VERSION, 3);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES, NEIGHBOURS))) {
      WhyNotResponse response = fixture.stub.whyNot(request().build());

      assertEquals(3, response.getRank());
      assertFalse(response.getInTopK());
      assertEquals(List.of("n2", "n1"), response.getSmallestAddition().getAddItemIdsList());
      assertEquals(1, response.getSmallestAddition().getRankAfter());
      assertEquals(2.5f, response.getSmallestAddition().getScoreAfter(), 1e-6);
      // Singles: n1, n2, x (neighbours, u unknown to the model) and c (its window purchase that
      // lifts it); then the 6 pairs of those 4.
      assertEquals(4 + 6, response.getAdditionsTried());
      assertEquals(List.of("n1", "n2", "x", "c"),
          response.getSingleAdditionsList().stream().map(AdditionTrial::getItemId).toList());
      assertEquals(List.of(2, 2, 2, 3),
          response.getSingleAdditionsList().stream().map(AdditionTrial::getRankAfter).toList());
      AdditionTrial x = response.getSingleAdditions(2);
      assertEquals(0.6f, x.getScoreAfter(), 1e-6);
      assertEquals(AdditionSource.ADDITION_SOURCE_CO_PURCHASE, x.getSource());
      assertEquals("MUG", x.getTitle());
      assertEquals(AdditionSource.ADDITION_SOURCE_HISTORY, response.getSingleAdditions(3).getSource());
      assertTrue(response.getText().endsWith(" Buying SUGAR BOWL and TEA COSY would bring it into your top 1 new pick, at #1."),
          response.getText());
      // Every Score call is pinned to the version of the first one.
      for (ScoreRequest scored : model.requests().subList(1, model.requests().size())) {
        assertEquals(VERSION, scored.getModelVersion());
      }
    }
  }

  @Test
  void whyNot_windowTrimmedByTheAddition_findsTheSingleAdditionServingWouldRank() {
    // Window 2: the baseline reads a, b (c is outside, so nothing of the window lifts t). Adding
    // n1 pushes a out: x drops to 0 and t (1.5) passes y (1).
    FakeModelService model = new FakeModelService(scorer(), VERSION, 2);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES, NEIGHBOURS))) {
      WhyNotResponse response = fixture.stub.whyNot(request().setLocale("zh-CN").build());

      assertEquals(3, response.getRank());
      assertEquals(List.of("n1"), response.getSmallestAddition().getAddItemIdsList());
      assertEquals(1, response.getSmallestAddition().getRankAfter());
      assertEquals(3, response.getAdditionsTried(), "singles only: n1, n2, x");
      assertTrue(response.getText().endsWith("如果再购买「TEA COSY」，它会进入您的前 1 个新推荐，排第 1 位。"), response.getText());
    }
  }

  @Test
  void whyNot_itemsWithSimilarTitlesJoinThePool_afterTheNeighbours() {
    // Window 2 as above; s1, whose title the model's title term finds alike t's, lifts t by 1.8:
    // bought, it beats n1 (1.5) to the top. n1 is both a neighbour and a similar title.
    FakeModelService model = new FakeModelService(scorer().weight("s1", "t", 1.8f), VERSION, 2)
        .withSimilarTitles(Map.of("t", List.of("n1", "s1", "t")));
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES, NEIGHBOURS))) {
      WhyNotResponse response = fixture.stub.whyNot(request().build());

      assertEquals(List.of("s1"), response.getSmallestAddition().getAddItemIdsList());
      assertEquals(1.8f, response.getSmallestAddition().getScoreAfter(), 1e-6);
      assertEquals(4, response.getAdditionsTried(), "n1, n2, x, then s1");
      assertEquals(List.of("s1", "n1", "n2", "x"),
          response.getSingleAdditionsList().stream().map(AdditionTrial::getItemId).toList());
      assertEquals(List.of(AdditionSource.ADDITION_SOURCE_SIMILAR_TITLE, AdditionSource.ADDITION_SOURCE_CO_PURCHASE),
          response.getSingleAdditionsList().subList(0, 2).stream().map(AdditionTrial::getSource).toList());
      assertTrue(response.getText().endsWith(" Buying TEA TOWEL would bring it into your top 1 new pick, at #1."),
          response.getText());
    }
  }

  @Test
  void whyNot_noAdditionFound_saysWhatWasTriedBySourceAndThePairsApart() {
    // Window 3. Each added purchase lifts t by at most 0.4: alone, t (<= 0.4) stays below x 2 and
    // y 1; two push a out (x 0), but t (<= 0.7) stays below y. u is unknown: not tried.
    AdditiveScorer scorer = new AdditiveScorer()
        .weight("a", "x", 2f).weight("b", "y", 1f).weight("c", "t", 0.2f)
        .weight("n1", "t", 0.3f).weight("n2", "t", 0.2f).weight("x", "t", 0.1f).weight("s1", "t", 0.4f)
        .know("z");
    FakeModelService model = new FakeModelService(scorer, VERSION, 3)
        .withSimilarTitles(Map.of("t", List.of("s1")));
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES, NEIGHBOURS))) {
      WhyNotResponse response = fixture.stub.whyNot(request().build());
      WhyNotResponse zh = fixture.stub.whyNot(request().setLocale("zh-CN").build());

      assertFalse(response.hasSmallestAddition());
      assertEquals(5 + 10, response.getAdditionsTried(), "n1, n2, x, s1 and c; the 10 pairs of those 5");
      assertTrue(response.getText().endsWith(" None of the 5 purchases tried (3 items bought together with it, 1 item "
          + "with a similar title and 1 of your purchases that lifts it), nor any two of the best 5 together, would "
          + "bring it into your top 1 new pick."), response.getText());
      assertTrue(zh.getText().endsWith("试过的 5 种购买（3 件和它一起被买过的商品、1 件标题相近的商品和 1 件提升它的您买过的商品），"
          + "以及其中最好的 5 种中任意两种一起买，都无法让它进入您的前 1 个新推荐。"), zh.getText());
    }
  }

  @Test
  void whyNot_nothingToTryOrOneAdditionAllowed_saysHowManyWereTried() {
    FakeModelService model = new FakeModelService(scorer(), VERSION, 3);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES, NEIGHBOURS))) {
      WhyNotResponse singlesOnly = fixture.stub.whyNot(request().setMaxAdditions(1).build());

      assertFalse(singlesOnly.hasSmallestAddition());
      assertEquals(4, singlesOnly.getAdditionsTried());
      assertTrue(singlesOnly.getText().contains("None of the 4 purchases tried"), singlesOnly.getText());
    }
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      WhyNotResponse noNeighbours = fixture.stub.whyNot(request().setMaxAdditions(1).build());

      assertEquals(1, noNeighbours.getAdditionsTried(), "only c, the window purchase that lifts t");
      assertEquals(AdditionSource.ADDITION_SOURCE_HISTORY, noNeighbours.getSingleAdditions(0).getSource());
    }
  }

  @Test
  void whyNot_itemInTheTopK_triesNoAddition() {
    FakeModelService model = new FakeModelService(scorer(), VERSION, 3);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES, NEIGHBOURS))) {
      WhyNotResponse response = fixture.stub.whyNot(request().setItemId("x").build());

      assertTrue(response.getInTopK());
      assertFalse(response.hasSmallestAddition());
      assertEquals(0, response.getAdditionsTried());
      assertEquals(0, response.getSingleAdditionsCount());
    }
  }

  /**
   * The fake sends t's neighbours with 5, 4, 3, 2 and 1 shared baskets: with a minimum of 3, x
   * (bought with t in 2) is not tried as "bought with it", so the answer never tells the shopper
   * that two orders held both.
   */
  @Test
  void whyNot_neighbourFromFewerBasketsThanTheMinimum_isNotTriedAsOne() {
    FakeModelService model = new FakeModelService(scorer(), VERSION, 3);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES, NEIGHBOURS))) {
      WhyNotResponse every = fixture.stub.whyNot(request().build());
      WhyNotResponse cited = fixture.stub.whyNot(request().setMinCitedOrders(3).build());

      assertEquals(List.of("n1", "n2", "x"), coPurchaseSingles(every));
      assertEquals(List.of("n1", "n2"), coPurchaseSingles(cited));
      assertEquals(List.of("n1", "n2", "c"),
          cited.getSingleAdditionsList().stream().map(AdditionTrial::getItemId).toList());
      assertEquals(every, fixture.stub.whyNot(request().setMinCitedOrders(1).build()), "1: every neighbour, as 0");
    }
  }

  /**
   * The answer says which minimum its co-purchase additions meet, so that the gateway need not
   * check them (an explain service older than min_cited_orders leaves it 0): the request's, 1 for
   * its 0, and also for an item already in the top-k, where nothing was tried.
   */
  @Test
  void whyNot_saysTheMinimumOfSharedBasketsItApplied() {
    FakeModelService model = new FakeModelService(scorer(), VERSION, 3);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES, NEIGHBOURS))) {
      assertEquals(3, fixture.stub.whyNot(request().setMinCitedOrders(3).build()).getAppliedMinCitedOrders());
      assertEquals(1, fixture.stub.whyNot(request().build()).getAppliedMinCitedOrders(), "0 means 1");
      WhyNotResponse inTopK = fixture.stub.whyNot(request().setItemId("x").setMinCitedOrders(4).build());
      assertTrue(inTopK.getInTopK());
      assertEquals(4, inTopK.getAppliedMinCitedOrders());
    }
  }

  private static List<String> coPurchaseSingles(WhyNotResponse response) {
    return response.getSingleAdditionsList().stream()
        .filter(t -> t.getSource() == AdditionSource.ADDITION_SOURCE_CO_PURCHASE).map(AdditionTrial::getItemId).toList();
  }

  @Test
  void whyNot_maxAdditionsOrMinCitedOrdersOutOfRange_isInvalidArgument() {
    FakeModelService model = new FakeModelService(scorer(), VERSION, 3);
    Map<String, List<WhyNotRequest>> bad = Map.of(
        "max_additions", List.of(request().setMaxAdditions(-1).build(), request().setMaxAdditions(3).build()),
        "min_cited_orders", List.of(request().setMinCitedOrders(-1).build(), request().setMinCitedOrders(1001).build()));
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES, NEIGHBOURS))) {
      bad.forEach((field, requests) -> requests.forEach(request -> {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> fixture.stub.whyNot(request));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains(field), e.getStatus().getDescription());
      }));
    }
  }
}
