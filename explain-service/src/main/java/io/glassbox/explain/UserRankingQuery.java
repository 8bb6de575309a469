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
 * @param askedTopK the k of the top-k the request asks for, newcomer places included
 * @param maxEvidence most history items one reason may cite
 * @param locale "en-US" or "zh-CN"
 * @param recent the candidates' recent purchases the caller ranked with (none: no trend term)
 * @param askedItemRetrieved the asked item (ExplainItem, WhyNot) is among the caller's own
 *     candidates, the items retrieved for the user; otherwise it was added to be ranked beside them
 * @param newcomerPlaces the most places of the asked top-k that go to newcomers, fewer than
 *     {@code topKWhenNewcomersFill}
 * @param topKWhenNewcomersFill the top-k counted, less the newcomers' places, when they fill the
 *     asked one (the asked one when the caller sent none)
 */
record UserRankingQuery(
    List<String> record,
    List<String> candidates,
    Map<String, ExplainQuery.Target> sources,
    Optional<String> modelVersion,
    int askedTopK,
    int maxEvidence,
    String locale,
    RecentPurchases recent,
    boolean askedItemRetrieved,
    int newcomerPlaces,
    int topKWhenNewcomersFill) {

  UserRankingQuery {
    record = List.copyOf(record);
    candidates = List.copyOf(candidates);
    sources = Map.copyOf(sources);
    requireNonNull(modelVersion, "modelVersion");
    requireNonNull(locale, "locale");
    requireNonNull(recent, "recent");
  }

  /**
   * The k of the top-k the answer counts: the asked one less the newcomer places that newcomers
   * ({@link #isNewcomer}) take, as the caller counts its model places beside its newcomers; when
   * they take every place, {@link #topKWhenNewcomersFill} less theirs (at least 1).
   *
   * @param scored every candidate's score; a candidate the model does not know is absent
   */
  int topK(Map<String, Float> scored) {
    int newcomers = (int) Math.min(newcomerPlaces, candidates.stream().filter(id -> isNewcomer(id, scored)).count());
    int left = askedTopK - newcomers;
    return left > 0 ? left : topKWhenNewcomersFill - newcomers;
  }

  /**
   * Whether candidate {@code id} may take a newcomer place: retrieved by co-purchase and not
   * scored by the model (the gateway's Recommend places by the same rule, RankedSlate.mayBeNewcomer).
   */
  private boolean isNewcomer(String id, Map<String, Float> scored) {
    ExplainQuery.Target target = sources.get(id);
    return target != null && target.coPurchase() && !scored.containsKey(id);
  }
}
