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
 * @param modelVersion the version the caller pinned, if any
 * @param topK the k of the top-k
 * @param maxEvidence most history items one reason may cite
 * @param locale "en-US" or "zh-CN"
 * @param recent the candidates' recent purchases the caller ranked with (none: no trend term)
 * @param askedItemRetrieved the asked item (ExplainItem, WhyNot) is among the caller's own
 *     candidates, the items retrieved for the user; otherwise it was added to be ranked beside them
 */
record UserRankingQuery(
    List<String> record,
    List<String> candidates,
    Map<String, ExplainQuery.Target> sources,
    Optional<String> modelVersion,
    int topK,
    int maxEvidence,
    String locale,
    RecentPurchases recent,
    boolean askedItemRetrieved) {

  UserRankingQuery {
    record = List.copyOf(record);
    candidates = List.copyOf(candidates);
    sources = Map.copyOf(sources);
    requireNonNull(modelVersion, "modelVersion");
    requireNonNull(locale, "locale");
    requireNonNull(recent, "recent");
  }
}
