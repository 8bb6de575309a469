package io.glassbox.gateway;

import static java.util.Objects.requireNonNull;

import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.CandidateEvidence;
import io.glassbox.api.v1.ExplainRequest;
import io.glassbox.api.v1.ExplainTarget;
import io.glassbox.api.v1.RankingDegradedCause;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.ScoreResponse;
import io.glassbox.api.v1.ScoreRowResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The eligible candidates of one request, best first, and how they were ranked.
 *
 * @param ranked candidates, best first
 * @param modelVersion the model version that scored them; empty when {@code rankingDegraded}
 * @param modelHistory the user's history as the model used it, oldest first (after truncation
 *     and dropping items the model does not know); empty when {@code rankingDegraded}
 * @param modelKnowsNoCandidate true when ranked by retrieval score because the model answered but
 *     left out every candidate as unknown (it was not trained on them); {@code rankingDegraded} too
 * @param degradedCause why the model service did not rank (it failed); UNSPECIFIED otherwise
 * @param unknownToModel the eligible candidates the model left out because its vocabulary lacks
 *     them (items that joined the catalogue after it was trained), in retrieval order; empty when
 *     {@code rankingDegraded} (the retrieval ranking holds every eligible candidate)
 * @param historyItemsUnknownToModel how many distinct items of the history sent the model left
 *     out for the same reason; 0 when {@code rankingDegraded}
 */
record RankedSlate(
    List<RankedCandidate> ranked, String modelVersion, List<String> modelHistory,
    boolean modelKnowsNoCandidate, RankingDegradedCause degradedCause,
    List<Candidate> unknownToModel,
    int historyItemsUnknownToModel) {

  /** How Recommend breaks a tie in score: the better retrieval score first (sorts are stable: then retrieval order). */
  private static final Comparator<Candidate> TIE_ORDER =
      Comparator.comparingDouble(Candidate::getRetrievalScore).reversed();

  /** Higher score first; ties go to the better retrieval score, then to retrieval order. */
  private static final Comparator<RankedCandidate> BEST_FIRST =
      Comparator.comparingDouble(RankedCandidate::score).reversed()
          .thenComparing(RankedCandidate::candidate, TIE_ORDER);

  RankedSlate {
    ranked = List.copyOf(ranked);
    requireNonNull(modelVersion, "modelVersion");
    modelHistory = List.copyOf(modelHistory);
    unknownToModel = List.copyOf(unknownToModel);
  }

  /** Nothing ranked (no eligible candidate). */
  static RankedSlate empty() {
    return new RankedSlate(List.of(), "", List.of(), false, RankingDegradedCause.RANKING_DEGRADED_CAUSE_UNSPECIFIED,
        List.of(), 0);
  }

  /**
   * The candidates worth ranking, in retrieval order: not already in the user's history, each id
   * once, and with at least one known retrieval source (a candidate without one could not be given
   * an honest reason); each with only the via items a reason may cite, those sharing at least
   * {@code minCitedOrders} orders with it ({@link CitablePairs}).
   */
  static List<Candidate> eligible(List<Candidate> candidates, Collection<String> historyItemIds, int minCitedOrders) {
    Set<String> history = new HashSet<>(historyItemIds);
    Set<String> seen = new HashSet<>();
    List<Candidate> eligible = new ArrayList<>();
    for (Candidate candidate : candidates) {
      if (RetrievalReasons.canExplain(candidate)
          && !history.contains(candidate.getItemId())
          && seen.add(candidate.getItemId())) {
        eligible.add(CitablePairs.of(candidate, minCitedOrders));
      }
    }
    return eligible;
  }

  /**
   * {@code candidates} (in retrieval order) in the order Recommend breaks ties in score: what
   * ExplainItem, WhyNot and WhatIf send, so that the explain service, which keeps the caller's order
   * among equal scores, takes the top-k Recommend shows.
   */
  static List<Candidate> inTieOrder(List<Candidate> candidates) {
    return candidates.stream().sorted(TIE_ORDER).toList();
  }

  /** {@code candidates} in at most {@code count} contiguous slices of near-equal size, none empty. */
  static List<List<Candidate>> shards(List<Candidate> candidates, int count) {
    int slices = Math.min(count, candidates.size());
    List<List<Candidate>> shards = new ArrayList<>(slices);
    for (int i = 0; i < slices; i++) {
      shards.add(candidates.subList(i * candidates.size() / slices, (i + 1) * candidates.size() / slices));
    }
    return shards;
  }

  /**
   * Ranks by the model's scores over the answers of the shards the candidates were scored in
   * ({@code shards}: the eligible candidates in retrieval order, sliced; {@code responses}: each
   * slice's answer, aligned; one row each, scored with the SKIP policy). A candidate's score does
   * not depend on the other candidates of its call, so the ranking is the one a single call would
   * give. Candidates the model left out (unknown to its vocabulary) have no model score and are
   * not ranked: they are kept aside ({@link #unknownToModel}), for the newcomer places.
   *
   * @throws MixedShardsException if the shards were answered by different model versions (a
   *     rolling update: their scores cannot be compared) or read different histories; one call
   *     of the whole slate would not be
   * @throws NoCandidateKnownException if the model left out every candidate as unknown to it
   * @throws IllegalArgumentException if an answer does not match its request (wrong number of
   *     rows, scores or evidence), so the caller can treat it as a failed model call
   */
  static RankedSlate byModel(List<List<Candidate>> shards, List<ScoreResponse> responses) {
    if (shards.size() != responses.size() || shards.isEmpty()) {
      throw new IllegalArgumentException(responses.size() + " model answers for " + shards.size() + " shards");
    }
    String version = responses.get(0).getModelVersion();
    List<String> history = null;
    int unknownHistory = 0;
    List<RankedCandidate> ranked = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int s = 0; s < shards.size(); s++) {
      ScoreResponse response = responses.get(s);
      if (!response.getModelVersion().equals(version)) {
        throw new MixedShardsException("the candidates' shards were scored by different model versions ("
            + version + ", " + response.getModelVersion() + ")");
      }
      ScoreRowResult row = oneRow(response);
      if (history == null) {
        history = row.getHistoryItemIdsList();
        // Skipped ids are history items or this shard's candidates (never in the history).
        Set<String> candidateIds = new HashSet<>();
        shards.get(s).forEach(candidate -> candidateIds.add(candidate.getItemId()));
        unknownHistory = (int) row.getSkippedItemIdsList().stream()
            .filter(id -> !candidateIds.contains(id)).distinct().count();
      } else if (!history.equals(row.getHistoryItemIdsList())) {
        throw new MixedShardsException("the candidates' shards were scored against different histories");
      }
      addScored(shards.get(s), row, ranked, seen);
    }
    List<Candidate> eligible = shards.stream().flatMap(List::stream).toList();
    if (ranked.isEmpty() && !eligible.isEmpty()) {
      // Nothing scored: the model cannot rank this request, and an empty answer would hide it.
      int skippedCandidates = skippedCandidates(shards, responses);
      if (skippedCandidates == eligible.size()) {
        throw new NoCandidateKnownException("model " + version + " knows none of the " + eligible.size()
            + " candidates (it was not trained on them: another shop's data, or items imported since?)");
      }
      throw new IllegalArgumentException("model scored none of the " + eligible.size() + " candidates, and left out "
          + skippedCandidates + " as unknown");
    }
    ranked.sort(BEST_FIRST);
    List<Candidate> unknown =
        eligible.stream().filter(candidate -> !seen.contains(candidate.getItemId())).toList();
    return new RankedSlate(ranked, version, history, false,
        RankingDegradedCause.RANKING_DEGRADED_CAUSE_UNSPECIFIED, unknown, unknownHistory);
  }

  /** How many of the shards' candidates their answers left out as unknown to the model. */
  private static int skippedCandidates(List<List<Candidate>> shards, List<ScoreResponse> responses) {
    int skipped = 0;
    for (int s = 0; s < shards.size(); s++) {
      Set<String> left = new HashSet<>(oneRow(responses.get(s)).getSkippedItemIdsList());
      skipped += (int) shards.get(s).stream().filter(c -> left.contains(c.getItemId())).count();
    }
    return skipped;
  }

  /** The model answered, and left out every candidate as unknown: it was not trained on them. */
  static final class NoCandidateKnownException extends IllegalArgumentException {
    NoCandidateKnownException(String message) {
      super(message);
    }
  }

  /** Shards scored by different model versions, or against different histories: not comparable. */
  static final class MixedShardsException extends IllegalArgumentException {
    MixedShardsException(String message) {
      super(message);
    }
  }

  private static ScoreRowResult oneRow(ScoreResponse response) {
    if (response.getRowsCount() != 1) {
      throw new IllegalArgumentException(
          "model returned " + response.getRowsCount() + " rows for 1");
    }
    return response.getRows(0);
  }

  /** Adds {@code asked}'s scored candidates from {@code row} to {@code ranked} (each id once). */
  private static void addScored(
      List<Candidate> asked, ScoreRowResult row, List<RankedCandidate> ranked, Set<String> seen) {
    // Ids left out (omit_unchanged_candidate_ids) mean every candidate asked about, in order.
    List<String> ids = row.getCandidateItemIdsCount() == 0 && row.getScoresCount() == asked.size()
        ? asked.stream().map(Candidate::getItemId).toList()
        : row.getCandidateItemIdsList();
    int scored = ids.size();
    if (row.getScoresCount() != scored
        || (row.getEvidenceCount() != 0 && row.getEvidenceCount() != scored)) {
      throw new IllegalArgumentException("model returned " + row.getScoresCount() + " scores and "
          + row.getEvidenceCount() + " evidence rows for " + scored + " candidates");
    }
    Map<String, Candidate> byId = new HashMap<>();
    asked.forEach(candidate -> byId.put(candidate.getItemId(), candidate));
    int historyLength = row.getHistoryItemIdsCount();
    for (int i = 0; i < scored; i++) {
      Candidate candidate = byId.get(ids.get(i));
      if (candidate == null || !seen.add(candidate.getItemId())) {
        continue;
      }
      List<Float> contribution = List.of();
      if (row.getEvidenceCount() == scored) {
        CandidateEvidence evidence = row.getEvidence(i);
        // A misaligned row is useless as evidence; the explain service then asks the model.
        if (evidence.getContributionCount() == historyLength) {
          contribution = evidence.getContributionList();
        }
      }
      ranked.add(new RankedCandidate(candidate, row.getScores(i), contribution));
    }
  }

  /** Ranks by retrieval score: the honest order when the model could not rank, for {@code cause}. */
  static RankedSlate byRetrieval(List<Candidate> eligible, RankingDegradedCause cause) {
    if (cause == RankingDegradedCause.RANKING_DEGRADED_CAUSE_UNSPECIFIED) {
      throw new IllegalArgumentException("a ranking by retrieval needs the cause the model did not rank");
    }
    return byRetrieval(eligible, false, cause);
  }

  /** {@link #byRetrieval}, because the model knows none of {@code eligible}. */
  static RankedSlate byRetrievalNoneKnownToModel(List<Candidate> eligible) {
    return byRetrieval(eligible, true, RankingDegradedCause.RANKING_DEGRADED_CAUSE_UNSPECIFIED);
  }

  private static RankedSlate byRetrieval(
      List<Candidate> eligible, boolean modelKnowsNoCandidate, RankingDegradedCause cause) {
    List<RankedCandidate> ranked = new ArrayList<>(eligible.size());
    for (Candidate candidate : eligible) {
      ranked.add(new RankedCandidate(candidate, candidate.getRetrievalScore(), List.of()));
    }
    ranked.sort(BEST_FIRST);
    return new RankedSlate(ranked, "", List.of(), modelKnowsNoCandidate, cause, List.of(), 0);
  }

  /**
   * True when ranked by retrieval score because the model could not rank: it knows no candidate,
   * or it failed ({@code degradedCause}).
   */
  boolean rankingDegraded() {
    return modelKnowsNoCandidate || degradedCause != RankingDegradedCause.RANKING_DEGRADED_CAUSE_UNSPECIFIED;
  }

  /**
   * The newcomers worth a place: candidates the model does not know that were bought together
   * with the user's recent purchases (a co-purchase reason can say why: it cites a pair), strongest first (the
   * retrieval score: orders shared with the user's recent items; ties keep retrieval order), at
   * most {@code most}.
   */
  List<Candidate> newcomers(int most) {
    return unknownToModel.stream()
        .filter(RankedSlate::mayBeNewcomer)
        .sorted(TIE_ORDER)
        .limit(most)
        .toList();
  }

  /**
   * Whether {@code candidate} takes a newcomer place when the model does not know it: when it was
   * retrieved by co-purchase and has a via item its reason may cite (one left by {@link
   * CitablePairs}: a newcomer placed by this rule must say what it was bought with). The explain
   * service counts Recommend's newcomers by the same rule, from the candidates' sources and via
   * items (its UserRankingQuery.isNewcomer).
   */
  static boolean mayBeNewcomer(Candidate candidate) {
    return candidate.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE)
        && candidate.getViaItemIdsCount() > 0;
  }

  /** The best {@code k} (fewer when there are fewer). */
  List<RankedCandidate> top(int k) {
    return ranked.subList(0, Math.min(k, ranked.size()));
  }

  /**
   * The ids whose display fields the answer needs: the top {@code k} and their via items, and
   * with {@code withHistory} the history the model read (the heatmap's columns).
   */
  List<String> displayItemIds(int k, boolean withHistory) {
    Set<String> ids = new LinkedHashSet<>();
    List<RankedCandidate> top = top(k);
    top.forEach(item -> ids.add(item.itemId()));
    top.forEach(item -> ids.addAll(item.candidate().getViaItemIdsList()));
    if (withHistory) {
      ids.addAll(modelHistory);
    }
    return List.copyOf(ids);
  }

  /**
   * Asks for reasons for the top {@code k}, ranked among the best {@code slateSize} (at least
   * {@code k}, so every target is in the slate; by default every ranked candidate), measured on
   * the user's whole {@code record} (oldest first). With {@code recentWindow} (the model ranked
   * with recent purchases counted over it), each slate item's count goes along, so the
   * explanation re-scores with the same trend term.
   */
  ExplainRequest explainRequest(
      int k, int slateSize, String locale, List<String> record,
      Optional<com.google.protobuf.Duration> recentWindow) {
    ExplainRequest.Builder request = ExplainRequest.newBuilder()
        .addAllHistoryItemIds(modelHistory)
        .addAllRecordItemIds(record)
        .setLocale(locale)
        .setModelVersion(modelVersion)
        .setTopK(k);
    for (RankedCandidate item : top(Math.max(k, slateSize))) {
      request.addSlateItemIds(item.itemId());
      recentWindow.ifPresent(w -> request.addSlateRecentPurchases(item.candidate().getRecentPurchases()));
    }
    recentWindow.ifPresent(request::setRecentPurchasesWindow);
    for (RankedCandidate item : top(k)) {
      request.addTargets(explainTarget(item.candidate()));
    }
    return request.build();
  }

  /**
   * What the explain service needs of a candidate for its retrieval (fallback) reasons: its
   * sources, via items with their shared orders, purchases and whether it is a best seller.
   * Explain and the interactive RPCs both send this.
   */
  static ExplainTarget explainTarget(Candidate candidate) {
    return ExplainTarget.newBuilder()
        .setItemId(candidate.getItemId())
        .addAllSources(candidate.getSourcesList())
        .addAllViaItemIds(candidate.getViaItemIdsList())
        .addAllViaSharedOrders(candidate.getViaSharedOrdersList())
        .setViaMaxBasketSize(candidate.getViaMaxBasketSize())
        .setPurchases(candidate.getPurchases())
        .setBestSeller(candidate.getBestSeller())
        .build();
  }
}
