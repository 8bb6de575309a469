package io.glassbox.explain;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The message catalogue: every text a reason shows, for each supported locale, in one place.
 * History texts state what the counterfactual measured; retrieval texts state only shop
 * statistics and never claim anything about the model.
 */
final class ReasonTexts {
  /**
   * One locale's phrases. History templates take the joined titles ({@code %1$s}), the rank
   * with the full history ({@code %2$d}), the rank without the evidence ({@code %3$d}), the
   * number of ranked candidates ({@code %4$d}) and the top-k ({@code %5$d}).
   */
  private record Phrases(
      String historyOneItem,
      String historySeveralItems,
      String historyOneItemNecessary,
      String historySeveralItemsNecessary,
      String sufficientOneItem,
      String sufficientSeveralItems,
      String coPurchaseWith,
      String coPurchaseWithHistory,
      String popular,
      String openQuote,
      String closeQuote,
      String listSeparator,
      String lastSeparator) {}

  private static final Map<String, Phrases> PHRASES = Map.of(
      "en-US", new Phrases(
          "Because you bought %1$s: without it, it would rank #%3$d instead of #%2$d among %4$d candidates.",
          "Because you bought %1$s: without them, it would rank #%3$d instead of #%2$d among %4$d candidates.",
          "Because you bought %1$s: without it, it would drop out of your top %5$d, to #%3$d instead of #%2$d among %4$d candidates.",
          "Because you bought %1$s: without them, it would drop out of your top %5$d, to #%3$d instead of #%2$d among %4$d candidates.",
          " That purchase alone would keep it in your top %5$d.",
          " Those purchases alone would keep it in your top %5$d.",
          "Often bought together with %s.",
          "Often bought together with items you bought.",
          "One of the shop's best sellers.",
          "", "", ", ", " and "),
      "zh-CN", new Phrases(
          "因为您购买过%1$s：如果没有它，它会在 %4$d 个候选商品中从第 %2$d 位降到第 %3$d 位。",
          "因为您购买过%1$s：如果没有它们，它会在 %4$d 个候选商品中从第 %2$d 位降到第 %3$d 位。",
          "因为您购买过%1$s：如果没有它，它会跌出您的前 %5$d 名，在 %4$d 个候选商品中从第 %2$d 位降到第 %3$d 位。",
          "因为您购买过%1$s：如果没有它们，它会跌出您的前 %5$d 名，在 %4$d 个候选商品中从第 %2$d 位降到第 %3$d 位。",
          "仅凭这件商品，它也会留在您的前 %5$d 名。",
          "仅凭这些商品，它也会留在您的前 %5$d 名。",
          "经常与%s一起购买。",
          "经常与您购买过的商品一起购买。",
          "本店热销商品。",
          "「", "」", "、", "和"));

  private ReasonTexts() {}

  /**
   * "Because you bought A and B: without them, it would drop out of your top 10, to #27 instead
   * of #3 among 480 candidates. Those purchases alone would keep it in your top 10."
   */
  static String history(String locale, List<String> titles, Judgement.Cited cited) {
    Phrases phrases = phrases(locale);
    boolean one = titles.size() == 1;
    String template = cited.necessary()
        ? (one ? phrases.historyOneItemNecessary() : phrases.historySeveralItemsNecessary())
        : (one ? phrases.historyOneItem() : phrases.historySeveralItems());
    if (cited.sufficient()) {
      template += one ? phrases.sufficientOneItem() : phrases.sufficientSeveralItems();
    }
    Measurement removal = cited.removal();
    return String.format(Locale.ROOT, template, join(phrases, titles), removal.rank(),
        removal.rankWithout(), cited.rankedCount(), cited.topK());
  }

  /** "Often bought together with A and B." or, with no titles, "... with items you bought." */
  static String coPurchase(String locale, List<String> titles) {
    Phrases phrases = phrases(locale);
    return titles.isEmpty()
        ? phrases.coPurchaseWithHistory()
        : String.format(Locale.ROOT, phrases.coPurchaseWith(), join(phrases, titles));
  }

  /** "One of the shop's best sellers." */
  static String popular(String locale) {
    return phrases(locale).popular();
  }

  private static Phrases phrases(String locale) {
    Phrases phrases = PHRASES.get(locale);
    if (phrases == null) {
      throw new IllegalArgumentException("no texts for locale " + locale);
    }
    return phrases;
  }

  /** "A", "A and B", "A, B and C" (quoted as the locale quotes titles). */
  private static String join(Phrases phrases, List<String> titles) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < titles.size(); i++) {
      if (i > 0) {
        text.append(i == titles.size() - 1 ? phrases.lastSeparator() : phrases.listSeparator());
      }
      text.append(phrases.openQuote()).append(titles.get(i)).append(phrases.closeQuote());
    }
    return text.toString();
  }
}
