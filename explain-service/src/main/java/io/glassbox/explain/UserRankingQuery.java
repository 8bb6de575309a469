package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated question about one user's ranking (ExplainItem, WhyNot, WhatIf).
 *
 * @param record the user's purchase record, oldest first
 * @param candidates every candidate to rank, distinct, in request order (the asked item included)
 * @param sources retrieval sources of candidates, by item id (for fallback reasons)
 * @param pin the version the caller pinned, if any ({@link ModelVersionPin#NONE} if not)
 * @param askedTopK the k of the top-k the request asks for (10 when it sent 0)
 * @param maxEvidence most history items one reason may cite
 * @param locale "en-US" or "zh-CN"
 * @param recent the candidates' recent purchases the caller ranked with (none: no trend term)
 * @param askedItemRetrieved the asked item (ExplainItem, WhyNot) is among the caller's own
 *     candidates, the items retrieved for the user; otherwise it was added to be ranked beside them
 * @param defaultAnswer the default Recommend answer the ranking is, whose model picks are the
 *     top-k (then the request's top-k was 0)
 */
record UserRankingQuery(
    List<String> record,
    List<String> candidates,
    Map<String, ExplainQuery.Target> sources,
    ModelVersionPin pin,
    int askedTopK,
    int maxEvidence,
    String locale,
    RecentPurchases recent,
    boolean askedItemRetrieved,
    Optional<AnswerPlaces> defaultAnswer) {

  UserRankingQuery {
    record = List.copyOf(record);
    candidates = List.copyOf(candidates);
    sources = Map.copyOf(sources);
    requireNonNull(pin, "pin");
    requireNonNull(locale, "locale");
    requireNonNull(recent, "recent");
    requireNonNull(defaultAnswer, "defaultAnswer");
  }

  /**
   * The k of the top-k the answer counts: the asked one, or the default answer's model picks beside
   * the candidates that may take its newcomer places ({@link #isNewcomer}).
   *
   * @param scored every candidate's score; a candidate the model does not know is absent
   */
  int topK(Map<String, Float> scored) {
    return defaultAnswer.map(answer -> answer.topK(
        (int) candidates.stream().filter(id -> isNewcomer(id, scored)).count())).orElse(askedTopK);
  }

  /**
   * Whether candidate {@code id} may take a newcomer place: retrieved by co-purchase with a via
   * item its reason may cite (the caller sends only those) and not scored by the model (the
   * gateway's Recommend places by the same rule, RankedSlate.mayBeNewcomer).
   */
  private boolean isNewcomer(String id, Map<String, Float> scored) {
    ExplainQuery.Target target = sources.get(id);
    return target != null && target.coPurchase() && !target.viaItemIds().isEmpty() && !scored.containsKey(id);
  }
}
