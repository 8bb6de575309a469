package io.glassbox.explain;

import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.texts.ReasonTexts;
import java.util.List;
import java.util.Map;

/** Writes the Reason messages of an explanation, texts from the shared {@link ReasonTexts}. */
final class ReasonWriter {
  private ReasonWriter() {}

  /** A counterfactually verified history reason. */
  static Reason history(Judgement.Cited cited, Map<String, String> titles, String locale) {
    List<String> evidenceTitles = titlesOf(cited.itemIds(), titles);
    Measurement removal = cited.removal();
    return Reason.newBuilder()
        .setKind(ReasonKind.REASON_KIND_HISTORY)
        .setText(ReasonTexts.forLocale(locale).history(new ReasonTexts.HistoryClaim(evidenceTitles,
            removal.rank(), removal.rankWithout(), cited.rankedCount(), cited.topK(), cited.necessary(),
            cited.sufficient(), cited.othersNecessary(), cited.othersAtLeast(), cited.rankWithNoPurchases())))
        .setLocale(locale)
        .addAllEvidenceItemIds(cited.itemIds())
        .addAllEvidenceTitles(evidenceTitles)
        .setRank(removal.rank())
        .setRankWithoutEvidence(removal.rankWithout())
        .setScoreDrop(removal.scoreDrop())
        .setTopK(cited.topK())
        .setNecessary(cited.necessary())
        .setSufficient(cited.sufficient())
        .setRankWithEvidenceOnly(cited.rankWithEvidenceOnly())
        .setRankedCandidateCount(cited.rankedCount())
        .setOtherNecessaryPurchases(cited.othersNecessary())
        .setOtherNecessaryPurchasesAtLeast(cited.othersAtLeast())
        .setRankWithNoPurchases(cited.rankWithNoPurchases())
        .build();
  }

  /** A counterfactually verified reason on the model's trend term. */
  static Reason trend(TrendCheck.Cited cited, String locale) {
    Measurement removal = cited.removal();
    return Reason.newBuilder()
        .setKind(ReasonKind.REASON_KIND_TREND)
        .setText(ReasonTexts.forLocale(locale).trend(cited.purchases(), cited.window(), cited.asOf(), removal.rank(),
            removal.rankWithout(), cited.rankedCount(), cited.topK(), cited.necessary()))
        .setLocale(locale)
        .setRank(removal.rank())
        .setRankWithoutEvidence(removal.rankWithout())
        .setScoreDrop(removal.scoreDrop())
        .setTopK(cited.topK())
        .setNecessary(cited.necessary())
        .setRankedCandidateCount(cited.rankedCount())
        .setRecentPurchases(cited.purchases())
        .setRecentPurchasesWindow(com.google.protobuf.Duration.newBuilder()
            .setSeconds(cited.window().getSeconds()).setNanos(cited.window().getNano()))
        .build();
  }

  /**
   * A retrieval-statistics reason: bought in the same baskets as {@code viaItemIds}, in
   * {@code sharedOrders} of them each, counting orders of up to {@code maxBasketSize} distinct items
   * (empty, or a size of 0: no counts stated).
   */
  static Reason coPurchase(List<String> viaItemIds, List<Integer> sharedOrders, int maxBasketSize,
      Map<String, String> titles, String locale) {
    List<String> viaTitles = titlesOf(viaItemIds, titles);
    return Reason.newBuilder()
        .setKind(ReasonKind.REASON_KIND_CO_PURCHASE)
        .setText(ReasonTexts.forLocale(locale).coPurchase(viaTitles, sharedOrders, maxBasketSize))
        .setLocale(locale)
        .addAllEvidenceItemIds(viaItemIds)
        .addAllEvidenceTitles(viaTitles)
        .build();
  }

  /**
   * A retrieval-statistics reason for an item found among the shop's most bought: one of its
   * best sellers when {@code bestSeller}, else only how often it was bought.
   */
  static Reason popular(long purchases, boolean bestSeller, String locale) {
    ReasonTexts texts = ReasonTexts.forLocale(locale);
    return Reason.newBuilder()
        .setKind(bestSeller ? ReasonKind.REASON_KIND_POPULAR : ReasonKind.REASON_KIND_SALES)
        .setText(bestSeller ? texts.popular(purchases) : texts.sales(purchases))
        .setLocale(locale)
        .build();
  }

  private static List<String> titlesOf(List<String> itemIds, Map<String, String> titles) {
    return itemIds.stream().map(id -> titles.getOrDefault(id, id)).toList();
  }
}
