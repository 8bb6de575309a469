package io.glassbox.explain;

import static io.glassbox.server.RequestChecks.invalid;

import io.glassbox.api.v1.ExplainRequest;
import io.glassbox.api.v1.ExplainTarget;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.server.Descriptions;
import io.glassbox.server.RequestChecks;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Validates an ExplainRequest (limits from explain_service.proto) and turns it into an
 * {@link ExplainQuery}. Every violation is INVALID_ARGUMENT naming the field, but for a slate item
 * the user has already bought: FAILED_PRECONDITION, as ExplainItem, WhyNot and WhatIf answer a
 * bought candidate ({@link BoughtCandidates}).
 */
final class ExplainRequestReader {
  static final int MAX_TARGETS = 50;
  static final int MAX_SLATE = 2000;
  static final int MAX_HISTORY = 1000;
  static final int DEFAULT_EVIDENCE_ITEMS = 3;
  static final int MAX_EVIDENCE_ITEMS = 5;
  static final int MAX_TOP_K = 100;

  private ExplainRequestReader() {}

  static ExplainQuery read(ExplainRequest request) {
    RequestChecks.requireCount("targets", request.getTargetsCount(), 1, MAX_TARGETS);
    RequestChecks.requireCount("slate_item_ids", request.getSlateItemIdsCount(), 1, MAX_SLATE);
    RequestChecks.requireIds("slate_item_ids", request.getSlateItemIdsList());
    RequestChecks.requireCount("history_item_ids", request.getHistoryItemIdsCount(), 0, MAX_HISTORY);
    RequestChecks.requireIds("history_item_ids", request.getHistoryItemIdsList());
    RequestChecks.requireCount("record_item_ids", request.getRecordItemIdsCount(), 0, MAX_HISTORY);
    RequestChecks.requireIds("record_item_ids", request.getRecordItemIdsList());
    int topK = RequestChecks.limitOrDefault(
        "top_k", request.getTopK(), request.getTargetsCount(), MAX_TOP_K);
    String locale = RequestChecks.locale("locale", request.getLocale());
    int maxEvidence = RequestChecks.limitOrDefault(
        "max_evidence_items", request.getMaxEvidenceItems(), DEFAULT_EVIDENCE_ITEMS, MAX_EVIDENCE_ITEMS);

    Set<String> slate = new HashSet<>(request.getSlateItemIdsList());
    List<ExplainQuery.Target> targets = new ArrayList<>(request.getTargetsCount());
    for (int i = 0; i < request.getTargetsCount(); i++) {
      targets.add(readTarget("targets[" + i + "]", request.getTargets(i), slate, maxEvidence));
    }
    List<String> record = request.getRecordItemIdsCount() == 0
        ? request.getHistoryItemIdsList() : request.getRecordItemIdsList();
    BoughtCandidates.refuse("slate_item_ids", request.getSlateItemIdsList(),
        request.getRecordItemIdsCount() == 0 ? "history_item_ids" : "record_item_ids", record, "the slate");
    RecentPurchases recent = RecentPurchases.read("slate_recent_purchases", request.getSlateRecentPurchasesList(),
        "recent_purchases_window", request.hasRecentPurchasesWindow()
            ? Optional.of(request.getRecentPurchasesWindow()) : Optional.empty(),
        request.getSlateItemIdsList()).countedUpTo(request.hasRecentPurchasesAsOf()
            ? Optional.of(request.getRecentPurchasesAsOf()) : Optional.empty());
    return new ExplainQuery(
        request.getHistoryItemIdsList(), record, request.getSlateItemIdsList(), targets, locale,
        maxEvidence, ModelVersionPin.ofCaller(request.getModelVersion()), topK, recent);
  }

  private static ExplainQuery.Target readTarget(
      String field, ExplainTarget target, Set<String> slate, int maxEvidence) {
    String itemId = RequestChecks.requireId(field + ".item_id", target.getItemId());
    if (!slate.contains(itemId)) {
      throw invalid(field + ".item_id \"" + Descriptions.truncate(itemId) + "\" is not in slate_item_ids");
    }
    boolean coPurchase = target.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE);
    boolean popular = target.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_POPULAR);
    // The fallback reason rests on a retrieval source: without one an item whose history
    // evidence does not hold up could only get a made-up reason.
    if (!coPurchase && !popular) {
      throw invalid(field + ".sources must name at least one retrieval source "
          + "(RETRIEVAL_SOURCE_CO_PURCHASE or RETRIEVAL_SOURCE_POPULAR)");
    }
    List<String> via = RequestChecks.requireIds(field + ".via_item_ids", target.getViaItemIdsList());
    // A reason cites at most maxEvidence items, retrieval reasons included.
    return ExplainQuery.Target.of(field, target, via, maxEvidence);
  }
}
