package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.ExplainRequest;
import io.glassbox.api.v1.ExplainResponse;
import io.glassbox.api.v1.ExplainTarget;
import io.glassbox.api.v1.ItemExplanation;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreResponse;
import io.glassbox.api.v1.ScoreRow;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExplainServiceTest {
  private static final String VERSION = "v1";
  private static final List<String> HISTORY = List.of("a", "b", "c", "d");
  /** u is unknown to the model. */
  private static final List<String> SLATE = List.of("t", "x", "y", "z", "u");
  private static final Map<String, String> TITLES = Map.of(
      "a", "WHITE HANGING HEART T-LIGHT HOLDER",
      "b", "JUMBO BAG RED RETROSPOT",
      "c", "REGENCY CAKESTAND 3 TIER",
      "d", "PARTY BUNTING");

  /*
   * Full history: t 5.5 (#1), x 4 (#2), y 1 (#3), z 0 (#4).
   * Without a: t 2.5 (#2); without b: t 3.5 (#2); without c: t 5 (still #1);
   * without {a, b}: t 0.5 (#3). Without d: x 0 and y 0, tied with z: x stays #2, y rises to #2.
   */
  private static AdditiveScorer scorer() {
    return new AdditiveScorer()
        .weight("a", "t", 3f).weight("b", "t", 2f).weight("c", "t", 0.5f)
        .weight("d", "x", 4f).weight("d", "y", 1f)
        .know("z");
  }

  private static ExplainTarget target(String itemId, RetrievalSource... sources) {
    return ExplainTarget.newBuilder().setItemId(itemId).addAllSources(List.of(sources)).build();
  }

  /** A target retrieved as popular that the feature service calls a best seller. */
  private static ExplainTarget bestSeller(String itemId) {
    return target(itemId, RetrievalSource.RETRIEVAL_SOURCE_POPULAR).toBuilder().setBestSeller(true).build();
  }

  private static ExplainRequest.Builder request(ExplainTarget... targets) {
    return ExplainRequest.newBuilder()
        .addAllHistoryItemIds(HISTORY)
        .addAllSlateItemIds(SLATE)
        .addAllTargets(List.of(targets));
  }

  @Test
  void explain_strongestItemNecessary_citesItAloneWithExactRanksNecessityAndSufficiency() {
    FakeModelService model = new FakeModelService(scorer(), VERSION);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      ExplainRequest request = request(bestSeller("t")).build();

      ExplainResponse response = fixture.stub.explain(request);

      Reason reason = response.getExplanations(0).getReasons(0);
      assertAll(
          () -> assertEquals(1, response.getExplanations(0).getReasonsCount()),
          () -> assertEquals(ReasonKind.REASON_KIND_HISTORY, reason.getKind()),
          // Without a, t falls from #1 to #2: out of the top 1 (k = number of targets).
          () -> assertEquals(List.of("a"), reason.getEvidenceItemIdsList()),
          () -> assertEquals(List.of(TITLES.get("a")), reason.getEvidenceTitlesList()),
          () -> assertEquals(1, reason.getRank()),
          () -> assertEquals(2, reason.getRankWithoutEvidence()),
          () -> assertEquals(3.0f, reason.getScoreDrop(), 1e-6),
          () -> assertEquals(1, reason.getTopK()),
          () -> assertTrue(reason.getNecessary()),
          // a alone: t 3, x 0, y 0, z 0.
          () -> assertEquals(1, reason.getRankWithEvidenceOnly()),
          () -> assertTrue(reason.getSufficient()),
          () -> assertEquals(4, reason.getRankedCandidateCount(), "u is unknown to the model"),
          () -> assertEquals(4, response.getRankedCandidateCount()),
          () -> assertEquals("en-US", reason.getLocale()),
          // Without b alone t (3.5) falls below x (4) too; without c (5) it does not.
          () -> assertEquals(1, reason.getOtherNecessaryPurchases()),
          () -> assertEquals("Because you bought WHITE HANGING HEART T-LIGHT HOLDER: without it, it would "
              + "drop out of your top 1 new pick, to #2 instead of #1 among 4 candidates. It would also drop out "
              + "without one other purchase. That purchase alone would keep it in your top 1 new pick, but so would no "
              + "purchases at all.",
              reason.getText()),
          () -> assertEquals(VERSION, response.getModelVersion()));
      // Leave-one-out on the shortlist; then, on every candidate, the screened removals and the
      // sufficiency of the same sets, in one call.
      List<ScoreRequest> calls = model.requests();
      assertEquals(2, calls.size());
      assertEquals(1 + 4, calls.get(0).getRowsCount(), "baseline and each history item removed");
      // Predicted from the single removals: without a (the strongest helper) t falls to #2, out
      // of the top 1; without {a, b} furthest (#3).
      // With no purchases every candidate scores 0: tied, t ranks #1 as well (the text says so).
      assertEquals(List.of(HISTORY, List.of("b", "c", "d"), List.of("c", "d"), List.of("a"), List.of("a", "b"), List.of()),
          calls.get(1).getRowsList().stream().map(r -> List.copyOf(r.getHistoryItemIdsList())).toList(),
          "baseline, the record without each screened set and reduced to it, and with no purchases, against every "
              + "candidate");
      assertEquals(List.of("", VERSION), calls.stream().map(ScoreRequest::getModelVersion).toList());
      assertFaithful(scorer(), Integer.MAX_VALUE, request, response);
    }
  }

  @Test
  void explain_withRecentPurchases_measuresOnTheServedScoreInEveryScoreCall() {
    FakeModelService model = new FakeModelService(scorer(), VERSION);
    com.google.protobuf.Duration window = FORTNIGHT;
    // z was bought 402 times in the window: its trend term ln(403) = 6.0 puts it above t (5.5).
    Map<String, Long> counts = Map.of("t", 0L, "x", 1L, "y", 0L, "z", 402L, "u", 7L);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      ExplainRequest request = request(bestSeller("t")).setTopK(2)
          .addAllSlateRecentPurchases(SLATE.stream().map(counts::get).toList())
          .setRecentPurchasesWindow(window).build();

      ExplainResponse response = fixture.stub.explain(request);

      // Served: z 6.0, t 5.5, x 4.7, y 1. Without a: t 2.5, #3, out of the top 2. (Without the
      // counts t would rank #1 and #2 without a: no reason would meet the minimum effect.)
      Reason reason = response.getExplanations(0).getReasons(0);
      assertAll(
          () -> assertEquals(ReasonKind.REASON_KIND_HISTORY, reason.getKind()),
          () -> assertEquals(List.of("a"), reason.getEvidenceItemIdsList()),
          () -> assertEquals(2, reason.getRank()),
          () -> assertEquals(3, reason.getRankWithoutEvidence()),
          () -> assertTrue(reason.getNecessary()),
          () -> assertEquals(2, reason.getRankWithEvidenceOnly()));
      // Rows against one slate send it (and the usual counts) once, as shared candidates.
      assertTrue(model.sent().stream().filter(call -> call.getRowsCount() > 1).allMatch(call ->
              call.hasSharedCandidates() && call.getSharedCandidates().getCandidateRecentPurchasesCount() > 0
                  && call.getRowsList().stream().allMatch(row -> row.getCandidateItemIdsCount() == 0)),
          "the slate and its counts go once per call");
      for (ScoreRequest call : model.requests()) {
        assertEquals(window, call.getRecentPurchasesWindow());
        for (ScoreRow row : call.getRowsList()) {
          assertEquals(row.getCandidateItemIdsList().stream().map(counts::get).toList(),
              row.getCandidateRecentPurchasesList(), "each candidate's own count, in every row");
        }
      }
    }
  }

  @Test
  void explain_trendTermAloneMovesTheItem_citesATrendReasonMeasuredWithoutItsPurchases() {
    FakeModelService model = new FakeModelService(scorer(), VERSION);
    Map<String, Long> counts = Map.of("t", 0L, "x", 1L, "y", 0L, "z", 402L, "u", 7L);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      ExplainRequest request = request(bestSeller("z"),
          bestSeller("x")).setTopK(2)
          .addAllSlateRecentPurchases(SLATE.stream().map(counts::get).toList())
          .setRecentPurchasesWindow(FORTNIGHT).build();

      ExplainResponse response = fixture.stub.explain(request);

      // Served: z 6.0 (#1, all trend), t 5.5, x 4.69 (#3), y 1. Re-scored with z's 402 purchases
      // set to 0, z scores 0: #4, out of the top 2.
      List<Reason> reasons = response.getExplanations(0).getReasonsList();
      Reason reason = reasons.get(0);
      assertAll(
          () -> assertEquals(1, reasons.size(), "no history evidence moves z; no retrieval reason with a model one"),
          () -> assertEquals(ReasonKind.REASON_KIND_TREND, reason.getKind()),
          () -> assertEquals(402, reason.getRecentPurchases()),
          () -> assertEquals(FORTNIGHT, reason.getRecentPurchasesWindow()),
          () -> assertEquals(1, reason.getRank()),
          () -> assertEquals(4, reason.getRankWithoutEvidence()),
          () -> assertEquals((float) Math.log1p(402), reason.getScoreDrop(), 1e-5),
          () -> assertTrue(reason.getNecessary()),
          () -> assertEquals(2, reason.getTopK()),
          () -> assertEquals(4, reason.getRankedCandidateCount()),
          () -> assertTrue(reason.getEvidenceItemIdsList().isEmpty()),
          () -> assertEquals("Popular lately: bought 402 times in the last 14 days. Without that, it would "
              + "drop out of your top 2 new picks, to #4 instead of #1 among 4 candidates.", reason.getText()));
      // x's one purchase adds ln 2 = 0.69: x is #3 with or without it, below the minimum effect,
      // so it keeps its retrieval reason and nothing is claimed about the model.
      assertEquals(List.of(ReasonKind.REASON_KIND_POPULAR), response.getExplanations(1).getReasonsList().stream()
          .map(Reason::getKind).toList());
      // One row for all targets: the full record with every count 0 (z scores its model part, the
      // others keep their served scores), sent with the removal rows: no call of its own.
      List<ScoreRow> trendless = model.requests().stream().flatMap(call -> call.getRowsList().stream())
          .filter(row -> row.getCandidateRecentPurchasesList().stream().allMatch(count -> count == 0))
          .toList();
      assertEquals(1, trendless.size(), "one trendless row for both targets");
      assertEquals(HISTORY, trendless.get(0).getHistoryItemIdsList(), "the full record");
      assertEquals(SLATE, trendless.get(0).getCandidateItemIdsList(), "against every candidate");
      ScoreRequest removals = model.requests().get(1);
      assertEquals(trendless.get(0), removals.getRows(removals.getRowsCount() - 1), "in the removal batch");
      assertEquals(2, model.requests().size(),
          "leave-one-out, then the removals with the trendless row (no evidence cited: no sufficiency call)");
    }
  }

  @Test
  void explain_setOutsideTheStrongestFirstOrderTakesItOutOfTheTopK_isPreferredToNoClaim() {
    // t: a 3 + b 2 + c 1.5 = 6.5 (#1); x: a 3.5 (#2). a alone drops t most (3), but also lowers x:
    // t stays #1 without a, without {a, b} and (a tie at 0 with x and z) without {a, b, c}: no
    // prefix of the strongest-first order moves it. Without {b, c}: t 3 < x 3.5, out of the top 1.
    AdditiveScorer scorer = new AdditiveScorer()
        .weight("a", "t", 3f).weight("b", "t", 2f).weight("c", "t", 1.5f).weight("a", "x", 3.5f)
        .know("z");
    FakeModelService model = new FakeModelService(scorer, VERSION);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      ExplainRequest request = ExplainRequest.newBuilder().addAllHistoryItemIds(List.of("a", "b", "c"))
          .addAllSlateItemIds(List.of("t", "x", "z"))
          .addTargets(bestSeller("t")).setTopK(1).build();

      ExplainResponse response = fixture.stub.explain(request);

      Reason reason = response.getExplanations(0).getReasons(0);
      assertAll(
          () -> assertEquals(ReasonKind.REASON_KIND_HISTORY, reason.getKind()),
          () -> assertEquals(List.of("b", "c"), reason.getEvidenceItemIdsList()),
          () -> assertEquals(1, reason.getRank()),
          () -> assertEquals(2, reason.getRankWithoutEvidence()),
          () -> assertTrue(reason.getNecessary()),
          // b and c alone: t 3.5, x 0.
          () -> assertEquals(1, reason.getRankWithEvidenceOnly()),
          () -> assertTrue(reason.getSufficient()));
      assertFaithful(scorer, Integer.MAX_VALUE, request, response);
    }
  }

  @Test
  void explain_itemInTheTopKWithNoPurchasesAtAll_aReasonClaimingNoSufficiencySaysSoWithTheRank() {
    // t: a 2 (#2 of the top 2, below x 3.5). Without a, x and z (b 0.5 each) pass it: #3, out.
    // a alone lifts x (3) and y (2.5) more than t (2): #3, not sufficient. With no purchases
    // every candidate scores 0, and t, sent first, is #1: it needs no purchases to be there.
    // (Without b the record is a alone: t is #3 there too.)
    AdditiveScorer scorer = new AdditiveScorer()
        .weight("a", "t", 2f).weight("a", "x", 3f).weight("a", "y", 2.5f)
        .weight("b", "x", 0.5f).weight("b", "z", 0.5f).weight("b", "y", -5f);
    FakeModelService model = new FakeModelService(scorer, VERSION);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      ExplainRequest request = ExplainRequest.newBuilder().addAllHistoryItemIds(List.of("a", "b"))
          .addAllSlateItemIds(List.of("t", "x", "y", "z"))
          .addTargets(bestSeller("t")).setTopK(2).build();

      ExplainResponse response = fixture.stub.explain(request);
      ExplainResponse zh = fixture.stub.explain(request.toBuilder().setLocale("zh-CN").build());

      Reason reason = response.getExplanations(0).getReasons(0);
      assertAll(
          () -> assertEquals(List.of("a"), reason.getEvidenceItemIdsList()),
          () -> assertTrue(reason.getNecessary()),
          () -> assertEquals(3, reason.getRankWithEvidenceOnly()),
          () -> assertFalse(reason.getSufficient()),
          () -> assertEquals(1, reason.getRankWithNoPurchases()),
          () -> assertEquals("Because you bought WHITE HANGING HEART T-LIGHT HOLDER: without it, it would drop out of "
              + "your top 2 new picks, to #3 instead of #2 among 4 candidates. It would also drop out without one "
              + "other purchase. With no purchases at all, it would rank #1, within your top 2 new picks.",
              reason.getText()),
          () -> assertEquals("因为您购买过「WHITE HANGING HEART T-LIGHT HOLDER」：如果没有它，它会跌出您的前 2 个新推荐，"
              + "在 4 个候选商品中从第 2 位降到第 3 位。只去掉另外一件购买，它也会跌出。如果没有任何购买，它会排第 1 位，在您的前 2 个新推荐之内。",
              zh.getExplanations(0).getReasons(0).getText()));
      assertFaithful(scorer, Integer.MAX_VALUE, request, response);
    }
  }

  @Test
  void explain_rankDropBelowTheMinimumEffect_makesNoModelClaim() {
    FakeModelService model = new FakeModelService(scorer(), VERSION);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      // Top 3: without {a, b} t only falls from #1 to #3, two places and still in the top 3.
      ExplainResponse response = fixture.stub.explain(
          request(bestSeller("t")).setTopK(3).build());

      assertEquals(List.of(ReasonKind.REASON_KIND_POPULAR), kinds(response.getExplanations(0)));
    }
  }

  @Test
  void explain_lowerMinimumRankDrop_citesTheSetThatDropsTheItemFurthest() {
    FakeModelService model = new FakeModelService(scorer(), VERSION);
    try (ExplainFixture fixture = new ExplainFixture(
        model, new FakeFeatureService(TITLES), ExplainConfig.DEFAULT_DEPENDENCY_TIMEOUT, 1)) {
      ExplainRequest request = request(bestSeller("t")).setTopK(3).build();

      ExplainResponse response = fixture.stub.explain(request);

      Reason reason = response.getExplanations(0).getReasons(0);
      // {a}: #2, {a, b}: #3, {a, b, c}: t 0 ties z, still #3 -- the smaller set wins the tie.
      assertEquals(List.of("a", "b"), reason.getEvidenceItemIdsList());
      assertEquals(3, reason.getRankWithoutEvidence());
      assertFalse(reason.getNecessary());
      assertEquals("Because you bought WHITE HANGING HEART T-LIGHT HOLDER and JUMBO BAG RED RETROSPOT: "
          + "without them, it would rank #3 instead of #1 among 4 candidates. Those purchases alone "
          + "would keep it in your top 3 new picks, but so would no purchases at all.", reason.getText());
      assertFaithful(scorer(), Integer.MAX_VALUE, 1, request, response);
    }
  }

  @Test
  void explain_withTheWholeRecord_olderPurchasesSlideIntoTheWindowWhenEvidenceIsRemoved() {
    // The model reads 4 items. e, bought before the window, counts for t as much as a does.
    AdditiveScorer scorer = scorer().weight("e", "t", 3f);
    FakeModelService model = new FakeModelService(scorer, VERSION, 4);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      ExplainRequest windowOnly = request(bestSeller("t")).build();
      ExplainRequest withRecord = windowOnly.toBuilder()
          .addAllRecordItemIds(List.of("e", "a", "b", "c", "d")).build();

      // On the window alone a looks necessary; on the record e replaces it and t stays #1.
      assertEquals(List.of("a"), fixture.stub.explain(windowOnly).getExplanations(0).getReasons(0)
          .getEvidenceItemIdsList());
      int callsBefore = model.requests().size();
      ExplainResponse response = fixture.stub.explain(withRecord);

      assertEquals(List.of(ReasonKind.REASON_KIND_POPULAR), kinds(response.getExplanations(0)));
      ScoreRequest leaveOneOut = model.requests().get(callsBefore);
      assertEquals(List.of("e", "b", "c", "d"), leaveOneOut.getRows(1).getHistoryItemIdsList().subList(0, 4),
          "the record without a is scored, not the window without a");
    }
  }

  @Test
  void explain_noHistoryEvidenceHoldsUp_fallsBackToRetrievalReasons() {
    FakeModelService model = new FakeModelService(scorer(), VERSION);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      ExplainResponse response = fixture.stub.explain(request(
          // x loses its whole score without d but keeps its rank; y even rises without d.
          target("x", RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE, RetrievalSource.RETRIEVAL_SOURCE_POPULAR)
              .toBuilder().addViaItemIds("c").addViaItemIds("d").setBestSeller(true).build(),
          bestSeller("y"),
          // The model does not know u at all.
          target("u", RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE)).build());

      ItemExplanation x = response.getExplanations(0);
      assertEquals("x", x.getItemId());
      assertEquals(List.of(ReasonKind.REASON_KIND_CO_PURCHASE, ReasonKind.REASON_KIND_POPULAR), kinds(x));
      Reason coPurchase = x.getReasons(0);
      assertEquals("It has been bought together with REGENCY CAKESTAND 3 TIER and PARTY BUNTING, which you bought.", coPurchase.getText());
      assertEquals(List.of("c", "d"), coPurchase.getEvidenceItemIdsList());
      assertEquals(List.of(TITLES.get("c"), TITLES.get("d")), coPurchase.getEvidenceTitlesList());
      assertEquals(0, coPurchase.getRank());
      assertEquals(0, coPurchase.getRankWithoutEvidence());
      assertEquals(0f, coPurchase.getScoreDrop());
      assertEquals("Among the shop's top 10% best-selling items.", x.getReasons(1).getText());
      assertEquals(0, x.getReasons(1).getEvidenceItemIdsCount());

      assertEquals(List.of(ReasonKind.REASON_KIND_POPULAR), kinds(response.getExplanations(1)));
      // Retrieved by co-purchase, but with no via item the caller lets a reason cite (the gateway
      // sends only pairs from enough orders): no reason names what it was bought with.
      assertEquals(List.of(), kinds(response.getExplanations(2)));
      // Retrieval reasons say nothing about the model.
      response.getExplanationsList().forEach(e -> e.getReasonsList().forEach(r ->
          assertFalse(r.getText().contains("rank") || r.getText().contains("model"), r.getText())));
    }
  }

  @Test
  void explain_zhCn_writesHistoryAndRetrievalReasonsInChinese() {
    FakeModelService model = new FakeModelService(scorer(), VERSION);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      ExplainResponse response = fixture.stub.explain(request(
          bestSeller("t"),
          target("x", RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE).toBuilder().addViaItemIds("d")
              .addViaSharedOrders(7).setViaMaxBasketSize(100).build(),
          bestSeller("y").toBuilder().setPurchases(42).build())
          .setTopK(1).setLocale("zh-CN").build());

      assertEquals("因为您购买过「WHITE HANGING HEART T-LIGHT HOLDER」：如果没有它，它会跌出您的前 1 个新推荐，"
          + "在 4 个候选商品中从第 1 位降到第 2 位。只去掉另外一件购买，它也会跌出。仅凭这件商品，它也会留在您的前 1 个新推荐中；不过即使没有任何购买，它也会留在其中。",
          response.getExplanations(0).getReasons(0).getText());
      // The shop's orders holding both, as the caller sent them (the feature service's count).
      assertEquals("它曾和您买过的「PARTY BUNTING」（在 7 笔不超过 100 种商品的订单中）被一起购买。",
          response.getExplanations(1).getReasons(0).getText());
      assertEquals("本店销量前 10% 的商品：已被购买 42 次。", response.getExplanations(2).getReasons(0).getText());
      response.getExplanationsList().forEach(e -> e.getReasonsList().forEach(r ->
          assertEquals("zh-CN", r.getLocale())));
    }
  }

  @Test
  void explain_popularButNoBestSeller_statesItsPurchasesAndClaimsNoPopularity() {
    // In a shop of a few hundred items every item bought is among the 500 most bought.
    FakeModelService model = new FakeModelService(scorer(), VERSION);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      ExplainTarget once = target("y", RetrievalSource.RETRIEVAL_SOURCE_POPULAR).toBuilder().setPurchases(1).build();
      ExplainTarget both = target("x", RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE, RetrievalSource.RETRIEVAL_SOURCE_POPULAR)
          .toBuilder().addViaItemIds("d").setPurchases(3).build();

      ExplainResponse en = fixture.stub.explain(request(once, both).clearHistoryItemIds().build());
      ExplainResponse zh = fixture.stub.explain(request(once, both).clearHistoryItemIds().setLocale("zh-CN").build());

      assertEquals(List.of(ReasonKind.REASON_KIND_SALES), kinds(en.getExplanations(0)));
      assertEquals("It has been bought once in this shop.", en.getExplanations(0).getReasons(0).getText());
      assertEquals("它在本店已被购买 1 次。", zh.getExplanations(0).getReasons(0).getText());
      assertEquals(List.of(ReasonKind.REASON_KIND_CO_PURCHASE, ReasonKind.REASON_KIND_SALES), kinds(en.getExplanations(1)));
      assertEquals("It has been bought 3 times in this shop.", en.getExplanations(1).getReasons(1).getText());
      for (ExplainResponse response : List.of(en, zh)) {
        response.getExplanationsList().forEach(e -> e.getReasonsList().forEach(r ->
            assertFalse(r.getText().contains("best seller") || r.getText().contains("热销"), r.getText())));
      }
    }
  }

  @Test
  void explain_emptyHistory_answersFromRetrievalWithoutCallingTheModel() {
    FakeModelService model = new FakeModelService(scorer(), VERSION);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      ExplainResponse response = fixture.stub.explain(request(bestSeller("t"))
          .clearHistoryItemIds().build());

      assertEquals(List.of(ReasonKind.REASON_KIND_POPULAR), kinds(response.getExplanations(0)));
      assertEquals(0, model.requests().size());
      assertEquals("", response.getModelVersion());
    }
  }

  /** Random additive models: every history reason must survive re-scoring by the test itself. */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void explain_randomModels_everyHistoryReasonIsFaithful(long seed) {
    Random random = new Random(seed);
    List<String> items = IntStream.range(0, 40).mapToObj(i -> "i" + i).toList();
    AdditiveScorer scorer = new AdditiveScorer();
    for (String from : items) {
      for (String to : items) {
        if (random.nextInt(3) == 0) {
          scorer.weight(from, to, (float) random.nextGaussian());
        }
      }
    }
    scorer.know(items.toArray(String[]::new));
    List<String> history = IntStream.range(0, 15).mapToObj(i -> items.get(random.nextInt(items.size()))).toList();
    ExplainRequest.Builder request = ExplainRequest.newBuilder()
        .addAllHistoryItemIds(history)
        .setMaxEvidenceItems(1 + random.nextInt(5))
        .setTopK(3 + random.nextInt(5));
    if (random.nextBoolean()) {
      // A longer record than the model reads: removals let older items slide in.
      request.addAllRecordItemIds(IntStream.range(0, 10)
          .mapToObj(i -> items.get(random.nextInt(items.size()))).toList()).addAllRecordItemIds(history);
    }
    // The slate holds no bought item, as the gateway sends it (one is refused: BoughtItemTest).
    Set<String> bought = new HashSet<>(history);
    bought.addAll(request.getRecordItemIdsList());
    List<String> slate = items.subList(10, 40).stream().filter(item -> !bought.contains(item)).toList();
    request.addAllSlateItemIds(slate);
    for (int i = 0; i < 10; i++) {
      String item = slate.get(random.nextInt(slate.size()));
      ExplainTarget.Builder target = ExplainTarget.newBuilder().setItemId(item)
          .addSources(random.nextBoolean()
              ? RetrievalSource.RETRIEVAL_SOURCE_POPULAR : RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE);
      if (target.getSources(0) == RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE) {
        // Through the latest purchase, as the gateway sends a pair a reason may cite.
        target.addViaItemIds(history.get(history.size() - 1));
      }
      request.addTargets(target);
    }
    FakeModelService model = new FakeModelService(scorer, VERSION, history.size());
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(Map.of()))) {
      ExplainResponse response = fixture.stub.explain(request.build());

      assertFaithful(scorer, history.size(), request.build(), response);
      assertTrue(model.requests().size() <= 2, "leave-one-out; removals with sufficiency");
      long cited = response.getExplanationsList().stream()
          .filter(e -> e.getReasons(0).getKind() == ReasonKind.REASON_KIND_HISTORY).count();
      assertTrue(cited > 0, "the check above must not be vacuous");
    }
  }

  @Test
  void explain_largestRequest_splitsScoringWithinTheModelServiceLimits() {
    Random random = new Random(42);
    List<String> slate = IntStream.range(0, 2000).mapToObj(i -> "s" + i).toList();
    List<String> history = IntStream.range(0, 12).mapToObj(i -> "h" + i).toList();
    AdditiveScorer scorer = new AdditiveScorer();
    for (String from : history) {
      for (String to : slate) {
        scorer.weight(from, to, (float) random.nextGaussian());
      }
    }
    ExplainRequest.Builder request = ExplainRequest.newBuilder()
        .addAllHistoryItemIds(history).addAllSlateItemIds(slate).setMaxEvidenceItems(5).setTopK(100);
    for (int i = 0; i < 50; i++) {
      String item = slate.get(i * 7);
      request.addTargets(ExplainTarget.newBuilder().setItemId(item)
          .addSources(RetrievalSource.RETRIEVAL_SOURCE_POPULAR));
    }
    FakeModelService model = new FakeModelService(scorer, VERSION);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(Map.of()))) {
      ExplainResponse response = fixture.stub.explain(request.build());

      assertTrue(model.requests().size() >= 2, "rows x 2000 candidates exceed one call's cells");
      for (ScoreRequest call : model.requests()) {
        assertTrue(call.getRowsCount() <= ModelClient.MAX_ROWS_PER_CALL);
        assertTrue(call.getRowsCount() * 2000 <= ModelClient.MAX_CELLS_PER_CALL);
      }
      assertFaithful(scorer, Integer.MAX_VALUE, request.build(), response);
      assertTrue(response.getExplanationsList().stream()
          .anyMatch(e -> e.getReasons(0).getKind() == ReasonKind.REASON_KIND_HISTORY));
    }
  }

  private static final com.google.protobuf.Duration FORTNIGHT =
      com.google.protobuf.Duration.newBuilder().setSeconds(14 * 86_400).build();

  static Stream<Arguments> badRequests() {
    ExplainTarget t = bestSeller("t");
    List<String> manyIds = IntStream.range(0, 2001).mapToObj(i -> "m" + i).toList();
    return Stream.of(
        bad("targets", r -> r.clearTargets()),
        bad("targets", r -> r.addAllTargets(IntStream.range(0, 50).mapToObj(i -> t).toList())),
        bad("targets[0].item_id", r -> r.setTargets(0, bestSeller("nope"))),
        bad("targets[0].item_id", r -> r.setTargets(0, target("", RetrievalSource.RETRIEVAL_SOURCE_POPULAR))),
        bad("slate_item_ids", r -> r.clearSlateItemIds()),
        bad("slate_item_ids", r -> r.addAllSlateItemIds(manyIds)),
        bad("slate_item_ids[5]", r -> r.addSlateItemIds("")),
        bad("history_item_ids", r -> r.addAllHistoryItemIds(manyIds.subList(0, 1000))),
        bad("history_item_ids[4]", r -> r.addHistoryItemIds(" ")),
        bad("locale", r -> r.setLocale("fr-FR")),
        bad("max_evidence_items", r -> r.setMaxEvidenceItems(6)),
        bad("max_evidence_items", r -> r.setMaxEvidenceItems(-1)),
        bad("record_item_ids", r -> r.addAllRecordItemIds(manyIds.subList(0, 1001))),
        bad("record_item_ids[0]", r -> r.addRecordItemIds("")),
        bad("top_k", r -> r.setTopK(101)),
        bad("top_k", r -> r.setTopK(-1)),
        bad("targets[0].sources", r -> r.setTargets(0, target("t"))),
        bad("targets[0].via_item_ids[0]", r -> r.setTargets(0, t.toBuilder().addViaItemIds(""))),
        bad("slate_recent_purchases", r -> r.addSlateRecentPurchases(1).setRecentPurchasesWindow(FORTNIGHT)),
        bad("slate_recent_purchases[2]", r -> r.addAllSlateRecentPurchases(List.of(1L, 0L, -1L, 0L, 0L))
            .setRecentPurchasesWindow(FORTNIGHT)),
        bad("recent_purchases_window", r -> r.addAllSlateRecentPurchases(List.of(1L, 0L, 1L, 0L, 0L))),
        bad("recent_purchases_window", r -> r.addAllSlateRecentPurchases(List.of(1L, 0L, 1L, 0L, 0L))
            .setRecentPurchasesWindow(com.google.protobuf.Duration.newBuilder().setSeconds(-1))));
  }

  @Test
  void explain_retrievalCountsOutOfRange_areInvalidArgument() {
    FakeModelService model = new FakeModelService(scorer(), VERSION);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      for (List<Integer> counts : List.of(List.of(3), List.of(3, 0))) {
        ExplainRequest request = request(target("x", RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE).toBuilder()
            .addViaItemIds("c").addViaItemIds("d").addAllViaSharedOrders(counts).build()).build();

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> fixture.stub.explain(request));

        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("targets[0].via_shared_orders must be empty or one "
            + "count >= 1 per via_item_ids entry"), e.getStatus().getDescription());
      }
      StatusRuntimeException negative = assertThrows(StatusRuntimeException.class, () -> fixture.stub.explain(request(
          bestSeller("t").toBuilder().setPurchases(-1).build()).build()));
      assertEquals(Status.Code.INVALID_ARGUMENT, negative.getStatus().getCode());
      assertEquals("targets[0].purchases must be >= 0, got -1", negative.getStatus().getDescription());
      StatusRuntimeException size = assertThrows(StatusRuntimeException.class, () -> fixture.stub.explain(request(
          target("x", RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE).toBuilder().addViaItemIds("d")
              .addViaSharedOrders(7).setViaMaxBasketSize(-1).build()).build()));
      assertEquals("targets[0].via_max_basket_size must be >= 0, got -1", size.getStatus().getDescription());
      assertEquals(0, model.requests().size());
    }
  }

  private static Arguments bad(String field, UnaryOperator<ExplainRequest.Builder> change) {
    return Arguments.of(field, change.apply(request(bestSeller("t"))).build());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void explain_badRequest_isInvalidArgumentNamingTheField(String field, ExplainRequest request) {
    FakeModelService model = new FakeModelService(scorer(), VERSION);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES))) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> fixture.stub.explain(request));

      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().startsWith(field), e.getStatus().getDescription());
      assertEquals(0, model.requests().size());
    }
  }

  @Test
  void explain_modelServiceUnreachable_isUnavailable() {
    try (ExplainFixture fixture = new ExplainFixture(null, new FakeFeatureService(TITLES))) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> fixture.stub.explain(request(bestSeller("t")).build()));

      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().startsWith("model service is unavailable"),
          e.getStatus().getDescription());
    }
  }

  @Test
  void explain_modelServiceWithoutModel_isUnavailable() {
    ModelServiceGrpc.ModelServiceImplBase notLoaded = new ModelServiceGrpc.ModelServiceImplBase() {
      @Override
      public void score(ScoreRequest request, StreamObserver<ScoreResponse> observer) {
        observer.onError(Status.UNAVAILABLE.withDescription("no model is loaded yet").asRuntimeException());
      }
    };
    try (ExplainFixture fixture = new ExplainFixture(notLoaded, new FakeFeatureService(TITLES))) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> fixture.stub.explain(request(bestSeller("t")).build()));

      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      assertEquals("model service is unavailable: no model is loaded yet", e.getStatus().getDescription());
    }
  }

  @Test
  void explain_modelServiceAtItsLimit_isResourceExhausted_notUnavailable() {
    ModelServiceGrpc.ModelServiceImplBase busy = new ModelServiceGrpc.ModelServiceImplBase() {
      @Override
      public void score(ScoreRequest request, StreamObserver<ScoreResponse> observer) {
        observer.onError(Status.RESOURCE_EXHAUSTED
            .withDescription("the scoring queue is full (256 calls waiting); retry with backoff").asRuntimeException());
      }
    };
    try (ExplainFixture fixture = new ExplainFixture(busy, new FakeFeatureService(TITLES))) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> fixture.stub.explain(request(bestSeller("t")).build()));

      // Busy, not down: the caller backs off instead of retrying at once.
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
      assertEquals("model service is at its limit: the scoring queue is full (256 calls waiting); retry with backoff",
          e.getStatus().getDescription());
    }
  }

  @Test
  void explain_featureServiceUnreachable_isUnavailable() {
    try (ExplainFixture fixture = new ExplainFixture(new FakeModelService(scorer(), VERSION), null)) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> fixture.stub.explain(request(bestSeller("t")).build()));

      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().startsWith("feature service is unavailable"),
          e.getStatus().getDescription());
    }
  }

  @Test
  void explain_otherModelVersionPinned_isFailedPrecondition() {
    try (ExplainFixture fixture = new ExplainFixture(
        new FakeModelService(scorer(), VERSION), new FakeFeatureService(TITLES))) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> fixture.stub.explain(request(bestSeller("t"))
              .setModelVersion("v0").build()));

      assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("active version is v1"), e.getStatus().getDescription());
    }
  }

  @Test
  void explain_modelNeverAnswers_callerDeadlineReachesTheModelCall() throws InterruptedException {
    SilentModelService model = new SilentModelService();
    // The service's own bound is far away, so a short deadline at the model can only be the caller's.
    Duration ownBound = Duration.ofSeconds(50);
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES), ownBound)) {
      long started = System.nanoTime();
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> fixture.stub.withDeadlineAfter(2, TimeUnit.SECONDS)
              .explain(request(bestSeller("t")).build()));

      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
      assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(10)) < 0);
      assertTrue(model.cancelled.await(5, TimeUnit.SECONDS), "the model call was abandoned");
      long left = model.arrivedWithMillisLeft.get();
      assertTrue(left > 0 && left <= 2000, "model call arrived with " + left + " ms left");
    }
  }

  @Test
  void explain_modelNeverAnswersAndCallerSetNoDeadline_isBoundedByTheDependencyTimeout() {
    SilentModelService model = new SilentModelService();
    try (ExplainFixture fixture = new ExplainFixture(model, new FakeFeatureService(TITLES), Duration.ofMillis(200))) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> fixture.stub.explain(request(bestSeller("t")).build()));

      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
      assertEquals("model service did not answer before the deadline", e.getStatus().getDescription());
    }
  }

  private static List<ReasonKind> kinds(ItemExplanation explanation) {
    return explanation.getReasonsList().stream().map(Reason::getKind).toList();
  }

  /**
   * Re-scores every history reason with the transparent model, as a client would, on the record
   * (the model reading its last {@code window} items): the full record gives `rank`, the record
   * without the cited items gives `rank_without_evidence` and `score_drop` (> 0), the record
   * reduced to them gives `rank_with_evidence_only`; necessity, sufficiency and the minimum
   * effect (out of the top-k, or at least 3 places) follow. Every target has a reason.
   */
  static void assertFaithful(AdditiveScorer scorer, int window, ExplainRequest request, ExplainResponse response) {
    assertFaithful(scorer, window, ExplainConfig.DEFAULT_MIN_RANK_DROP, request, response);
  }

  static void assertFaithful(
      AdditiveScorer scorer, int window, int minRankDrop, ExplainRequest request, ExplainResponse response) {
    List<String> record = request.getRecordItemIdsCount() > 0
        ? request.getRecordItemIdsList() : request.getHistoryItemIdsList();
    List<String> slate = request.getSlateItemIdsList();
    int maxEvidence = request.getMaxEvidenceItems() == 0 ? 3 : request.getMaxEvidenceItems();
    int topK = request.getTopK() == 0 ? request.getTargetsCount() : request.getTopK();
    assertEquals(request.getTargetsCount(), response.getExplanationsCount());
    for (int i = 0; i < request.getTargetsCount(); i++) {
      String target = request.getTargets(i).getItemId();
      ItemExplanation explanation = response.getExplanations(i);
      assertEquals(target, explanation.getItemId());
      assertFalse(explanation.getReasonsList().isEmpty(), "no reason for " + target);
      for (Reason reason : explanation.getReasonsList()) {
        if (reason.getKind() != ReasonKind.REASON_KIND_HISTORY) {
          assertEquals(0, reason.getRankWithoutEvidence());
          assertFalse(reason.getNecessary() || reason.getSufficient());
          continue;
        }
        Set<String> cited = new HashSet<>(reason.getEvidenceItemIdsList());
        assertEquals(reason.getEvidenceItemIdsCount(), cited.size(), "distinct evidence");
        assertTrue(cited.size() >= 1 && cited.size() <= maxEvidence);
        List<String> full = lastKnown(scorer, record, window);
        List<String> without = lastKnown(scorer, record.stream().filter(h -> !cited.contains(h)).toList(), window);
        List<String> only = lastKnown(scorer, record.stream().filter(cited::contains).toList(), window);
        int rank = scorer.rank(full, slate, target);
        int rankWithout = scorer.rank(without, slate, target);
        int rankOnly = scorer.rank(only, slate, target);
        float drop = scorer.score(full, slate).get(target) - scorer.score(without, slate).get(target);
        assertEquals(rank, reason.getRank(), target + " rank");
        assertEquals(rankWithout, reason.getRankWithoutEvidence(), target + " rank without " + cited);
        assertEquals(rankOnly, reason.getRankWithEvidenceOnly(), target + " rank with only " + cited);
        assertEquals(drop, reason.getScoreDrop(), 1e-4, target + " score drop");
        assertTrue(drop > 0, target + " score must drop without " + cited);
        assertEquals(topK, reason.getTopK());
        assertEquals(rank <= topK && rankWithout > topK, reason.getNecessary(), target + " necessary");
        assertEquals(rankOnly <= topK, reason.getSufficient(), target + " sufficient");
        assertTrue(reason.getNecessary() || rankWithout - rank >= minRankDrop,
            target + " minimum effect");
        assertEquals(scorer.score(full, slate).size(), reason.getRankedCandidateCount());
      }
    }
  }

  /** What the model reads of a record: its last {@code window} known items. */
  private static List<String> lastKnown(AdditiveScorer scorer, List<String> record, int window) {
    List<String> known = record.stream().filter(scorer::knows).toList();
    return known.subList(Math.max(0, known.size() - window), known.size());
  }
}
