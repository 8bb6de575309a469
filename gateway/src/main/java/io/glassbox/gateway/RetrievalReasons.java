package io.glassbox.gateway;

import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.texts.ReasonTexts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reasons that rest on the retrieval statistics alone: used when the explain service could not
 * answer, when the model could not rank, and for a user the store does not know. They cite what
 * the feature service measured (co-purchase with the user's items, best sellers, purchases) and
 * never claim anything about the model, so they carry no rank or score drop.
 */
final class RetrievalReasons {
  private RetrievalReasons() {}

  /** Whether the candidate has a source that {@link #of} can turn into a reason. */
  static boolean canExplain(Candidate candidate) {
    return candidate.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE)
        || candidate.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_POPULAR);
  }

  /**
   * The reasons for one candidate, co-purchase (more specific) before popularity (a best seller,
   * else its purchases); empty for a candidate that {@link #canExplain} rejects (never ranked),
   * and for one found only by co-purchase whose via items none may be cited ({@link
   * CitablePairs}): a co-purchase reason names the items it was bought with, or is not given.
   *
   * @param items display fields by id, for the titles of the via items (an id stands in for a
   *     title the catalogue lacks)
   */
  static List<Reason> of(Candidate candidate, Map<String, Item> items, String locale) {
    ReasonTexts texts = ReasonTexts.forLocale(locale);
    List<Reason> reasons = new ArrayList<>(2);
    if (candidate.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE)
        && candidate.getViaItemIdsCount() > 0) {
      List<String> via = candidate.getViaItemIdsList();
      List<String> titles = new ArrayList<>(via.size());
      for (String id : via) {
        Item item = items.get(id);
        titles.add(item == null || item.getTitle().isEmpty() ? id : item.getTitle());
      }
      reasons.add(Reason.newBuilder()
          .setKind(ReasonKind.REASON_KIND_CO_PURCHASE)
          .setText(texts.coPurchase(titles, candidate.getViaSharedOrdersCount() == via.size()
              ? candidate.getViaSharedOrdersList() : List.of(), candidate.getViaMaxBasketSize()))
          .setLocale(texts.tag())
          .addAllEvidenceItemIds(via)
          .addAllEvidenceTitles(titles)
          .build());
    }
    if (candidate.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_POPULAR)) {
      // Found among the most bought, which in a small shop is every item ever bought: a best
      // seller only by the feature service's rule, else how often it was bought.
      boolean bestSeller = candidate.getBestSeller();
      reasons.add(Reason.newBuilder()
          .setKind(bestSeller ? ReasonKind.REASON_KIND_POPULAR : ReasonKind.REASON_KIND_SALES)
          .setText(bestSeller ? texts.popular(candidate.getPurchases()) : texts.sales(candidate.getPurchases()))
          .setLocale(texts.tag())
          .build());
    }
    return reasons;
  }

  /**
   * The reasons of a newcomer (an item the model does not know, placed by the gateway's rule):
   * first that the model did not rank it, then its retrieval reasons ({@link #of}).
   */
  static List<Reason> ofNewcomer(Candidate candidate, Map<String, Item> items, String locale) {
    ReasonTexts texts = ReasonTexts.forLocale(locale);
    List<Reason> reasons = new ArrayList<>(3);
    reasons.add(Reason.newBuilder()
        .setKind(ReasonKind.REASON_KIND_NEWCOMER)
        .setText(texts.newcomer())
        .setLocale(texts.tag())
        .build());
    reasons.addAll(of(candidate, items, locale));
    return reasons;
  }
}
