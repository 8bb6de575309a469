package io.glassbox.explain;

import static io.glassbox.server.RequestChecks.invalid;

import io.glassbox.api.v1.DefaultAnswer;
import io.glassbox.api.v1.ExplainItemRequest;
import io.glassbox.api.v1.ExplainTarget;
import io.glassbox.api.v1.UserRanking;
import io.glassbox.api.v1.WhatIfRequest;
import io.glassbox.api.v1.WhyNotRequest;
import io.glassbox.server.Descriptions;
import io.glassbox.server.RecommendPlaces;
import io.glassbox.server.RequestChecks;
import io.grpc.Status;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Validates ExplainItem, WhyNot and WhatIf requests (limits from explain_service.proto). Every
 * violation is INVALID_ARGUMENT naming the field, but for an item the user has already bought
 * where the model would have to rank it (asked about, a candidate, or added while a candidate):
 * FAILED_PRECONDITION, as the gateway answers it.
 */
final class InteractiveRequestReader {
  static final int MAX_RECORD = 1000;
  static final int MAX_CANDIDATES = 2000;
  static final int DEFAULT_TOP_K = 10;
  static final int MAX_TOP_K = 100;
  static final int DEFAULT_MAX_CHANGES = 3;
  static final int MAX_CHANGES = 3;
  static final int DEFAULT_MAX_ADDITIONS = 2;
  static final int MAX_ADDITIONS = 2;
  /** WhyNot's highest `min_cited_orders`, the gateway's highest GLASSBOX_GATEWAY_MIN_CITED_ORDERS. */
  static final int MAX_MIN_CITED_ORDERS = 1000;
  static final int MAX_EDITS = 50;

  private InteractiveRequestReader() {}

  /** A validated ExplainItem or WhyNot question: the item and the user's ranking. */
  record ItemQuestion(String itemId, UserRankingQuery ranking) {}

  /** A validated WhatIf question. */
  record WhatIfQuestion(List<String> remove, List<String> add, UserRankingQuery ranking) {}

  static ItemQuestion read(ExplainItemRequest request) {
    String itemId = RequestChecks.requireId("item_id", request.getItemId());
    int maxEvidence = RequestChecks.limitOrDefault("max_evidence_items", request.getMaxEvidenceItems(),
        ExplainRequestReader.DEFAULT_EVIDENCE_ITEMS, ExplainRequestReader.MAX_EVIDENCE_ITEMS);
    UserRankingQuery ranking = ranking(request.getRanking(), List.of(itemId),
        request.getTopK(), maxEvidence, request.getLocale());
    refuseBought(itemId, ranking, request.getRanking());
    return new ItemQuestion(itemId, ranking);
  }

  /**
   * The question, the most history items the search may remove and the most it may add, and the
   * fewest baskets a co-purchase neighbour shares with the item to be tried as one.
   */
  record WhyNotQuestion(ItemQuestion question, int maxChanges, int maxAdditions, int minCitedOrders) {}

  static WhyNotQuestion read(WhyNotRequest request) {
    String itemId = RequestChecks.requireId("item_id", request.getItemId());
    int maxChanges = RequestChecks.limitOrDefault("max_changes", request.getMaxChanges(),
        DEFAULT_MAX_CHANGES, MAX_CHANGES);
    int maxAdditions = RequestChecks.limitOrDefault("max_additions", request.getMaxAdditions(),
        DEFAULT_MAX_ADDITIONS, MAX_ADDITIONS);
    int minCitedOrders = RequestChecks.limitOrDefault("min_cited_orders", request.getMinCitedOrders(),
        1, MAX_MIN_CITED_ORDERS);
    UserRankingQuery ranking = ranking(request.getRanking(), List.of(itemId),
        request.getTopK(), ExplainRequestReader.DEFAULT_EVIDENCE_ITEMS, request.getLocale());
    refuseBought(itemId, ranking, request.getRanking());
    return new WhyNotQuestion(new ItemQuestion(itemId, ranking), maxChanges, maxAdditions, minCitedOrders);
  }

  /**
   * FAILED_PRECONDITION for an asked item in the record: the model ranks only items the user has
   * not bought (it was trained with them masked), so its place among the candidates would explain
   * a ranking Recommend never makes; then for a candidate in the record, as every interactive question.
   */
  private static void refuseBought(String itemId, UserRankingQuery query, UserRanking ranking) {
    if (query.record().contains(itemId)) {
      throw Status.FAILED_PRECONDITION.withDescription("item_id \"" + Descriptions.truncate(itemId)
          + "\" is in ranking.record_item_ids: the model ranks only items the user has not bought, so it has"
          + " no rank to explain (Recommend shows a bought item only by the buy-again rule)").asRuntimeException();
    }
    refuseBoughtCandidates(ranking);
  }

  /** FAILED_PRECONDITION for a candidate in the record ({@link BoughtCandidates}). */
  private static void refuseBoughtCandidates(UserRanking ranking) {
    BoughtCandidates.refuse("ranking.candidate_item_ids", ranking.getCandidateItemIdsList(),
        "ranking.record_item_ids", ranking.getRecordItemIdsList(), "the candidates");
  }

  static WhatIfQuestion read(WhatIfRequest request) {
    RequestChecks.requireCount("remove_item_ids", request.getRemoveItemIdsCount(), 0, MAX_EDITS);
    RequestChecks.requireCount("add_item_ids", request.getAddItemIdsCount(), 0, MAX_EDITS);
    List<String> remove = RequestChecks.requireIds("remove_item_ids", request.getRemoveItemIdsList());
    List<String> add = RequestChecks.requireIds("add_item_ids", request.getAddItemIdsList());
    if (remove.isEmpty() && add.isEmpty()) {
      throw invalid("remove_item_ids and add_item_ids must not both be empty (nothing would change)");
    }
    UserRankingQuery ranking = ranking(request.getRanking(), List.of(), request.getTopK(),
        ExplainRequestReader.DEFAULT_EVIDENCE_ITEMS, request.getLocale());
    Set<String> record = Set.copyOf(ranking.record());
    for (int i = 0; i < remove.size(); i++) {
      if (!record.contains(remove.get(i))) {
        throw invalid("remove_item_ids[" + i + "] \"" + Descriptions.truncate(remove.get(i))
            + "\" is not in ranking.record_item_ids");
      }
    }
    Set<String> candidates = Set.copyOf(ranking.candidates());
    for (int i = 0; i < add.size(); i++) {
      // Each is one purchase bought last, and one change the answer undoes alone: a repeat is neither.
      int first = add.indexOf(add.get(i));
      if (first < i) {
        throw invalid("add_item_ids[" + i + "] \"" + Descriptions.truncate(add.get(i)) + "\" repeats add_item_ids["
            + first + "]: list each added purchase once");
      }
      // Buying a purchase again is a fair question (it becomes the latest; WhyNot's addition search
      // tries such purchases), but not of a candidate: the answer would rank it before the change
      // and say it is "bought now", of an item bought before.
      if (record.contains(add.get(i)) && candidates.contains(add.get(i))) {
        throw Status.FAILED_PRECONDITION.withDescription("add_item_ids[" + i + "] \""
            + Descriptions.truncate(add.get(i)) + "\" is in ranking.record_item_ids and among"
            + " ranking.candidate_item_ids: the model ranks only items the user has not bought, so it has no"
            + " rank before the change; leave it out of the candidates to ask what buying it again does")
            .asRuntimeException();
      }
    }
    refuseBoughtCandidates(request.getRanking());
    return new WhatIfQuestion(List.copyOf(new LinkedHashSet<>(remove)), add, ranking);
  }

  /** The ranking, asked about with the request's {@code topK} (as sent: 0 means the default). */
  private static UserRankingQuery ranking(
      UserRanking ranking, List<String> extraCandidates, int topK, int maxEvidence, String localeTag) {
    int askedTopK = RequestChecks.limitOrDefault("top_k", topK, DEFAULT_TOP_K, MAX_TOP_K);
    RequestChecks.requireCount("ranking.record_item_ids", ranking.getRecordItemIdsCount(), 0, MAX_RECORD);
    RequestChecks.requireIds("ranking.record_item_ids", ranking.getRecordItemIdsList());
    RequestChecks.requireCount(
        "ranking.candidate_item_ids", ranking.getCandidateItemIdsCount(), 1, MAX_CANDIDATES);
    RequestChecks.requireIds("ranking.candidate_item_ids", ranking.getCandidateItemIdsList());
    String locale = RequestChecks.locale("locale", localeTag);
    Set<String> candidates = new LinkedHashSet<>(ranking.getCandidateItemIdsList());
    candidates.addAll(extraCandidates);
    if (candidates.size() > MAX_CANDIDATES) {
      throw invalid("ranking.candidate_item_ids must have 1.." + MAX_CANDIDATES
          + " distinct entries with the asked item, got " + candidates.size());
    }
    Map<String, ExplainQuery.Target> sources = new HashMap<>();
    for (int i = 0; i < ranking.getCandidateSourcesCount(); i++) {
      ExplainTarget target = ranking.getCandidateSources(i);
      String field = "ranking.candidate_sources[" + i + "]";
      String id = RequestChecks.requireId(field + ".item_id", target.getItemId());
      List<String> via = RequestChecks.requireIds(field + ".via_item_ids", target.getViaItemIdsList());
      sources.put(id, ExplainQuery.Target.of(field, target, via, maxEvidence));
    }
    RecentPurchases recent = RecentPurchases.read("ranking.candidate_recent_purchases",
        ranking.getCandidateRecentPurchasesList(), "ranking.recent_purchases_window",
        ranking.hasRecentPurchasesWindow() ? Optional.of(ranking.getRecentPurchasesWindow()) : Optional.empty(),
        ranking.getCandidateItemIdsList()).countedUpTo(ranking.hasRecentPurchasesAsOf()
            ? Optional.of(ranking.getRecentPurchasesAsOf()) : Optional.empty());
    refuseRemovedField(ranking, 7, "newcomer_places");
    refuseRemovedField(ranking, 9, "top_k_when_newcomers_fill");
    Optional<AnswerPlaces> defaultAnswer = defaultAnswer(ranking, topK);
    return new UserRankingQuery(ranking.getRecordItemIdsList(), List.copyOf(candidates), sources,
        ModelVersionPin.ofCaller(ranking.getModelVersion()),
        askedTopK, maxEvidence, locale, recent,
        ranking.getCandidateItemIdsList().containsAll(extraCandidates), defaultAnswer);
  }

  /**
   * Refuses a field of the ranking that an older gateway sent and that is reserved now: parsed as
   * an unknown field, it would be ignored and the top-k counted without the places it gave.
   */
  private static void refuseRemovedField(UserRanking ranking, int number, String name) {
    if (ranking.getUnknownFields().hasField(number)) {
      throw invalid("ranking." + name + " (field " + number + ") was removed: send ranking.default_answer");
    }
  }

  /** The default answer the ranking is, if it says so; the request's {@code topK} must then be 0. */
  private static Optional<AnswerPlaces> defaultAnswer(UserRanking ranking, int topK) {
    if (!ranking.hasDefaultAnswer()) {
      return Optional.empty();
    }
    if (topK != 0) {
      throw invalid("top_k must be 0 when ranking.default_answer is set (the top-k is then its model picks), got "
          + topK);
    }
    DefaultAnswer answer = ranking.getDefaultAnswer();
    int limit = RequestChecks.limitOrDefault("ranking.default_answer.limit", answer.getLimit(),
        RecommendPlaces.DEFAULT_LIMIT, RecommendPlaces.MAX_LIMIT);
    if (answer.getBuyAgainPlaces() < 0 || answer.getBuyAgainPlaces() > limit) {
      throw invalid("ranking.default_answer.buy_again_places must be 0.." + limit
          + " (at most ranking.default_answer.limit), got " + answer.getBuyAgainPlaces());
    }
    if (answer.getNewcomerPlaces() < 0 || answer.getNewcomerPlaces() > RecommendPlaces.MAX_SLOTS) {
      throw invalid("ranking.default_answer.newcomer_places must be 0.." + RecommendPlaces.MAX_SLOTS + ", got "
          + answer.getNewcomerPlaces());
    }
    return Optional.of(new AnswerPlaces(limit, answer.getBuyAgainPlaces(), answer.getNewcomerPlaces()));
  }
}
