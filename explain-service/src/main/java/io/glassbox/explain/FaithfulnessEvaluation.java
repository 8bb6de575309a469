package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.CandidateEvidence;
import io.glassbox.api.v1.ExplainRequest;
import io.glassbox.api.v1.ExplainResponse;
import io.glassbox.api.v1.ExplainServiceGrpc;
import io.glassbox.api.v1.ExplainTarget;
import io.glassbox.api.v1.ItemExplanation;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreRow;
import io.glassbox.api.v1.ScoreRowResult;
import io.glassbox.api.v1.UnknownItemPolicy;
import io.glassbox.server.ModelVersionRefusal;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Measures how faithful history reasons are, on real users, against the running feature, model
 * and explain services: for each user's top-k (ranked as the gateway ranks: every eligible
 * candidate scored on the user's record), the evidence the explain service cites ("ours") is
 * compared with evidence chosen by attention weight and at random, each checked by the same rule
 * ({@link MinimumEffect}) on fresh Score calls. Every number a reason of ours states is re-scored
 * and must match exactly.
 *
 * <p>Per method: coverage (share of top-k items given a model reason), PN@k and PS@k (among the
 * items with a reason: removing the evidence takes the item out of the top-k; the evidence alone
 * keeps it in), F_NS (their harmonic mean), mean evidence size, and a deletion curve (share of
 * top-k items still in the top-k after removing the first 1..5 history items in the method's
 * order of importance). For the trend term: the share of items our explanations give a trend
 * reason, and its PN@k (re-scored with the item's recent purchases set to 0, the item leaves the
 * top-k; every trend reason's stated ranks are re-measured too); and the share of items with any
 * model reason.
 */
public final class FaithfulnessEvaluation {
  /** Methods compared, in table order. */
  public enum Method { OURS, ATTENTION, RANDOM }

  static final int DELETION_STEPS = 5;

  private final UserDataClient users;
  private final ModelServiceGrpc.ModelServiceBlockingStub model;
  private final ModelClient modelClient;
  private final ExplainServiceGrpc.ExplainServiceBlockingStub explain;
  private final CounterfactualScorer scorer;
  private final Settings settings;

  /**
   * What to evaluate.
   *
   * @param topK the k of the top-k (items explained per user)
   * @param historyEvents events read per user (the record), as the gateway reads them
   * @param candidateCount candidates retrieved per user
   * @param maxEvidence most evidence items per reason
   * @param minRankDrop the explain service's minimum rank drop (for the baselines' rule)
   * @param seed seed of the random baseline
   * @param minCitedOrders the fewest orders holding both items of a "bought together" pair that a
   *     reason may cite, as the gateway serves (its GLASSBOX_GATEWAY_MIN_CITED_ORDERS, default 3):
   *     the targets are sent only the via items the gateway would send, so the reasons explained
   *     are those a shopper reads
   */
  public record Settings(
      int topK, int historyEvents, int candidateCount, int maxEvidence, int minRankDrop, long seed,
      int minCitedOrders) {
    public static Settings defaults() {
      return new Settings(10, 200, 500, 3, ExplainConfig.DEFAULT_MIN_RANK_DROP, 42, 3);
    }
  }

  public FaithfulnessEvaluation(
      Channel featureChannel, Channel modelChannel, Channel explainChannel, Settings settings) {
    this.users = new UserDataClient(featureChannel, Duration.ofSeconds(30));
    this.model = ModelServiceGrpc.newBlockingStub(modelChannel);
    this.explain = ExplainServiceGrpc.newBlockingStub(explainChannel);
    this.modelClient = new ModelClient(modelChannel, Duration.ofSeconds(30));
    this.scorer = new CounterfactualScorer(modelClient);
    this.settings = requireNonNull(settings, "settings");
  }

  /** Evaluates the given users (those with an empty record or no ranked candidate are skipped). */
  public Report run(List<String> userIds) {
    Random random = new Random(settings.seed());
    // Ranked as the gateway ranks: with recent purchases over the model's trend window. One model
    // for the whole run: the version that told the window ranks, explains and re-scores every
    // user, pinned as a caller pins it, so that a swap fails the run instead of mixing two models.
    ModelClient.ServedModel served = modelClient.servedModel();
    Report report = new Report(settings.topK(), served.modelName(), served.version());
    ModelVersionPin pin = ModelVersionPin.ofCaller(served.version());
    Optional<com.google.protobuf.Duration> trendWindow = served.window();
    report.trendTerm = trendWindow.isPresent();
    for (String userId : userIds) {
      List<String> record = users.record(userId, settings.historyEvents());
      if (record.isEmpty()) {
        continue;
      }
      UserDataClient.Retrieval retrieved = users.candidates(userId, settings.candidateCount(), record, trendWindow);
      if (retrieved.eligible().isEmpty()) {
        continue;
      }
      try {
        evaluateUser(record, retrieved, report, random, trendWindow, pin);
      } catch (StatusRuntimeException e) {
        throw abortedIfModelSwapped(e, report.model());
      }
    }
    return report;
  }

  /**
   * ABORTED saying the model changed during the run, naming the model it started with
   * ({@code startedWith}, as the report's first line names it), when
   * {@code failure} is the model service refusing the pinned version (FAILED_PRECONDITION marked
   * as such, {@link ModelVersionRefusal}: from a Score call or, passed on by the explain service,
   * an Explain call); else {@code failure}. The mark, not the code, tells it: the model service
   * also answers FAILED_PRECONDITION for a trend window other than the version's own (its
   * metadata reloaded with another), which is not a swap and keeps its own words; the model
   * service marks only a FAILED_PRECONDITION, and only a pinned version's refusal. The feature
   * service's calls, which carry no pin, are made outside.
   *
   * <p>The version now served is not named: only the refusal's free text says it, and asking
   * GetModelInfo again could find yet another version, or fail; the next run's report names the
   * version it measures on its first line.
   */
  private static StatusRuntimeException abortedIfModelSwapped(
      StatusRuntimeException failure, String startedWith) {
    if (!ModelVersionRefusal.isMarked(failure)) {
      return failure;
    }
    return Status.ABORTED.withCause(failure)
        .withDescription("the model changed during the evaluation: the model service stopped serving " + startedWith
            + ", the version it started with, so its figures would mix two models; run it again")
        .asRuntimeException();
  }

  private void evaluateUser(List<String> record, UserDataClient.Retrieval retrieved, Report report, Random random,
                            Optional<com.google.protobuf.Duration> trendWindow, ModelVersionPin pin) {
    List<Candidate> eligible = retrieved.eligible();
    RecentPurchases recent = retrieved.recent(trendWindow);
    List<String> eligibleIds = eligible.stream().map(Candidate::getItemId).toList();
    ScoreRow.Builder scoreRow = ScoreRow.newBuilder().addAllHistoryItemIds(record).addAllCandidateItemIds(eligibleIds);
    scoreRow.addAllCandidateRecentPurchases(recent.countsOf(eligibleIds));
    ScoreRequest.Builder scoreRequest = ScoreRequest.newBuilder()
        .addRows(scoreRow)
        .setIncludeAttention(true)
        .setUnknownItems(UnknownItemPolicy.UNKNOWN_ITEM_POLICY_SKIP);
    recent.addWindowTo(scoreRequest);
    pin.version().ifPresent(scoreRequest::setModelVersion);
    ScoreRowResult row = model.withDeadlineAfter(30, TimeUnit.SECONDS).score(scoreRequest.build()).getRows(0);
    List<String> window = row.getHistoryItemIdsList();
    if (window.isEmpty()) {
      return;
    }
    Map<String, Candidate> byId = new HashMap<>();
    eligible.forEach(c -> byId.put(c.getItemId(), c));
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < row.getCandidateItemIdsCount(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparingDouble((Integer i) -> row.getScores(i)).reversed());
    List<String> ranked = order.stream().map(row::getCandidateItemIds).toList();
    int k = Math.min(settings.topK(), ranked.size());
    List<String> top = ranked.subList(0, k);

    ExplainRequest.Builder request = ExplainRequest.newBuilder()
        .addAllHistoryItemIds(window).addAllRecordItemIds(record).addAllSlateItemIds(ranked)
        .setTopK(settings.topK()).setMaxEvidenceItems(settings.maxEvidence());
    pin.version().ifPresent(request::setModelVersion);
    if (recent.window().isPresent()) {
      ranked.forEach(id -> request.addSlateRecentPurchases(recent.count(id)));
      request.setRecentPurchasesWindow(recent.window().get());
      // As the gateway asks: the end of the half-open window the counts cover, which a trend reason names.
      retrieved.asOf().ifPresent(request::setRecentPurchasesAsOf);
    }
    for (String item : top) {
      ExplainTarget.Builder target = ExplainTarget.newBuilder().setItemId(item)
          .addAllSources(byId.get(item).getSourcesList())
          .setViaMaxBasketSize(byId.get(item).getViaMaxBasketSize())
          .setPurchases(byId.get(item).getPurchases())
          .setBestSeller(byId.get(item).getBestSeller());
      addCitablePairs(target, byId.get(item), settings.minCitedOrders());
      request.addTargets(target);
    }
    long start = System.nanoTime();
    ExplainResponse ours = explain.withDeadlineAfter(30, TimeUnit.SECONDS).explain(request.build());
    report.explainNanos.add(System.nanoTime() - start);

    CounterfactualScorer.Session session = scorer.session(record, ranked, recent, pin);
    session.score(EvidenceSearch.leaveOneOut(window));
    EvidenceSearch search = new EvidenceSearch(
        new MinimumEffect(settings.topK(), settings.minRankDrop()), settings.maxEvidence());
    List<String> distinctWindow = List.copyOf(new LinkedHashSet<>(window));

    Map<Method, List<List<String>>> orderings = new LinkedHashMap<>();
    Map<Method, List<Optional<List<String>>>> cited = new LinkedHashMap<>();
    for (Method method : Method.values()) {
      orderings.put(method, new ArrayList<>());
      cited.put(method, new ArrayList<>());
    }
    Set<Counterfactual> rows = new LinkedHashSet<>();
    List<Map<Method, List<List<String>>>> options = new ArrayList<>();
    for (int t = 0; t < k; t++) {
      String item = top.get(t);
      int candidateIndex = order.get(t);
      List<String> byLeaveOneOut = new ArrayList<>(
          EvidenceSearch.helpers(item, window, session.scores()).stream().map(EvidenceSearch.Effect::itemId).toList());
      distinctWindow.stream().filter(id -> !byLeaveOneOut.contains(id)).forEach(byLeaveOneOut::add);
      List<String> byAttention = byAttention(window, row.getEvidence(candidateIndex));
      List<String> shuffled = new ArrayList<>(distinctWindow);
      Collections.shuffle(shuffled, random);
      orderings.get(Method.OURS).add(byLeaveOneOut);
      orderings.get(Method.ATTENTION).add(byAttention);
      orderings.get(Method.RANDOM).add(shuffled);

      Map<Method, List<List<String>>> forItem = new LinkedHashMap<>();
      forItem.put(Method.ATTENTION, search.prefixes(byAttention));
      forItem.put(Method.RANDOM, search.prefixes(shuffled));
      ItemExplanation explanation = ours.getExplanations(t);
      Optional<Reason> reason = explanation.getReasonsList().stream()
          .filter(r -> r.getKind() == ReasonKind.REASON_KIND_HISTORY).findFirst();
      forItem.put(Method.OURS, reason.map(r -> List.of(List.copyOf(r.getEvidenceItemIdsList()))).orElse(List.of()));
      options.add(forItem);
      for (List<List<String>> methodOptions : forItem.values()) {
        rows.addAll(EvidenceSearch.removalRows(methodOptions));
        methodOptions.forEach(o -> rows.add(EvidenceSearch.sufficiencyRow(o)));
      }
      for (List<String> ordering : List.of(byLeaveOneOut, byAttention, shuffled)) {
        for (int j = 1; j <= Math.min(DELETION_STEPS, ordering.size()); j++) {
          rows.add(Counterfactual.without(ordering.subList(0, j)));
        }
      }
    }
    // The record reduced to nothing: sufficiency that no purchases at all would also give is vacuous.
    rows.add(Counterfactual.NO_PURCHASES);
    session.score(List.copyOf(rows));
    CounterfactualScores scores = session.scores();
    checkTrendReasons(top, ours, session, report);
    report.users++;
    for (int t = 0; t < k; t++) {
      String item = top.get(t);
      report.items++;
      if (ours.getExplanations(t).getReasonsList().stream().anyMatch(r -> r.getKind() == ReasonKind.REASON_KIND_HISTORY
          || r.getKind() == ReasonKind.REASON_KIND_TREND)) {
        report.itemsWithModelReason++;
      }
      for (Method method : Method.values()) {
        MethodTally tally = report.tallies.get(method);
        List<List<String>> forMethod = options.get(t).get(method);
        // The baselines' evidence obeys the same rule as ours: beside a necessary trend reason
        // only necessary history evidence is cited (re-checked by checkTrendReasons).
        Judgement judgement = method == Method.OURS
            ? checkOurs(item, ours.getExplanations(t), window, scores, search, report)
            : search.choose(item, forMethod, scores)
                .map(e -> search.judge(item, e, scores))
                .orElseGet(Judgement.NotCited::new)
                .citedBeside(hasNecessaryTrend(ours.getExplanations(t)));
        if (judgement instanceof Judgement.Cited c) {
          tally.cited++;
          tally.evidenceItems += c.itemIds().size();
          tally.necessary += c.necessary() ? 1 : 0;
          tally.sufficient += c.sufficient() ? 1 : 0;
          tally.sufficientBeyondNone += c.sufficient() && !c.inTopKWithNoPurchases() ? 1 : 0;
        }
        List<String> ordering = orderings.get(method).get(t);
        for (int j = 0; j <= DELETION_STEPS; j++) {
          Counterfactual edit = j == 0 ? Counterfactual.BASELINE
              : Counterfactual.without(ordering.subList(0, Math.min(j, ordering.size())));
          int rank = scores.rank(item, edit).orElse(Integer.MAX_VALUE);
          tally.stillInTopK[j] += rank <= settings.topK() ? 1 : 0;
        }
      }
    }
  }

  /**
   * Re-scores every trend reason of ours on the full record with the item's recent purchases set
   * to 0 (one batch): counts the items with one, those whose trend term is necessary (the item
   * leaves the top-k without it: PN@k), and any stated rank or necessity that differs.
   */
  private void checkTrendReasons(
      List<String> top, ExplainResponse ours, CounterfactualScorer.Session session, Report report) {
    List<String> items = new ArrayList<>();
    List<Reason> reasons = new ArrayList<>();
    for (int t = 0; t < top.size(); t++) {
      Optional<Reason> trend = ours.getExplanations(t).getReasonsList().stream()
          .filter(r -> r.getKind() == ReasonKind.REASON_KIND_TREND).findFirst();
      if (trend.isPresent()) {
        items.add(top.get(t));
        reasons.add(trend.get());
      }
    }
    if (items.isEmpty()) {
      return;
    }
    List<Map<String, Float>> without = session.scoreRecentVariants(
        items.stream().map(session.recent()::withoutTrendOf).toList());
    CounterfactualScores scores = session.scores();
    for (int i = 0; i < items.size(); i++) {
      String item = items.get(i);
      Reason reason = reasons.get(i);
      int rank = scores.rank(item, Counterfactual.BASELINE).orElseThrow();
      int rankWithout = Measurement.rankOf(without.get(i), item).orElse(Integer.MAX_VALUE);
      boolean necessary = rank <= settings.topK() && rankWithout > settings.topK();
      report.trendReasons++;
      report.trendNecessary += necessary ? 1 : 0;
      report.reasonsChecked++;
      if (reason.getRank() != rank || reason.getRankWithoutEvidence() != rankWithout
          || reason.getNecessary() != necessary || reason.getRecentPurchases() != session.recent().count(item)) {
        report.reasonsMismatched++;
      }
    }
  }

  private static boolean hasNecessaryTrend(ItemExplanation explanation) {
    return explanation.getReasonsList().stream()
        .anyMatch(r -> r.getKind() == ReasonKind.REASON_KIND_TREND && r.getNecessary());
  }

  /**
   * Adds the via items of {@code candidate} that share at least {@code minOrders} orders with it,
   * with their shared orders, as the gateway keeps them (its CitablePairs): all of them at 1; none
   * when the feature service sent no count per via item and the minimum is above 1.
   */
  private static void addCitablePairs(ExplainTarget.Builder target, Candidate candidate, int minOrders) {
    List<Integer> shared = candidate.getViaSharedOrdersList();
    if (minOrders <= 1) {
      target.addAllViaItemIds(candidate.getViaItemIdsList()).addAllViaSharedOrders(shared);
    } else if (shared.size() == candidate.getViaItemIdsCount()) {
      for (int i = 0; i < shared.size(); i++) {
        if (shared.get(i) >= minOrders) {
          target.addViaItemIds(candidate.getViaItemIds(i)).addViaSharedOrders(shared.get(i));
        }
      }
    }
  }

  /**
   * Our reason for the item, every stated number re-measured on fresh rows; counts mismatches.
   * The other purchases each necessary alone are recounted on the leave-one-out rows of every
   * candidate ({@code scores}): a count marked "at least" may be short of them, never over.
   */
  private static Judgement checkOurs(
      String item, ItemExplanation explanation, List<String> window, CounterfactualScores scores,
      EvidenceSearch search, Report report) {
    for (Reason reason : explanation.getReasonsList()) {
      if (reason.getKind() != ReasonKind.REASON_KIND_HISTORY) {
        continue;
      }
      List<String> evidence = reason.getEvidenceItemIdsList();
      Judgement judgement = search.withOthersNecessary(search.judge(item, evidence, scores), item, window, scores);
      report.reasonsChecked++;
      boolean exact = judgement instanceof Judgement.Cited c
          && c.removal().rank() == reason.getRank()
          && c.removal().rankWithout() == reason.getRankWithoutEvidence()
          && c.rankWithEvidenceOnly() == reason.getRankWithEvidenceOnly()
          && c.necessary() == reason.getNecessary()
          && c.sufficient() == reason.getSufficient()
          && c.rankWithNoPurchases() == reason.getRankWithNoPurchases()
          && othersCountHolds(reason, c.othersNecessary())
          && c.rankedCount() == reason.getRankedCandidateCount();
      if (!exact) {
        report.reasonsMismatched++;
      }
      return judgement;
    }
    return new Judgement.NotCited();
  }

  /**
   * Whether the reason's count of other purchases each necessary alone holds against the
   * {@code measured} count on every candidate: a count of 0 states nothing (the text says no
   * more), so it holds whatever was measured (Recommend counts on its shortlist, and marks only a
   * count above 0 "at least"); a count marked "at least" holds when the measured one is as large;
   * any other count must be the measured one.
   */
  static boolean othersCountHolds(Reason reason, int measured) {
    int stated = reason.getOtherNecessaryPurchases();
    if (stated == 0) {
      return true;
    }
    return reason.getOtherNecessaryPurchasesAtLeast() ? stated <= measured : stated == measured;
  }

  /** Distinct window items by the candidate's attention over them (summed over repeats), largest first. */
  private static List<String> byAttention(List<String> window, CandidateEvidence evidence) {
    Map<String, Double> weight = new LinkedHashMap<>();
    for (int i = 0; i < window.size() && i < evidence.getAttentionCount(); i++) {
      weight.merge(window.get(i), (double) evidence.getAttention(i), Double::sum);
    }
    List<String> ids = new ArrayList<>(weight.keySet());
    ids.sort(Comparator.comparingDouble((String id) -> weight.get(id)).reversed());
    return ids;
  }

  /** Counts of one method. */
  static final class MethodTally {
    int cited;
    int necessary;
    int sufficient;
    /** Sufficient while not in the top-k with no purchases at all. */
    int sufficientBeyondNone;
    long evidenceItems;
    final int[] stillInTopK = new int[DELETION_STEPS + 1];
  }

  /** The evaluation's result, and the model it measured. */
  public static final class Report {
    private final int topK;
    private final String modelName;
    private final String modelVersion;
    int users;
    int items;
    int reasonsChecked;
    int reasonsMismatched;
    /** Items whose explanation has any model reason: history evidence or the trend term. */
    int itemsWithModelReason;
    /** Items whose explanation has a trend reason, and of those, whose trend term is necessary. */
    int trendReasons;
    int trendNecessary;
    /** Whether the model has a trend term (else no item can have a trend reason). */
    boolean trendTerm;
    final List<Long> explainNanos = new ArrayList<>();
    final Map<Method, MethodTally> tallies = new LinkedHashMap<>();

    Report(int topK, String modelName, String modelVersion) {
      this.topK = topK;
      this.modelName = requireNonNull(modelName, "modelName");
      this.modelVersion = requireNonNull(modelVersion, "modelVersion");
      for (Method method : Method.values()) {
        tallies.put(method, new MethodTally());
      }
    }

    /** The measured model's name ({@code ModelInfo.model_name}). */
    public String modelName() {
      return modelName;
    }

    /** The measured version, the one every call of the run was pinned to (blank: none named, nothing pinned). */
    public String modelVersion() {
      return modelVersion;
    }

    /**
     * The model's name and version, as the report's first line shows them. A blank one is said so
     * rather than left out: {@code version v1}, not {@code v1}, which could be a model's name.
     */
    String model() {
      String name = modelName.strip();
      String version = modelVersion.strip();
      if (name.isEmpty()) {
        return version.isEmpty() ? "(unnamed, no version)" : "version " + version;
      }
      return version.isEmpty() ? name + " (no version)" : name + " " + version;
    }

    public int users() {
      return users;
    }

    public int items() {
      return items;
    }

    public int reasonsChecked() {
      return reasonsChecked;
    }

    public int reasonsMismatched() {
      return reasonsMismatched;
    }

    /** Share of items whose explanation has any model reason (history evidence or the trend term). */
    public double modelReasonCoverage() {
      return ratio(itemsWithModelReason, items);
    }

    /** Share of items whose explanation has a trend reason. */
    public double trendCoverage() {
      return ratio(trendReasons, items);
    }

    /**
     * Among items with a trend reason: share that leave the top-k when re-scored with their
     * recent purchases set to 0 (PN@k of trend reasons).
     */
    public double trendNecessity() {
      return ratio(trendNecessary, trendReasons);
    }

    /** Share of items given a history reason by {@code method}. */
    public double coverage(Method method) {
      return ratio(tallies.get(method).cited, items);
    }

    public double necessity(Method method) {
      return ratio(tallies.get(method).necessary, tallies.get(method).cited);
    }

    public double sufficiency(Method method) {
      return ratio(tallies.get(method).sufficient, tallies.get(method).cited);
    }

    /**
     * PS counting only evidence whose item is not in the top-k with no purchases at all too: the
     * others are sufficient vacuously (their texts say "but so would no purchases at all").
     */
    public double sufficiencyBeyondNone(Method method) {
      return ratio(tallies.get(method).sufficientBeyondNone, tallies.get(method).cited);
    }

    /** Harmonic mean of PN and PS. */
    public double fns(Method method) {
      double pn = necessity(method);
      double ps = sufficiency(method);
      return pn + ps == 0 ? 0 : 2 * pn * ps / (pn + ps);
    }

    public double meanEvidenceSize(Method method) {
      return ratio(tallies.get(method).evidenceItems, tallies.get(method).cited);
    }

    /** Share of items still in the top-k after removing the method's first {@code j} items. */
    public double stillInTopK(Method method, int j) {
      return ratio(tallies.get(method).stillInTopK[j], items);
    }

    /** Median Explain latency in milliseconds. */
    public double medianExplainMillis() {
      List<Long> sorted = new ArrayList<>(explainNanos);
      Collections.sort(sorted);
      return sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2) / 1e6;
    }

    private static double ratio(double a, double b) {
      return b == 0 ? 0 : a / b;
    }

    /** The table, one line per method, under a line naming the model measured. */
    public String table() {
      StringBuilder out = new StringBuilder();
      out.append(String.format(Locale.ROOT, "model %s%n", model()));
      out.append(String.format(Locale.ROOT,
          "%d users, %d recommended items (top %d); %d of our reasons (history and trend) re-scored, "
              + "%d mismatched; Explain median %.1f ms%n",
          users, items, topK, reasonsChecked, reasonsMismatched, medianExplainMillis()));
      out.append(String.format(Locale.ROOT, "%-22s %14s %7s%n", "our model reasons", "share of items", "PN@" + topK));
      out.append(String.format(Locale.ROOT, "%-22s %14.3f %7.3f%n", "history evidence",
          coverage(Method.OURS), necessity(Method.OURS)));
      out.append(trendTerm
          ? String.format(Locale.ROOT, "%-22s %14.3f %7.3f%n", "trend (count set to 0)", trendCoverage(), trendNecessity())
          : String.format(Locale.ROOT, "%-22s %14s %7s   (the model has no trend term)%n", "trend (count set to 0)",
              "n/a", "n/a"));
      out.append(String.format(Locale.ROOT, "%-22s %14.3f %7s%n", "any model reason",
          modelReasonCoverage(), "-"));
      out.append(String.format(Locale.ROOT, "history evidence by method (same citation rule):%n"));
      out.append(String.format(Locale.ROOT, "%-10s %9s %7s %7s %7s %6s %8s   %s%n", "evidence",
          "coverage", "PN@" + topK, "PS@" + topK, "PS@" + topK + "*", "F_NS", "mean|E|",
          "deletion curve: share still in top " + topK + " after removing 0..5 items"));
      for (Method method : Method.values()) {
        StringBuilder curve = new StringBuilder();
        for (int j = 0; j <= DELETION_STEPS; j++) {
          curve.append(String.format(Locale.ROOT, "%s%.3f", j == 0 ? "" : " ", stillInTopK(method, j)));
        }
        out.append(String.format(Locale.ROOT, "%-10s %9.3f %7.3f %7.3f %7.3f %6.3f %8.2f   %s%n",
            method.name().toLowerCase(Locale.ROOT), coverage(method), necessity(method),
            sufficiency(method), sufficiencyBeyondNone(method), fns(method), meanEvidenceSize(method), curve));
      }
      out.append(String.format(Locale.ROOT, "PS@%d*: sufficient, and not in the top %d with no purchases at all "
          + "(that would keep it there too)%n", topK, topK));
      return out.toString();
    }
  }
}
