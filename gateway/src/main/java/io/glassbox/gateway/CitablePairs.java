package io.glassbox.gateway;

import io.glassbox.api.v1.AdditionSource;
import io.glassbox.api.v1.AdditionTrial;
import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.CoPurchaseNeighbour;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.WhyNotResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one place that decides which "bought together" pairs a reason may cite. A pair held by few
 * orders tells a shopper about other customers' baskets (from one order: that someone else bought
 * both items, as the candidate is never in the shopper's own history), so a via item is kept only
 * when it shares at least {@code minOrders} orders with the candidate
 * ({@link GatewayConfig#minCitedOrders}). Everything after retrieval reads the via items kept
 * here: the gateway's retrieval reasons, the explain service's (it is sent these via items), and
 * the newcomer places (a newcomer is placed for a pair it cites), and the sources an answer shows
 * ({@link #shownSources}). The candidate keeps its sources and retrieval score, so eligibility and
 * the model's ranking do not change.
 */
final class CitablePairs {
  private CitablePairs() {}

  /**
   * {@code candidate} with only the via items it may cite, each with its shared orders; unchanged
   * when {@code minOrders} is 1. With a higher minimum, via items whose shared orders the feature
   * service did not send (one count per via item) cannot be shown to reach it and are all dropped.
   */
  static Candidate of(Candidate candidate, int minOrders) {
    if (minOrders <= 1 || candidate.getViaItemIdsCount() == 0) {
      return candidate;
    }
    List<String> via = candidate.getViaItemIdsList();
    List<Integer> shared = candidate.getViaSharedOrdersList();
    List<String> keptVia = new ArrayList<>(via.size());
    List<Integer> keptShared = new ArrayList<>(via.size());
    if (shared.size() == via.size()) {
      for (int i = 0; i < via.size(); i++) {
        if (shared.get(i) >= minOrders) {
          keptVia.add(via.get(i));
          keptShared.add(shared.get(i));
        }
      }
    }
    if (keptVia.size() == via.size()) {
      return candidate;
    }
    return candidate.toBuilder()
        .clearViaItemIds().addAllViaItemIds(keptVia)
        .clearViaSharedOrders().addAllViaSharedOrders(keptShared)
        .build();
  }

  /**
   * The sources an answer shows for {@code candidate} (as {@link #of} left it): the co-purchase
   * source only when it has a via item it may cite, since that source alone says that other orders
   * held the item with one the shopper bought; empty when co-purchase was its only source.
   */
  static List<RetrievalSource> shownSources(Candidate candidate) {
    if (candidate.getViaItemIdsCount() > 0) {
      return candidate.getSourcesList();
    }
    return candidate.getSourcesList().stream()
        .filter(source -> source != RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE)
        .toList();
  }

  /**
   * The items {@code answer} tries as bought together with the asked item
   * ({@code ADDITION_SOURCE_CO_PURCHASE}), which its text names as such, in its order.
   */
  static Set<String> coPurchaseAdditions(WhyNotResponse answer) {
    Set<String> named = new LinkedHashSet<>();
    for (AdditionTrial trial : answer.getSingleAdditionsList()) {
      if (trial.getSource() == AdditionSource.ADDITION_SOURCE_CO_PURCHASE) {
        named.add(trial.getItemId());
      }
    }
    return named;
  }

  /**
   * Whether {@code answer}'s explain service says it tried as bought together with the asked item
   * only items sharing at least {@code minOrders} orders with it
   * (WhyNotResponse.applied_min_cited_orders). One older than WhyNotRequest.min_cited_orders leaves
   * that 0, so its co-purchase additions are checked ({@link #belowMinimum}).
   */
  static boolean appliedTheMinimum(WhyNotResponse answer, int minOrders) {
    return answer.getAppliedMinCitedOrders() >= minOrders;
  }

  /**
   * Those of {@code named} (a WhyNot answer's co-purchase additions) that do not share at least
   * {@code minOrders} orders with the asked item by its {@code neighbours}
   * (FeatureService.GetCoPurchaseNeighbours): an explain service that ignores
   * WhyNotRequest.min_cited_orders (one older than the gateway) names them. One missing from the
   * neighbours has no count that reaches the minimum, so it is among them, as in {@link #of}.
   */
  static List<String> belowMinimum(Set<String> named, List<CoPurchaseNeighbour> neighbours, int minOrders) {
    Map<String, Integer> shared = new HashMap<>();
    neighbours.forEach(n -> shared.merge(n.getItemId(), n.getSharedBaskets(), Math::max));
    return named.stream().filter(id -> shared.getOrDefault(id, 0) < minOrders).toList();
  }

  /**
   * {@code reasons} (an explain service's, of one item) without the co-purchase reasons that name
   * no pair. The explain service is sent only the via items a reason may cite ({@link #of}), and
   * cites only those; but one older than 2026-12-07 says "It has been bought together with items
   * you bought." of a co-purchase candidate sent with none, which is how the gateway sends one whose
   * pairs are all from fewer orders than the minimum: for a shopper with one purchase that names
   * the pair all the same.
   */
  static List<Reason> namingTheirPairs(List<Reason> reasons) {
    if (reasons.stream().noneMatch(CitablePairs::namesNoPair)) {
      return reasons;
    }
    return reasons.stream().filter(reason -> !namesNoPair(reason)).toList();
  }

  private static boolean namesNoPair(Reason reason) {
    return reason.getKind() == ReasonKind.REASON_KIND_CO_PURCHASE && reason.getEvidenceItemIdsCount() == 0;
  }
}
