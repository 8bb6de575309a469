package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import io.glassbox.api.v1.ExplainTarget;
import io.glassbox.api.v1.RetrievalSource;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * A validated Explain request.
 *
 * @param history the user's history as the model saw it (its window), oldest first
 * @param record the user's whole purchase record, oldest first; counterfactual rows edit it
 * @param slate the distinct slate items, best first
 * @param targets the items to explain, in request order
 * @param locale "en-US" or "zh-CN"
 * @param maxEvidenceItems most history items one reason may cite, 1..5
 * @param pin the model version the caller scored with, if it said ({@link ModelVersionPin#NONE} if not)
 * @param topK the k of the top-k the minimum effect, necessity and sufficiency refer to
 * @param recent the slate items' recent purchases the caller scored with (none: no trend term)
 */
record ExplainQuery(
    List<String> history,
    List<String> record,
    List<String> slate,
    List<Target> targets,
    String locale,
    int maxEvidenceItems,
    ModelVersionPin pin,
    int topK,
    RecentPurchases recent) {

  ExplainQuery {
    history = List.copyOf(history);
    record = List.copyOf(record);
    slate = List.copyOf(new LinkedHashSet<>(slate));
    targets = List.copyOf(targets);
    requireNonNull(locale, "locale");
    requireNonNull(pin, "pin");
    requireNonNull(recent, "recent");
  }

  /**
   * One item to explain.
   *
   * @param itemId the item, a member of the slate
   * @param coPurchase whether retrieval found it in baskets with the user's history
   * @param popular whether retrieval found it among the shop's most bought items
   * @param viaItemIds for co-purchase: the history items that led to it
   * @param viaSharedOrders aligned with {@code viaItemIds}: the shop's orders holding both; empty
   *     when the caller sent none
   * @param purchases for popular: the item's purchases in the shop; 0 when the caller sent none
   * @param bestSeller for popular: one of the shop's best sellers (the feature service's rule)
   * @param viaMaxBasketSize the most distinct items of the orders {@code viaSharedOrders} count; 0
   *     when the caller sent none (no counts are stated then)
   */
  record Target(
      String itemId, boolean coPurchase, boolean popular,
      List<String> viaItemIds, List<Integer> viaSharedOrders, long purchases, boolean bestSeller,
      int viaMaxBasketSize) {
    Target {
      requireNonNull(itemId, "itemId");
      viaItemIds = List.copyOf(viaItemIds);
      viaSharedOrders = List.copyOf(viaSharedOrders);
    }

    /**
     * A request's target: its retrieval sources, its distinct via items ({@code via}, the
     * checked ids of its {@code via_item_ids}), at most {@code maxEvidence} (a reason cites no
     * more), each with its shared-order count when the caller sent them (then one per via item,
     * each >= 1), and its purchases (>= 0); INVALID_ARGUMENT naming {@code field} otherwise.
     */
    static Target of(String field, ExplainTarget target, List<String> via, int maxEvidence) {
      boolean coPurchase = target.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE);
      boolean popular = target.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_POPULAR);
      List<Integer> shared = target.getViaSharedOrdersList();
      if (!shared.isEmpty() && (shared.size() != via.size() || shared.stream().anyMatch(n -> n < 1))) {
        throw Status.INVALID_ARGUMENT.withDescription(field + ".via_shared_orders must be empty or one count >= 1 "
            + "per via_item_ids entry, got " + shared.size() + " for " + via.size()).asRuntimeException();
      }
      if (target.getViaMaxBasketSize() < 0) {
        throw Status.INVALID_ARGUMENT.withDescription(field + ".via_max_basket_size must be >= 0, got "
            + target.getViaMaxBasketSize()).asRuntimeException();
      }
      if (target.getPurchases() < 0) {
        throw Status.INVALID_ARGUMENT.withDescription(field + ".purchases must be >= 0, got "
            + target.getPurchases()).asRuntimeException();
      }
      List<String> cited = new ArrayList<>();
      List<Integer> citedShared = new ArrayList<>();
      for (int i = 0; i < via.size() && cited.size() < maxEvidence; i++) {
        if (!cited.contains(via.get(i))) {
          cited.add(via.get(i));
          if (!shared.isEmpty()) {
            citedShared.add(shared.get(i));
          }
        }
      }
      return new Target(target.getItemId(), coPurchase, popular, cited, citedShared, target.getPurchases(),
          target.getBestSeller(), target.getViaMaxBasketSize());
    }
  }
}
