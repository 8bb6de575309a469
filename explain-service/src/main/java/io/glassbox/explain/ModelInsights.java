package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.DriverPair;
import io.glassbox.api.v1.GetModelInsightsRequest;
import io.glassbox.api.v1.GetModelInsightsResponse;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.RecencyBucket;
import io.glassbox.server.RequestChecks;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;

/**
 * Global explanations over a sample of users: each user's top-k is ranked as the gateway ranks
 * it and explained as Explain explains it; then contribution by recency, the most frequent
 * (purchase -> recommendation) citations and how often reasons are necessary and sufficient
 * are aggregated.
 *
 * <p>Background work, which yields to serving: at most {@link ExplainConfig#insightsConcurrency}
 * calls run at once (one more is refused), and each scores through a
 * {@link ModelClient#background} client, in small Score calls one at a time.
 */
@Singleton
public final class ModelInsights {
  /** The most customers one GetModelInsights call may name. */
  public static final int MAX_USERS = 500;
  static final int DEFAULT_TOP_K = 10;
  static final int MAX_TOP_K = 50;
  static final int DEFAULT_PAIRS = 20;
  /** The most pairs one GetModelInsights call may ask for. */
  public static final int MAX_PAIRS = 100;
  /** The record and candidates read per user, as the gateway reads them. */
  static final int RECORD_EVENTS = 200;
  static final int CANDIDATES = 500;

  private final UserDataClient users;
  private final ModelClient model;
  private final CounterfactualScorer scorer;
  private final CatalogueClient catalogue;
  private final ExplainConfig config;
  /** One permit per call that may run at once. */
  private final Semaphore slots;

  @Inject
  ModelInsights(UserDataClient users, ModelClient model, CatalogueClient catalogue, ExplainConfig config) {
    this.users = requireNonNull(users, "users");
    this.model = requireNonNull(model, "model").background();
    this.scorer = new CounterfactualScorer(this.model);
    this.catalogue = requireNonNull(catalogue, "catalogue");
    this.config = requireNonNull(config, "config");
    this.slots = new Semaphore(config.insightsConcurrency());
  }

  /** A validated GetModelInsights request. */
  record Query(List<String> userIds, int topK, int maxPairs) {}

  /** Validates a request; INVALID_ARGUMENT naming the field. */
  static Query read(GetModelInsightsRequest request) {
    RequestChecks.requireCount("user_ids", request.getUserIdsCount(), 1, MAX_USERS);
    RequestChecks.requireIds("user_ids", request.getUserIdsList());
    return new Query(List.copyOf(new LinkedHashSet<>(request.getUserIdsList())),
        RequestChecks.limitOrDefault("top_k", request.getTopK(), DEFAULT_TOP_K, MAX_TOP_K),
        RequestChecks.limitOrDefault("max_pairs", request.getMaxPairs(), DEFAULT_PAIRS, MAX_PAIRS));
  }

  /**
   * A call the service does not run, which is no fault: RESOURCE_EXHAUSTED because the most insight
   * calls allowed already run (the caller's to retry later), or FAILED_PRECONDITION because insights
   * are off ({@link ExplainConfig#INSIGHTS_OFF}). A dependency's status is a plain StatusRuntimeException.
   */
  static final class AdmissionRefusedException extends StatusRuntimeException {
    private static final long serialVersionUID = 1L;

    AdmissionRefusedException(Status status) {
      super(status);
    }
  }

  /**
   * The insights; RESOURCE_EXHAUSTED when as many calls run as the configured concurrency allows,
   * FAILED_PRECONDITION when insights are off.
   */
  GetModelInsightsResponse insights(Query query) {
    if (!config.insightsServed()) {
      throw new AdmissionRefusedException(Status.FAILED_PRECONDITION.withDescription(ExplainConfig.INSIGHTS_OFF));
    }
    if (!slots.tryAcquire()) {
      int limit = config.insightsConcurrency();
      throw new AdmissionRefusedException(Status.RESOURCE_EXHAUSTED.withDescription((limit == 1
          ? "1 GetModelInsights call is" : limit + " GetModelInsights calls are") + " running, the most "
          + ExplainConfig.INSIGHTS_CONCURRENCY_KEY
          + " allows at once (insights are background work and yield to serving); retry later"));
    }
    try {
      return insightsHoldingASlot(query);
    } finally {
      slots.release();
    }
  }

  private GetModelInsightsResponse insightsHoldingASlot(Query query) {
    Tally tally = new Tally();
    EvidenceSearch search = new EvidenceSearch(
        new MinimumEffect(query.topK(), config.minRankDrop()), ExplainRequestReader.DEFAULT_EVIDENCE_ITEMS);
    // Ranked as the gateway ranks: with recent purchases over the model's trend window. The
    // version that told the window is pinned, ours: a swap before the first Score (perhaps to
    // another window) is the model changing while answering, not the caller's to see.
    ModelClient.ServedModel served = model.servedModel();
    Optional<com.google.protobuf.Duration> trendWindow = served.window();
    ModelVersionPin pin = ModelVersionPin.NONE.orAnswered(served.version());
    for (String userId : query.userIds()) {
      explainUser(userId, query.topK(), search, tally, pin, trendWindow);
    }
    return tally.toProto(query, pin.version().orElse(""), trendWindow, catalogue);
  }

  /** Explains one user's top-k into {@code tally}, every Score call pinned to {@code pin}. */
  private void explainUser(
      String userId, int topK, EvidenceSearch search, Tally tally, ModelVersionPin pin,
      Optional<com.google.protobuf.Duration> trendWindow) {
    List<String> record = users.record(userId, RECORD_EVENTS);
    if (record.isEmpty()) {
      return;
    }
    UserDataClient.Retrieval retrieved = users.candidates(userId, CANDIDATES, record, trendWindow);
    List<String> candidates = retrieved.eligible().stream().map(Candidate::getItemId).toList();
    if (candidates.isEmpty()) {
      return;
    }
    RecentPurchases recent = retrieved.recent(trendWindow);
    ModelClient.DetailedRows scored = model.scoreWithContributions(List.of(record), candidates, recent, pin);
    ModelClient.DetailedRow row = scored.rows().get(0);
    if (row.window().isEmpty() || row.scores().isEmpty()) {
      return;
    }
    List<String> ranked = SlateOrder.bestFirst(row.scores(), candidates);
    List<String> top = SlateOrder.top(ranked, topK);
    CounterfactualScorer.Session session = scorer.session(record, ranked, recent, pin);
    List<Judgement> judgements = search.search(top, row.window(), session);
    List<Optional<TrendCheck.Cited>> trends = TrendCheck.check(top, session, search.rule());
    tally.users++;
    List<String> window = row.window();
    for (int t = 0; t < top.size(); t++) {
      String item = top.get(t);
      tally.items++;
      List<Float> contribution = row.contributions().get(item);
      for (int i = 0; contribution != null && i < window.size(); i++) {
        tally.recency(window.size() - i).add(contribution.get(i));
      }
      tally.withRecentPurchases += recent.count(item) > 0 ? 1 : 0;
      Optional<TrendCheck.Cited> trend = trends.get(t);
      trend.ifPresent(cited -> {
        tally.trendCited++;
        tally.trendNecessary += cited.necessary() ? 1 : 0;
      });
      // As Explain cites it: beside a necessary trend reason, only a necessary purchase set.
      Judgement judgement = judgements.get(t).citedBeside(trend);
      boolean history = judgement instanceof Judgement.Cited;
      tally.anyModelReason += history || trend.isPresent() ? 1 : 0;
      if (judgement instanceof Judgement.Cited cited) {
        tally.cited++;
        tally.necessary += cited.necessary() ? 1 : 0;
        tally.sufficient += cited.sufficient() ? 1 : 0;
        tally.sufficientWithNoPurchases += cited.sufficient() && cited.inTopKWithNoPurchases() ? 1 : 0;
        tally.evidenceItems += cited.itemIds().size();
        if (cited.necessary() && cited.itemIds().size() == 1) {
          tally.singleNecessary++;
          tally.singleNecessaryWithOthers += cited.othersNecessary() > 0 ? 1 : 0;
          tally.othersNecessary += cited.othersNecessary();
        }
        for (String evidence : cited.itemIds()) {
          tally.recency(window.size() - window.lastIndexOf(evidence)).cited++;
          tally.citedTotal++;
          tally.pairs.merge(List.of(evidence, item), 1, Integer::sum);
          tally.drivers.merge(evidence, 1, Integer::sum);
        }
      }
    }
  }

  /** Running sums at one recency position. */
  private static final class Position {
    double sum;
    double absSum;
    long count;
    long cited;

    void add(float contribution) {
      sum += contribution;
      absSum += Math.abs(contribution);
      count++;
    }
  }

  /** Everything aggregated over the sample. */
  private static final class Tally {
    int users;
    int items;
    int cited;
    int necessary;
    int sufficient;
    int trendCited;
    int trendNecessary;
    int anyModelReason;
    int withRecentPurchases;
    long evidenceItems;
    long citedTotal;
    int sufficientWithNoPurchases;
    int singleNecessary;
    int singleNecessaryWithOthers;
    long othersNecessary;
    final Map<Integer, Position> recency = new HashMap<>();
    final Map<List<String>, Integer> pairs = new HashMap<>();
    final Map<String, Integer> drivers = new HashMap<>();

    Position recency(int positionFromEnd) {
      return recency.computeIfAbsent(positionFromEnd, p -> new Position());
    }

    GetModelInsightsResponse toProto(
        Query query, String version, Optional<com.google.protobuf.Duration> trendWindow, CatalogueClient catalogue) {
      List<Map.Entry<List<String>, Integer>> topPairs = pairs.entrySet().stream()
          .sorted(Map.Entry.<List<String>, Integer>comparingByValue().reversed()
              .thenComparing(e -> String.join("\u0000", e.getKey())))
          .limit(query.maxPairs()).toList();
      List<Map.Entry<String, Integer>> topDrivers = drivers.entrySet().stream()
          .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
          .limit(query.maxPairs()).toList();
      Set<String> ids = new LinkedHashSet<>();
      topPairs.forEach(e -> ids.addAll(e.getKey()));
      topDrivers.forEach(e -> ids.add(e.getKey()));
      Map<String, Item> catalogueItems = catalogue.items(ids);

      GetModelInsightsResponse.Builder response = GetModelInsightsResponse.newBuilder()
          .setUsersSampled(query.userIds().size())
          .setUsersExplained(users)
          .setItemsExplained(items)
          .setModelReasonCoverage(ratio(cited, items))
          .setNecessaryRate(ratio(necessary, cited))
          .setSufficientRate(ratio(sufficient, cited))
          .setMeanEvidenceSize(ratio(evidenceItems, cited))
          .setTrendReasonCoverage(ratio(trendCited, items))
          .setTrendNecessaryRate(ratio(trendNecessary, trendCited))
          .setAnyModelReasonCoverage(ratio(anyModelReason, items))
          .setItemsWithRecentPurchases(withRecentPurchases)
          .setSingleNecessaryReasons(singleNecessary)
          .setSingleNecessaryWithOthers(singleNecessaryWithOthers)
          .setMeanOtherNecessaryPurchases(ratio(othersNecessary, singleNecessary))
          .setSufficientWithNoPurchases(sufficientWithNoPurchases)
          .setTopK(query.topK())
          .setModelVersion(version);
      trendWindow.ifPresent(response::setRecentPurchasesWindow);
      List<Integer> positions = new ArrayList<>(recency.keySet());
      positions.sort(Comparator.naturalOrder());
      for (int position : positions) {
        Position p = recency.get(position);
        response.addRecency(RecencyBucket.newBuilder()
            .setPositionFromEnd(position)
            .setMeanContribution(ratio(p.sum, p.count))
            .setMeanAbsContribution(ratio(p.absSum, p.count))
            .setCitedShare(ratio(p.cited, citedTotal))
            .setCount(p.count));
      }
      topPairs.forEach(e -> response.addTopPairs(DriverPair.newBuilder()
          .setHistoryItem(catalogueItems.get(e.getKey().get(0)))
          .setRecommendedItem(catalogueItems.get(e.getKey().get(1)))
          .setCount(e.getValue())));
      topDrivers.forEach(e -> response.addTopDriverItems(DriverPair.newBuilder()
          .setHistoryItem(catalogueItems.get(e.getKey()))
          .setCount(e.getValue())));
      return response.build();
    }

    private static double ratio(double a, double b) {
      return b == 0 ? 0 : a / b;
    }
  }
}
