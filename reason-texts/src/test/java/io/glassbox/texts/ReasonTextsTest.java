package io.glassbox.texts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ReasonTextsTest {
  private static final ReasonTexts EN = ReasonTexts.forLocale("en-US");
  private static final ReasonTexts ZH = ReasonTexts.forLocale("zh-CN");
  private static final ReasonTexts.AdditionsTried NOTHING_TRIED = new ReasonTexts.AdditionsTried(0, 0, 0, 0);
  /** WhyNot's full pool, then the pairs of its 5 best singles (10 pairs). */
  private static final ReasonTexts.AdditionsTried TWENTY_AND_PAIRS = new ReasonTexts.AdditionsTried(9, 6, 5, 5);

  /** What {@code text} says of the same facts in English and in Chinese. */
  private static void assertSays(String english, String chinese, Function<ReasonTexts, String> text) {
    assertEquals(english, text.apply(EN), "en-US");
    assertEquals(chinese, text.apply(ZH), "zh-CN");
  }

  /** Purchases counted up to {@code instant} (ISO-8601). */
  private static Optional<Instant> at(String instant) {
    return Optional.of(Instant.parse(instant));
  }

  @Test
  void history_enUs_oneItemNeitherNecessaryNorSufficient_statesBothRanksAndTheCandidateCount() {
    assertEquals("Because you bought WHITE HANGING HEART T-LIGHT HOLDER: without it, it would rank #9 "
            + "instead of #2 among 480 candidates.",
        EN.history(new ReasonTexts.HistoryClaim(List.of("WHITE HANGING HEART T-LIGHT HOLDER"), 2, 9, 480, 10, false, false, 0, 0)));
  }

  @Test
  void history_enUs_severalItemsNecessaryAndSufficient_saysTheyDropItOutAndKeepItIn() {
    assertEquals("Because you bought A, B and C: without them, it would drop out of your top 10 new picks, to #27 "
            + "instead of #3 among 1500 candidates. Those purchases alone would keep it in your top 10 new picks.",
        EN.history(new ReasonTexts.HistoryClaim(List.of("A", "B", "C"), 3, 27, 1500, 10, true, true, 0, 0)));
  }

  @Test
  void history_enUs_topOne_saysOneNewPickInTheSingular() {
    assertEquals("Because you bought A: without it, it would drop out of your top 1 new pick, to #3 "
            + "instead of #1 among 500 candidates. That purchase alone would keep it in your top 1 new pick.",
        EN.history(new ReasonTexts.HistoryClaim(List.of("A"), 1, 3, 500, 1, true, true, 0, 0)));
  }

  @Test
  void history_enUs_oneItemSufficientOnly() {
    assertEquals("Because you bought A: without it, it would rank #8 instead of #4 among 50 candidates."
            + " That purchase alone would keep it in your top 5 new picks.",
        EN.history(new ReasonTexts.HistoryClaim(List.of("A"), 4, 8, 50, 5, false, true, 0, 0)));
  }

  @Test
  void history_itemOutsideTheTopK_sufficientEvidenceBringsItIn_inBothLocales() {
    // ExplainItem asks about any item: at #46 it is not in the top 10 to be kept there.
    assertEquals("Because you bought A, B and C: without them, it would rank #60 instead of #46 among 500 candidates."
            + " Those purchases alone would bring it into your top 10 new picks.",
        EN.history(new ReasonTexts.HistoryClaim(List.of("A", "B", "C"), 46, 60, 500, 10, false, true, 0, 0)));
    assertSays("Because you bought A: without it, it would rank #25 instead of #11 among 500 candidates."
            + " That purchase alone would bring it into your top 10 new picks.",
        "因为您购买过「A」：如果没有它，它会在 500 个候选商品中从第 11 位降到第 25 位。"
            + "仅凭这件商品，它就会进入您的前 10 个新推荐。",
        texts -> texts.history(new ReasonTexts.HistoryClaim(List.of("A"), 11, 25, 500, 10, false, true, 0, 0)));
    assertEquals("因为您购买过「A」和「B」：如果没有它们，它会在 500 个候选商品中从第 46 位降到第 60 位。"
            + "仅凭这些商品，它就会进入您的前 10 个新推荐。",
        ZH.history(new ReasonTexts.HistoryClaim(List.of("A", "B"), 46, 60, 500, 10, false, true, 0, 0)));
  }

  @Test
  void history_otherPurchasesNecessaryAlone_areSaidBeforeSufficiency_inBothLocales() {
    assertSays("Because you bought A: without it, it would drop out of your top 10 new picks, to #11 instead of #9"
            + " among 500 candidates. It would also drop out without any one of 16 other purchases.",
        "因为您购买过「A」：如果没有它，它会跌出您的前 10 个新推荐，在 500 个候选商品中从第 9 位降到第 11 位。"
            + "只去掉另外 16 件购买中的任何一件，它也会跌出。",
        texts -> texts.history(new ReasonTexts.HistoryClaim(List.of("A"), 9, 11, 500, 10, true, false, 16, 0)));
    assertSays("Because you bought A: without it, it would drop out of your top 10 new picks, to #13 instead of #8"
            + " among 500 candidates. It would also drop out without one other purchase. That purchase alone would"
            + " keep it in your top 10 new picks.",
        "因为您购买过「A」：如果没有它，它会跌出您的前 10 个新推荐，在 500 个候选商品中从第 8 位降到第 13 位。"
            + "只去掉另外一件购买，它也会跌出。仅凭这件商品，它也会留在您的前 10 个新推荐中。",
        texts -> texts.history(new ReasonTexts.HistoryClaim(List.of("A"), 8, 13, 500, 10, true, true, 1, 0)));
  }

  @Test
  void history_otherPurchasesCountedOnAShortlist_areSaidAsALowerBound_inBothLocales() {
    assertSays("Because you bought A: without it, it would drop out of your top 10 new picks, to #11 instead of #9"
            + " among 500 candidates. It would also drop out without any one of 16 or more other purchases.",
        "因为您购买过「A」：如果没有它，它会跌出您的前 10 个新推荐，在 500 个候选商品中从第 9 位降到第 11 位。"
            + "只去掉另外 16 件或更多购买中的任何一件，它也会跌出。",
        texts -> texts.history(new ReasonTexts.HistoryClaim(List.of("A"), 9, 11, 500, 10, true, false, 16, true, 0)));
    assertSays("Because you bought A: without it, it would drop out of your top 10 new picks, to #13 instead of #8"
            + " among 500 candidates. There is at least one other purchase without which it would also drop out."
            + " That purchase alone would keep it in your top 10 new picks.",
        "因为您购买过「A」：如果没有它，它会跌出您的前 10 个新推荐，在 500 个候选商品中从第 8 位降到第 13 位。"
            + "至少还有一件其他购买，只去掉那一件，它也会跌出。仅凭这件商品，它也会留在您的前 10 个新推荐中。",
        texts -> texts.history(new ReasonTexts.HistoryClaim(List.of("A"), 8, 13, 500, 10, true, true, 1, true, 0)));
    assertEquals("Because you bought A: without it, it would drop out of your top 10 new picks, to #11 instead of #9"
            + " among 500 candidates.",
        EN.history(new ReasonTexts.HistoryClaim(List.of("A"), 9, 11, 500, 10, true, false, 0, true, 0)),
        "none counted: nothing said, not '0 or more'");
  }

  @Test
  void history_zhCn_quotesTitlesAndStatesRanksAmongAllCandidates() {
    assertEquals("因为您购买过「A」和「B」：如果没有它们，它会在 480 个候选商品中从第 3 位降到第 27 位。",
        ZH.history(new ReasonTexts.HistoryClaim(List.of("A", "B"), 3, 27, 480, 10, false, false, 0, 0)));
    assertEquals("因为您购买过「A」、「B」和「C」：如果没有它们，它会跌出您的前 10 个新推荐，在 1500 个候选商品中"
            + "从第 1 位降到第 14 位。仅凭这些商品，它也会留在您的前 10 个新推荐中。",
        ZH.history(new ReasonTexts.HistoryClaim(List.of("A", "B", "C"), 1, 14, 1500, 10, true, true, 0, 0)));
    assertEquals("因为您购买过「A」：如果没有它，它会跌出您的前 5 个新推荐，在 40 个候选商品中从第 5 位降到第 6 位。"
            + "仅凭这件商品，它也会留在您的前 5 个新推荐中。",
        ZH.history(new ReasonTexts.HistoryClaim(List.of("A"), 5, 6, 40, 5, true, true, 0, 0)));
  }

  @Test
  void history_titlesWithFormatCharacters_areShownAsIs() {
    assertEquals("Because you bought 100% COTTON APRON {RED}: without it, it would rank #4 instead of #1"
            + " among 9 candidates.",
        EN.history(new ReasonTexts.HistoryClaim(List.of("100% COTTON APRON {RED}"), 1, 4, 9, 10, false, false, 0, 0)));
  }

  @Test
  void history_notSufficientButInTheTopKWithNoPurchases_statesThatRank_inBothLocales() {
    assertSays("Because you bought A: without it, it would rank #9 instead of #5 among 500 candidates. With no "
            + "purchases at all, it would rank #3, within your top 10 new picks.",
        "因为您购买过「A」：如果没有它，它会在 500 个候选商品中从第 5 位降到第 9 位。如果没有任何购买，它会排第 3 位，"
            + "在您的前 10 个新推荐之内。",
        texts -> texts.history(new ReasonTexts.HistoryClaim(List.of("A"), 5, 9, 500, 10, false, false, 0, 3)));
    assertEquals("Because you bought A: without it, it would rank #9 instead of #5 among 500 candidates.",
        EN.history(new ReasonTexts.HistoryClaim(List.of("A"), 5, 9, 500, 10, false, false, 0, 11)),
        "outside the top 10 with no purchases: nothing to add");
    assertEquals("Because you bought A: without it, it would rank #9 instead of #5 among 500 candidates. That "
            + "purchase alone would keep it in your top 10 new picks, but so would no purchases at all.",
        EN.history(new ReasonTexts.HistoryClaim(List.of("A"), 5, 9, 500, 10, false, true, 0, 3)),
        "a sufficient reason says it as before");
  }

  @Test
  void history_noTitle_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> EN.history(new ReasonTexts.HistoryClaim(List.of(), 1, 4, 9, 10, false, false, 0, 0)));
  }

  @Test
  void trend_enUs_necessary_statesPurchasesWindowAndBothRanks() {
    assertEquals("Popular lately: bought 120 times in the last 14 days. Without that, it would drop out of "
            + "your top 10 new picks, to #14 instead of #4 among 480 candidates.",
        EN.trend(120, Duration.ofDays(14), 4, 14, 480, 10, true));
    assertEquals("Popular lately: bought 3 times in the last 36 hours. Without that, it would rank #9 "
            + "instead of #2 among 1500 candidates.",
        EN.trend(3, Duration.ofHours(36), 2, 9, 1500, 10, false));
  }

  @Test
  void trend_zhCn_statesPurchasesWindowAndBothRanks() {
    assertEquals("近期热销：最近 14 天内被购买 1200 次。如果不计这一热度，它会跌出您的前 10 个新推荐，"
            + "在 480 个候选商品中从第 4 位降到第 14 位。",
        ZH.trend(1200, Duration.ofDays(14), 4, 14, 480, 10, true));
  }

  /**
   * The counts are of [as_of - window, as_of): a purchase at as_of is not among them, so the text
   * names the end it was counted up to (before, "in the last 14 days" read as up to now).
   */
  @Test
  void trend_countedUpToARequestTime_namesItInUtc_inBothLocales() {
    assertSays("Popular lately: bought 59 times in the 14 days before 2011-12-09 12:50 UTC. Without that, it would "
        + "rank #9 instead of #4 among 50 candidates.",
        "近期热销：2011-12-09 12:50 UTC 之前的 14 天内被购买 59 次。如果不计这一热度，它会在 50 个候选商品中从第 4 位降到第 9 位。",
        texts -> texts.trend(59, Duration.ofDays(14), at("2011-12-09T12:50:00Z"), 4, 9, 50, 10, false));
    assertEquals("Popular lately: bought once in the hour before 2011-12-09 12:50:30 UTC. Without that, it would drop out"
        + " of your top 10 new picks, to #14 instead of #4 among 480 candidates.",
        EN.trend(1, Duration.ofHours(1), at("2011-12-09T12:50:30Z"), 4, 14, 480, 10, true));
  }

  /**
   * The stores count purchases at whole seconds s before as_of rounded up to the second: with an
   * as_of of 12:50:12.345 (a SubmitFeedback purchase stamped now) a purchase at 12:50:12 is
   * counted. Before, the text said "before 2011-12-09 12:50:12 UTC", dropping the fraction, so it
   * left out a purchase it counted.
   */
  @Test
  void trend_countedUpToAFractionOfASecond_namesTheSecondItCountedUpTo() {
    assertSays("Popular lately: bought 60 times in the 14 days before 2011-12-09 12:50:13 UTC. Without that, it would "
        + "rank #9 instead of #4 among 50 candidates.",
        "近期热销：2011-12-09 12:50:13 UTC 之前的 14 天内被购买 60 次。如果不计这一热度，它会在 50 个候选商品中从第 4 位降到第 9 位。",
        texts -> texts.trend(60, Duration.ofDays(14), at("2011-12-09T12:50:12.345Z"), 4, 9, 50, 10, false));
    assertEquals("Popular lately: bought 60 times in the 14 days before 2011-12-09 12:51 UTC. Without that, it would "
        + "rank #9 instead of #4 among 50 candidates.",
        EN.trend(60, Duration.ofDays(14), at("2011-12-09T12:50:59.5Z"), 4, 9, 50, 10, false));
  }

  @Test
  void countsOfOne_areSaidInWords_inEnglish() {
    assertEquals("Popular lately: bought once in the last day. Without that, it would rank #9 instead of #4 among 50 "
        + "candidates.", EN.trend(1, Duration.ofDays(1), 4, 9, 50, 10, false));
    assertEquals("Popular lately: bought 2 times in the last hour. Without that, it would rank #9 instead of #4 among 50 "
        + "candidates.", EN.trend(2, Duration.ofHours(1), 4, 9, 50, 10, false));
    assertEquals("近期热销：最近 1 天内被购买 1 次。如果不计这一热度，它会在 50 个候选商品中从第 4 位降到第 9 位。",
        ZH.trend(1, Duration.ofDays(1), 4, 9, 50, 10, false));
    assertEquals("Among the shop's top 10% best-selling items: bought once.", EN.popular(1));
    assertEquals(" The one purchase tried (one of your purchases that lifts it) would not bring it into your top 10 "
        + "new picks.", EN.whyNotAddition(List.of(), 0, 10, new ReasonTexts.AdditionsTried(0, 0, 1, 0), true));
    assertEquals(" No purchase was tried: the model knows no item bought together with it, finds none with a similar "
        + "title, and none of your purchases lifts it.", EN.whyNotAddition(List.of(), 0, 10, NOTHING_TRIED, true));
    assertEquals("没有尝试任何购买：模型不认识任何和它一起被买过的商品，也找不到标题相近的商品，您买过的商品中也没有提升它的。",
        ZH.whyNotAddition(List.of(), 0, 10, NOTHING_TRIED, false));
  }

  @Test
  void trend_emptyWindow_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> EN.trend(1, Duration.ZERO, 1, 5, 10, 3, true));
  }

  @Test
  void whyNotAddition_bothLocales_namesTheAddedItemsAndTheRankOrHowManyWereTried() {
    assertEquals(" Buying A and B would bring it into your top 10 new picks, at #8.",
        EN.whyNotAddition(List.of("A", "B"), 8, 10, TWENTY_AND_PAIRS, true));
    assertEquals(" None of the 20 purchases tried (9 items bought together with it, 6 items with similar titles and"
            + " 5 of your purchases that lift it most), nor any two of the best 5 together, would bring it into your"
            + " top 10 new picks.",
        EN.whyNotAddition(List.of(), 0, 10, TWENTY_AND_PAIRS, true));
    assertEquals(" None of the 2 purchases tried (1 item bought together with it and 1 item with a similar title)"
            + " would bring it into your top 1 new pick.",
        EN.whyNotAddition(List.of(), 0, 1, new ReasonTexts.AdditionsTried(1, 1, 0, 0), true));
    assertEquals(" None of the 3 purchases tried (2 items bought together with it and 1 of your purchases that lifts"
            + " it), nor the best two together, would bring it into your top 10 new picks.",
        EN.whyNotAddition(List.of(), 0, 10, new ReasonTexts.AdditionsTried(2, 0, 1, 2), true));
    assertEquals("如果再购买「A」，它会进入您的前 5 个新推荐，排第 3 位。",
        ZH.whyNotAddition(List.of("A"), 3, 5, TWENTY_AND_PAIRS, true));
    assertEquals("试过的 20 种购买（9 件和它一起被买过的商品、6 件标题相近的商品和 5 件最能提升它的您买过的商品），"
            + "以及其中最好的 5 种中任意两种一起买，都无法让它进入您的前 5 个新推荐。",
        ZH.whyNotAddition(List.of(), 0, 5, TWENTY_AND_PAIRS, true));
    assertEquals("试过的唯一一种购买（一件标题相近的商品）无法让它进入您的前 5 个新推荐。",
        ZH.whyNotAddition(List.of(), 0, 5, new ReasonTexts.AdditionsTried(0, 1, 0, 0), true));
  }

  @Test
  void retrievalTexts_bothLocales_claimNothingAboutTheModel() {
    assertEquals("It has been bought together with A and B, which you bought.", EN.coPurchase(List.of("A", "B"), List.of(), 100));
    assertEquals("它曾和您买过的「A」和「B」被一起购买。", ZH.coPurchase(List.of("A", "B"), List.of(), 100));
    // No title, no reason: "with items you bought" would name a one-purchase shopper's pair.
    assertThrows(IllegalArgumentException.class, () -> EN.coPurchase(List.of(), List.of(), 100));
    assertThrows(IllegalArgumentException.class, () -> ZH.coPurchase(List.of(), List.of(), 100));
    // With the shop's orders holding both, per purchase: of the orders the statistics count, which
    // the text names (before, "in 288 orders" where 330 orders held both and 42 were over 100 items).
    assertEquals("It has been bought together with A (in 12 orders of up to 100 different items) and B (in one order"
        + " of up to 100 different items), which you bought.", EN.coPurchase(List.of("A", "B"), List.of(12, 1), 100));
    assertEquals("它曾和您买过的「A」（在 12 笔不超过 100 种商品的订单中）和「B」（在 1 笔不超过 100 种商品的订单中）被一起购买。",
        ZH.coPurchase(List.of("A", "B"), List.of(12, 1), 100));
    // Counts without the size they were counted up to are not stated.
    assertEquals("It has been bought together with A, which you bought.", EN.coPurchase(List.of("A"), List.of(12), 0));
    assertThrows(IllegalArgumentException.class, () -> EN.coPurchase(List.of("A"), List.of(1, 2), 100));
    assertEquals("Among the shop's top 10% best-selling items.", EN.popular(0));
    assertEquals("本店销量前 10% 的商品。", ZH.popular(0));
    assertEquals("Among the shop's top 10% best-selling items: bought 1969 times.", EN.popular(1969));
    assertEquals("本店销量前 10% 的商品：已被购买 1969 次。", ZH.popular(1969));
  }

  @Test
  void sales_bothLocales_stateThePurchasesAndNoPopularity() {
    assertSays("It has been bought once in this shop.", "它在本店已被购买 1 次。", texts -> texts.sales(1));
    assertEquals("It has been bought 3 times in this shop.", EN.sales(3));
    assertSays("It has been bought 1234567 times in this shop.", "它在本店已被购买 1234567 次。",
        texts -> texts.sales(1_234_567));
    assertSays("It has been bought in this shop.", "它在本店被购买过。", texts -> texts.sales(0));
  }

  @Test
  void buyAgain_bothLocales_stateOrdersAndTheLastPurchaseDayOnly() {
    assertSays("You bought this in 4 of your 9 orders, most recently on 2011-11-20.",
        "您的 9 笔订单中有 4 笔买过它，最近一次在 2011-11-20。",
        texts -> texts.buyAgain(4, 9, LocalDate.of(2011, 11, 20), false));
    assertEquals("You bought this in 1200 of your 1500 orders, most recently on 2011-01-02.",
        EN.buyAgain(1200, 1500, LocalDate.of(2011, 1, 2), false));
    // Counts of the latest orders only (the store keeps the newest part of a long record).
    assertSays("You bought this in 9 of your last 36 orders, most recently on 2011-12-08.",
        "您最近的 36 笔订单中有 9 笔买过它，最近一次在 2011-12-08。",
        texts -> texts.buyAgain(9, 36, LocalDate.of(2011, 12, 8), true));
  }

  @Test
  void newcomer_bothLocales_sayTheModelDidNotRankIt() {
    assertSays("New in the shop: the model has not learned this item yet, so it did not rank it;"
        + " it is shown because of what it was bought with.",
        "新上架：模型还没有学过这件商品，所以没有为它排序；推荐它是因为它和下面的商品被一起购买。", ReasonTexts::newcomer);
  }

  @Test
  void buyAgain_moreOrdersWithTheItemThanOrders_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> EN.buyAgain(3, 2, LocalDate.EPOCH, false));
    assertThrows(IllegalArgumentException.class, () -> EN.buyAgain(0, 2, LocalDate.EPOCH, false));
  }

  @Test
  void texts_doNotDependOnTheJvmDefaultLocale() {
    Locale before = Locale.getDefault();
    try {
      Locale.setDefault(Locale.GERMANY);
      assertEquals("Because you bought A: without it, it would rank #1200 instead of #1 among 1500 candidates.",
          EN.history(new ReasonTexts.HistoryClaim(List.of("A"), 1, 1200, 1500, 10, false, false, 0, 0)));
    } finally {
      Locale.setDefault(before);
    }
  }

  @Test
  void whatIfMove_saysHowTheScoreMoved_andNamesTheDriverThatPointsThatWay_orSaysNoneDoes() {
    assertEquals("Down from #2 to #5 among 480 candidates. Its score fell from 9.100 to 8.250. Of the removed "
            + "purchases, TEAPOT had added the most to its score: put back alone, its score would be 8.700.",
        EN.whatIfMove(2, 5, 480, 9.1f, 8.25f, credit(ReasonTexts.Driver.REMOVED_HELPED, "TEAPOT", 3, 8.7f)));
    // The rank rose though the score fell (the others fell more): the driver speaks of the score.
    assertEquals("Up from #35 to #1 among 500 candidates. Its score fell from 8.691 to 7.889. Of the removed "
            + "purchases, TEAPOT had added the most to its score: put back alone, its score would be 8.500.",
        EN.whatIfMove(35, 1, 500, 8.691f, 7.889f, credit(ReasonTexts.Driver.REMOVED_HELPED, "TEAPOT", 2, 8.5f)));
    assertEquals("Up from #5 to #2 among 480 candidates. Its score rose from 8.000 to 8.500. Undoing any one "
            + "of the changes alone would not move its score back: they move it together.",
        EN.whatIfMove(5, 2, 480, 8f, 8.5f, ReasonTexts.Credit.none(2)));
    assertEquals("在 480 个候选商品中从第 5 位升到第 2 位。它的得分从 8.000 升至 8.500。单独撤销其中任何一项改动都"
            + "不会让它的得分退回：是这些改动一起使它变化。",
        ZH.whatIfMove(5, 2, 480, 8f, 8.5f, ReasonTexts.Credit.none(2)));
    assertEquals("Still #3 among 480 candidates.", EN.whatIfMove(3, 3, 480, 7f, 7f, null));
  }

  @Test
  void whatIfMove_statesTheScoreThatUndoingTheCreditedChangeAloneGave_asThatChangeIsUndone() {
    assertEquals("Up from #9 to #4 among 499 candidates. Its score rose from 8.000 to 8.500. Of the added "
            + "purchases, TEAPOT adds the most to its score: without it alone, its score would be 8.123.",
        EN.whatIfMove(9, 4, 499, 8f, 8.5f, credit(ReasonTexts.Driver.ADDED_HELPS, "TEAPOT", 2, 8.1234f)));
    assertEquals("Up from #5 to #2 among 500 candidates. Its score rose from 22.605 to 23.242. The removed "
            + "purchase, TEAPOT, had held it back: put back alone, its score would be 22.267.",
        EN.whatIfMove(5, 2, 500, 22.605f, 23.242f, credit(ReasonTexts.Driver.REMOVED_HELD_BACK, "TEAPOT", 1, 22.267f)));
    // Moved to the latest (removed and added): undone, it is back where it was, not left out.
    assertEquals(" The added purchase, TEAPOT, adds to its score: with only its move undone, its score would be "
            + "21.278.", EN.whatIfMove(9, 4, 499, 21.278f, 21.326f,
            new ReasonTexts.Credit(ReasonTexts.Driver.ADDED_HELPS, "TEAPOT", 1, true, 21.278f))
        .substring("Up from #9 to #4 among 499 candidates. Its score rose from 21.278 to 21.326.".length()));
    assertTrue(ZH.whatIfMove(5, 2, 500, 22.605f, 23.242f,
            credit(ReasonTexts.Driver.REMOVED_HELD_BACK, "茶壶", 1, 22.267f))
        .endsWith("去掉的「茶壶」原先对它的得分有拖累：单独把它放回，它的得分将是 22.267。"));
    assertTrue(ZH.whatIfMove(9, 4, 499, 8f, 8.5f, credit(ReasonTexts.Driver.ADDED_HELPS, "茶壶", 2, 8.1234f))
        .endsWith("在新加入的商品中，「茶壶」对它的得分贡献最大：单独去掉它，它的得分将是 8.123。"));
    assertTrue(ZH.whatIfMove(9, 4, 499, 21.278f, 21.326f,
            new ReasonTexts.Credit(ReasonTexts.Driver.ADDED_HELPS, "茶壶", 1, true, 21.278f))
        .endsWith("新加入的「茶壶」对它的得分有正向贡献：只把它放回原来的位置，它的得分将是 21.278。"));
  }

  @Test
  void whatIfMove_theOnlyChange_statesNoUndoneScore_asThatIsTheScoreBefore() {
    assertEquals("Still #1 among 500 candidates. Its score fell from 9.845 to 9.709. The removed purchase, "
            + "ICE CREAM PEN LIP GLOSS, had added to its score.",
        EN.whatIfMove(1, 1, 500, 9.845f, 9.709f,
            credit(ReasonTexts.Driver.REMOVED_HELPED, "ICE CREAM PEN LIP GLOSS", 1, null)));
    assertTrue(EN.whatIfMove(4, 2, 500, 8f, 8.5f, credit(ReasonTexts.Driver.REMOVED_HELD_BACK, "TEAPOT", 1, null))
        .endsWith("8.500. The removed purchase, TEAPOT, had held it back."));
    assertTrue(EN.whatIfMove(9, 4, 499, 8f, 8.5f, credit(ReasonTexts.Driver.ADDED_HELPS, "TEAPOT", 1, null))
        .endsWith("8.500. The added purchase, TEAPOT, adds to its score."));
    assertTrue(EN.whatIfMove(4, 9, 499, 8.5f, 8f,
            new ReasonTexts.Credit(ReasonTexts.Driver.ADDED_HOLDS_BACK, "TEAPOT", 1, true, null))
        .endsWith("8.000. The added purchase, TEAPOT, holds it back."));
    assertTrue(ZH.whatIfMove(1, 1, 500, 9.845f, 9.709f, credit(ReasonTexts.Driver.REMOVED_HELPED, "茶壶", 1, null))
        .endsWith("9.709。去掉的「茶壶」原先对它的得分有正向贡献。"));
    assertTrue(ZH.whatIfMove(4, 2, 500, 8f, 8.5f, credit(ReasonTexts.Driver.REMOVED_HELD_BACK, "茶壶", 1, null))
        .endsWith("8.500。去掉的「茶壶」原先对它的得分有拖累。"));
    assertTrue(ZH.whatIfMove(9, 4, 499, 8f, 8.5f, credit(ReasonTexts.Driver.ADDED_HELPS, "茶壶", 1, null))
        .endsWith("8.500。新加入的「茶壶」对它的得分有正向贡献。"));
    assertTrue(ZH.whatIfMove(4, 9, 499, 8.5f, 8f, credit(ReasonTexts.Driver.ADDED_HOLDS_BACK, "茶壶", 1, null))
        .endsWith("8.000。新加入的「茶壶」对它的得分有拖累。"));
  }

  @Test
  void whatIfMove_oneChangedPurchase_isNotTheMostOfOne() {
    assertEquals("Still #1 among 500 candidates. Its score fell from 9.845 to 9.709. The removed purchase, "
            + "ICE CREAM PEN LIP GLOSS, had added to its score: put back alone, its score would be 9.800.",
        EN.whatIfMove(1, 1, 500, 9.845f, 9.709f,
            credit(ReasonTexts.Driver.REMOVED_HELPED, "ICE CREAM PEN LIP GLOSS", 1, 9.800f)));
    assertEquals("Up from #9 to #4 among 499 candidates. Its score rose from 8.000 to 8.500. The added purchase, "
            + "TEAPOT, adds to its score: without it alone, its score would be 8.100.",
        EN.whatIfMove(9, 4, 499, 8f, 8.5f, credit(ReasonTexts.Driver.ADDED_HELPS, "TEAPOT", 1, 8.1f)));
    assertEquals(" The added purchase, TEAPOT, holds it back: without it alone, its score would be 8.400.",
        EN.whatIfMove(4, 9, 499, 8.5f, 8f, credit(ReasonTexts.Driver.ADDED_HOLDS_BACK, "TEAPOT", 1, 8.4f))
            .substring("Down from #4 to #9 among 499 candidates. Its score fell from 8.500 to 8.000.".length()));
    assertTrue(EN.whatIfMove(4, 2, 500, 8f, 8.5f, credit(ReasonTexts.Driver.REMOVED_HELD_BACK, "TEAPOT", 1, 8.1f))
        .endsWith(" The removed purchase, TEAPOT, had held it back: put back alone, its score would be 8.100."));
    assertTrue(EN.whatIfMove(5, 2, 499, 8f, 8.5f, ReasonTexts.Credit.none(1))
        .endsWith(" Undoing the change alone would not move its score back."));
    assertTrue(ZH.whatIfMove(1, 1, 500, 9.845f, 9.709f, credit(ReasonTexts.Driver.REMOVED_HELPED, "茶壶", 1, 9.8f))
        .endsWith("去掉的「茶壶」原先对它的得分有正向贡献：单独把它放回，它的得分将是 9.800。"));
    assertTrue(ZH.whatIfMove(5, 2, 499, 8f, 8.5f, ReasonTexts.Credit.none(1))
        .endsWith("单独撤销这项改动不会让它的得分退回。"));
  }

  @Test
  void credit_namingAPurchase_needsItsTitle_andOnlyAnAddedOneIsMoved() {
    assertThrows(NullPointerException.class, () -> credit(ReasonTexts.Driver.REMOVED_HELPED, null, 2, 8f));
    assertThrows(IllegalArgumentException.class,
        () -> new ReasonTexts.Credit(ReasonTexts.Driver.REMOVED_HELD_BACK, "TEAPOT", 1, true, 8f));
    assertEquals(ReasonTexts.Driver.ADDED_HELPS, ReasonTexts.Driver.ofScoreChange(true, -0.5f));
    assertEquals(ReasonTexts.Driver.REMOVED_HELD_BACK, ReasonTexts.Driver.ofScoreChange(false, 0.5f));
  }

  /** A credit of a purchase that was only removed or only added. */
  private static ReasonTexts.Credit credit(ReasonTexts.Driver driver, String title, int changed, Float scoreUndone) {
    return new ReasonTexts.Credit(driver, title, changed, false, scoreUndone);
  }

  @Test
  void driver_changedOfItsKind_countsTheAddedOrTheRemovedOrAll() {
    assertEquals(2, ReasonTexts.Driver.ADDED_HELPS.changedOfItsKind(2, 5));
    assertEquals(2, ReasonTexts.Driver.ADDED_HOLDS_BACK.changedOfItsKind(2, 5));
    assertEquals(5, ReasonTexts.Driver.REMOVED_HELPED.changedOfItsKind(2, 5));
    assertEquals(5, ReasonTexts.Driver.REMOVED_HELD_BACK.changedOfItsKind(2, 5));
    assertEquals(7, ReasonTexts.Driver.NONE_POINTS_THAT_WAY.changedOfItsKind(2, 5));
  }

  /** A removal search over a window of 50 purchases. */
  private static ReasonTexts.RemovalSearch searched(
      String heldBackTitle, int heldBackRank, List<String> changeTitles, int changeRank, int maxChanges, int searched) {
    return new ReasonTexts.RemovalSearch(50, heldBackTitle, heldBackRank, changeTitles, changeRank, maxChanges, searched);
  }

  private static String afterHeldBack(String text) {
    return text.substring(text.indexOf(" Leaving"));
  }

  @Test
  void whyNot_noPurchaseTheModelReads_saysSoInsteadOfNoneHoldingItBack() {
    ReasonTexts.RemovalSearch none = ReasonTexts.RemovalSearch.nothingHoldsItBack(0, 3);
    assertEquals("It ranks #37 among 500 candidates, outside your top 10 new picks. You have no purchases the model "
        + "reads, so none holds it back.", EN.whyNot(37, 500, 10, true, none));
    assertEquals("它在 500 个候选商品中排第 37 位，不在您的前 10 个新推荐之内。模型读不到您的任何购买，所以没有哪一件拖累它。",
        ZH.whyNot(37, 500, 10, true, none));
    assertEquals("It ranks #15 among 500 candidates, outside your top 10 new picks. None of your purchases holds it "
        + "back: without any one of them it would rank no higher.",
        EN.whyNot(15, 500, 10, true, ReasonTexts.RemovalSearch.nothingHoldsItBack(12, 3)));
  }

  @Test
  void whyNot_withoutAChangeFound_claimsNothingBeyondThePurchasesSearched() {
    assertEquals("It ranks #15 among 500 candidates, outside your top 10 new picks. Your purchase of A holds it back: "
        + "without it, it would rank #11. Leaving out up to 3 of the 5 purchases that hold it back most would not "
        + "bring it into your top 10 new picks.", EN.whyNot(15, 500, 10, true, searched("A", 11, List.of(), 0, 3, 5)));
    assertEquals("It ranks #15 among 500 candidates, outside your top 10 new picks. Your purchase of A holds it back: "
        + "without it, it would rank #11. Leaving out any or all of the 2 purchases that hold it back would not "
        + "bring it into your top 10 new picks.", EN.whyNot(15, 500, 10, true, searched("A", 11, List.of(), 0, 3, 2)));
    assertEquals(" Leaving out any or all of the 3 purchases that hold it back would not put it within the top 10 of "
        + "them.", afterHeldBack(EN.whyNot(40, 501, 10, false, searched("A", 31, List.of(), 0, 3, 3))));
    assertTrue(ZH.whyNot(15, 500, 10, true, searched("A", 11, List.of(), 0, 3, 3))
        .endsWith("拖累它的 3 件购买，去掉其中任意几件或全部，也无法让它进入您的前 10 个新推荐。"));
    assertEquals("It ranks #15 among 500 candidates, outside your top 10 new picks. Your purchase of A holds it back: "
        + "without it, it would rank #11. No other purchase holds it back.",
        EN.whyNot(15, 500, 10, true, searched("A", 11, List.of(), 0, 3, 1)));
    assertEquals("It ranks #15 among 500 candidates, outside your top 10 new picks. None of your purchases holds it "
        + "back: without any one of them it would rank no higher.",
        EN.whyNot(15, 500, 10, true, ReasonTexts.RemovalSearch.nothingHoldsItBack(50, 3)));
    assertEquals("It ranks #15 among 500 candidates, outside your top 10 new picks. Your purchase of A holds it back: "
        + "without it, it would rank #11. Without A and B, it would enter your top 10 new picks, at #7.",
        EN.whyNot(15, 500, 10, true, searched("A", 11, List.of("A", "B"), 7, 3, 5)));
    assertEquals("它在 500 个候选商品中排第 15 位，不在您的前 10 个新推荐之内。您购买过的「A」拖累了它：如果没有它，它会排第 11 位。"
        + "在最拖累它的 5 件购买中去掉最多 3 件，也无法让它进入您的前 10 个新推荐。",
        ZH.whyNot(15, 500, 10, true, searched("A", 11, List.of(), 0, 3, 5)));
    assertEquals("它在 500 个候选商品中排第 15 位，不在您的前 10 个新推荐之内。您的购买中没有拖累它的：去掉其中任何一件，它的排名都不会更高。",
        ZH.whyNot(15, 500, 10, true, ReasonTexts.RemovalSearch.nothingHoldsItBack(50, 3)));
  }

  @Test
  void whyNot_smallestChangeIsTheStrongestHeldBackPurchase_saysItOnce_inBothLocalesAndVariants() {
    assertEquals("It ranks #11 among 500 candidates, outside your top 10 new picks. Your purchase of A holds it back: "
        + "without it, it would enter your top 10 new picks, at #9.",
        EN.whyNot(11, 500, 10, true, searched("A", 9, List.of("A"), 9, 3, 5)));
    assertEquals("It is not among the 500 items retrieved for you, so Recommend does not rank it. Scored beside them "
        + "without its recent sales, it would be #40 of 501. Your purchase of A holds it back: without it, it would "
        + "be #9, within the top 10 of them.", EN.whyNot(40, 501, 10, false, searched("A", 9, List.of("A"), 9, 3, 5)));
    assertEquals("它在 500 个候选商品中排第 11 位，不在您的前 10 个新推荐之内。您购买过的「A」拖累了它：如果没有它，它会进入您的前 10 个"
        + "新推荐，排第 9 位。", ZH.whyNot(11, 500, 10, true, searched("A", 9, List.of("A"), 9, 3, 5)));
  }

  @Test
  void whyNot_itemNotRetrieved_saysRecommendDoesNotRankIt_andSpeaksOfTheModelsRankingNotOfPicks() {
    assertEquals("It is not among the 500 items retrieved for you, so Recommend does not rank it. Scored beside them "
        + "without its recent sales, it would be #40 of 501. Your purchase of A holds it back: without it, it would "
        + "rank #31. Without A and B, it would be #8, within the top 10 of them.",
        EN.whyNot(40, 501, 10, false, searched("A", 31, List.of("A", "B"), 8, 3, 5)));
    assertEquals("It is not among the 500 items retrieved for you, so Recommend does not rank it. Scored beside them "
        + "without its recent sales, it would be #3 of 501.",
        EN.whyNot(3, 501, 10, false, ReasonTexts.RemovalSearch.nothingHoldsItBack(50, 3)));
    assertEquals(" Leaving out up to 3 of the 4 purchases that hold it back most would not put it within the top 10 of "
        + "them.", afterHeldBack(EN.whyNot(40, 501, 10, false, searched("A", 31, List.of(), 0, 3, 4))));
    assertEquals(" Buying C would make it #9, within the top 10 of them.",
        EN.whyNotAddition(List.of("C"), 9, 10, TWENTY_AND_PAIRS, false));
    assertEquals(" None of the 20 purchases tried (9 items bought together with it, 6 items with similar titles and 5 "
        + "of your purchases that lift it most), nor any two of the best 5 together, would put it within the top 10 "
        + "of them.", EN.whyNotAddition(List.of(), 0, 10, TWENTY_AND_PAIRS, false));
    assertEquals("它不在为您召回的 500 件候选商品之中，所以推荐不会为它排序。不计它的近期销量、与这些商品一起打分，它会在 501 件中排第 40 位。"
        + "如果没有「A」，它会排第 8 位，进入其中的前 10 位。", ZH.whyNot(40, 501, 10, false, searched(null, 0, List.of("A"), 8, 3, 0)));
  }

  @Test
  void whatIfWindowUnchanged_saysWhyEachRemovedPurchaseIsNotRead_inBothLocales() {
    assertEquals("No score moves: without TEAPOT the model reads the same purchases. It reads only your latest 50 "
        + "purchases of items it knows, and TEAPOT was bought before them.",
        EN.whatIfWindowUnchanged(List.of("TEAPOT"), List.of(), 50));
    assertEquals("No score moves: without TEAPOT, MUG and Blue mug the model reads the same purchases. It reads only "
        + "your latest 50 purchases of items it knows, and TEAPOT and MUG were bought before them. It does not know "
        + "Blue mug: it was trained without that item.",
        EN.whatIfWindowUnchanged(List.of("TEAPOT", "MUG"), List.of("Blue mug"), 50));
    assertEquals("No score moves: without Blue mug and Tea the model reads the same purchases. It does not know "
        + "Blue mug and Tea: it was trained without those items.",
        EN.whatIfWindowUnchanged(List.of(), List.of("Blue mug", "Tea"), 3));
    assertEquals("没有任何得分变化：去掉「TEAPOT」和「Blue mug」后，模型读到的购买记录不变。模型只读取您最近 50 次购买中它认识的商品，"
        + "「TEAPOT」是在这些购买之前买的。模型不认识「Blue mug」：训练模型时没有这件商品。",
        ZH.whatIfWindowUnchanged(List.of("TEAPOT"), List.of("Blue mug"), 50));
    assertThrows(IllegalArgumentException.class, () -> EN.whatIfWindowUnchanged(List.of(), List.of(), 50));
  }

  @Test
  void whatIfDriver_saysWhichWayEachShareMovesTheScore() {
    assertEquals(ReasonTexts.Driver.ADDED_HELPS, ReasonTexts.Driver.of(true, 0.2f));
    assertEquals(ReasonTexts.Driver.ADDED_HOLDS_BACK, ReasonTexts.Driver.of(true, -0.2f));
    assertEquals(ReasonTexts.Driver.REMOVED_HELPED, ReasonTexts.Driver.of(false, 0.2f));
    assertEquals(ReasonTexts.Driver.REMOVED_HELD_BACK, ReasonTexts.Driver.of(false, -0.2f));
  }

  @ParameterizedTest
  @ValueSource(strings = {"en-US", "zh-CN"})
  void forLocale_supportedTag_knowsItsTag(String tag) {
    assertEquals(tag, ReasonTexts.forLocale(tag).tag());
    assertTrue(ReasonTexts.SUPPORTED_LOCALES.contains(tag));
    assertFalse(ReasonTexts.forLocale(tag).popular(0).isBlank());
  }

  @ParameterizedTest
  @ValueSource(strings = {"fr-FR", "en", "zh-TW", ""})
  void forLocale_otherTag_isRejected(String tag) {
    assertThrows(IllegalArgumentException.class, () -> ReasonTexts.forLocale(tag));
  }
}
