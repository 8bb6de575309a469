package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.ExplainItemRequest;
import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.ExplainRequest;
import io.glassbox.api.v1.ExplainResponse;
import io.glassbox.api.v1.ExplainTarget;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.UserRanking;
import io.glassbox.api.v1.WhatIfItem;
import io.glassbox.api.v1.WhatIfRequest;
import io.glassbox.api.v1.WhatIfResponse;
import io.glassbox.api.v1.WhyNotRequest;
import io.glassbox.api.v1.WhyNotResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ExplainItem, WhyNot and WhatIf where two candidates tie in score at place k: they take the
 * top-k Recommend shows, which places the tied candidate the gateway sent first (its tie order:
 * better retrieval score, then retrieval order), not the one with the smaller id.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InteractiveTieOrderTest {
  private static final String VERSION = "v1";
  private static final List<String> RECORD = List.of("a", "b", "c");
  /** In the gateway's tie order: t before s, though "s" < "t". */
  private static final List<String> CANDIDATES = List.of("t", "s", "x", "z");
  private static final Map<String, String> TITLES = Map.of(
      "a", "APRON", "b", "BAG", "c", "CAKESTAND", "t", "TEA SET", "s", "SAUCER", "x", "MUG", "z", "BOWL");
  private static final ExplainTarget T_SOURCES = ExplainTarget.newBuilder().setItemId("t")
      .addSources(RetrievalSource.RETRIEVAL_SOURCE_POPULAR).setBestSeller(true).build();

  /*
   * t and s score alike under every record: a 3 + b 2 + c 1.5 = 6.5, tied at #1; x: a 3.5 (#3).
   * Searched beside the top 1 (Recommend's way), t is cited {b, c}: without them t and s 3 < x
   * 3.5. Searched alone, over the prefixes of its strongest helpers (a, then b, then c), nothing
   * moves it: without a, x falls as well.
   */
  private static AdditiveScorer scorer() {
    return new AdditiveScorer()
        .weight("a", "t", 3f).weight("b", "t", 2f).weight("c", "t", 1.5f)
        .weight("a", "s", 3f).weight("b", "s", 2f).weight("c", "s", 1.5f)
        .weight("a", "x", 3.5f)
        .know("z");
  }

  private static UserRanking ranking() {
    return UserRanking.newBuilder().addAllRecordItemIds(RECORD).addAllCandidateItemIds(CANDIDATES)
        .addCandidateSources(T_SOURCES).build();
  }

  private static ExplainFixture fixture() {
    return fixture(scorer());
  }

  private static ExplainFixture fixture(AdditiveScorer scorer) {
    return new ExplainFixture(new FakeModelService(scorer, VERSION), new FakeFeatureService(TITLES));
  }

  @Test
  void explainItem_itemRecommendShowsAtATiedPlace_isCitedWhatExplainCitesOnRecommendsSlate() {
    try (ExplainFixture fixture = fixture()) {
      // What Recommend asks: its top 1 (t) explained on its slate, best first.
      ExplainResponse recommended = fixture.stub.explain(ExplainRequest.newBuilder()
          .addAllHistoryItemIds(RECORD).addAllRecordItemIds(RECORD).addAllSlateItemIds(CANDIDATES)
          .addTargets(T_SOURCES).setTopK(1).build());

      ExplainItemResponse explained = fixture.stub.explainItem(ExplainItemRequest.newBuilder()
          .setRanking(ranking()).setItemId("t").setTopK(1).build());

      List<Reason> reasons = recommended.getExplanations(0).getReasonsList();
      assertEquals(List.of("b", "c"), reasons.get(0).getEvidenceItemIdsList());
      assertEquals(reasons, explained.getReasonsList());
    }
  }

  @Test
  void whyNot_tieAtPlaceK_namesTheTiedCandidateSentFirstAsTheKth() {
    try (ExplainFixture fixture = fixture()) {
      WhyNotResponse response = fixture.stub.whyNot(WhyNotRequest.newBuilder()
          .setRanking(ranking()).setItemId("x").setTopK(1).build());

      assertEquals(3, response.getRank());
      assertEquals("t", response.getKthItemId());
      assertEquals(3f, response.getScoreGap(), 1e-6);
    }
  }

  @Test
  void whyNot_itemTiedWithTheKthAndPlacedAfterIt_isOutsideTheTopK() {
    try (ExplainFixture fixture = fixture()) {
      WhyNotResponse response = fixture.stub.whyNot(WhyNotRequest.newBuilder()
          .setRanking(ranking()).setItemId("s").setTopK(1).build());

      // Recommend shows t alone; s, of the same score, comes second.
      assertEquals("t", response.getKthItemId());
      assertEquals(0f, response.getScoreGap(), 1e-6);
      assertFalse(response.getInTopK());
      assertEquals(2, response.getRank());
      assertTrue(response.getText().startsWith("It ranks #2 among 4 candidates, outside your top 1 new pick."),
          response.getText());
      // Every removal and addition moves t as it moves s: none brings s in, and nothing holds it back.
      assertEquals(List.of(), response.getHoldingBackList());
      assertFalse(response.hasSmallestChange(), response.getText());
      assertFalse(response.hasSmallestAddition(), response.getText());
    }
  }

  @Test
  void whyNot_removalThatLeavesItTiedWithTheKth_isNoWayIn() {
    // x 10 (from a alone) above t and s (6.5 each): s is third. Without a, x falls to 0 and t and s
    // tie at #1, t placed first: a holds s back (to 2nd), but no removal brings s into the top 1.
    AdditiveScorer scorer = new AdditiveScorer()
        .weight("a", "x", 10f)
        .weight("a", "t", 3f).weight("b", "t", 2f).weight("c", "t", 1.5f)
        .weight("a", "s", 3f).weight("b", "s", 2f).weight("c", "s", 1.5f)
        .know("z");
    try (ExplainFixture fixture = fixture(scorer)) {
      WhyNotResponse response = fixture.stub.whyNot(WhyNotRequest.newBuilder()
          .setRanking(ranking()).setItemId("s").setTopK(1).build());

      assertEquals(3, response.getRank());
      assertEquals(List.of("a"), response.getHoldingBackList().stream().map(e -> e.getItemId()).toList());
      assertEquals(2, response.getHoldingBack(0).getRankWithout());
      assertFalse(response.hasSmallestChange(), response.getText());
    }
  }

  @Test
  void explainItem_andWhatIf_placeATiedItemAfterTheOneSentFirst_asWhyNotDoes() {
    try (ExplainFixture fixture = fixture()) {
      ExplainItemResponse explained = fixture.stub.explainItem(ExplainItemRequest.newBuilder()
          .setRanking(ranking()).setItemId("s").setTopK(1).build());
      WhatIfResponse whatIf = fixture.stub.whatIf(WhatIfRequest.newBuilder()
          .setRanking(ranking()).addRemoveItemIds("c").setTopK(2).build());

      assertEquals(2, explained.getRank(), "outside the top 1 Recommend shows (t)");
      assertEquals(List.of("t", "s"), whatIf.getRankingList().stream().map(i -> i.getItem().getItemId()).toList());
      assertEquals(List.of(1, 2), whatIf.getRankingList().stream().map(WhatIfItem::getRankBefore).toList());
      assertEquals(List.of(1, 2), whatIf.getRankingList().stream().map(WhatIfItem::getRankAfter).toList());
    }
  }

  @Test
  void whatIf_tieAtPlaceK_ranksTheTiedCandidateSentFirstInTheTopK() {
    try (ExplainFixture fixture = fixture()) {
      // Without c, t and s still tie (5 each), above x (3.5).
      WhatIfResponse response = fixture.stub.whatIf(WhatIfRequest.newBuilder()
          .setRanking(ranking()).addRemoveItemIds("c").setTopK(1).build());

      assertEquals(List.of("t"), response.getRankingList().stream().map(i -> i.getItem().getItemId()).toList());
      assertEquals(List.<WhatIfItem>of(), response.getLeftTopKList());
    }
  }
}
