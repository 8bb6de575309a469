package io.glassbox.gateway;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;
import static io.glassbox.gateway.CombinedFutures.allOrFirstFailure;
import static io.glassbox.gateway.CombinedFutures.bothOrFirstFailure;
import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.ExplainRequest;
import io.glassbox.api.v1.ExplainServiceGrpc;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetItemsRequest;
import io.glassbox.api.v1.GetItemsResponse;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.GetUserHistoryResponse;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RetrieveCandidatesResponse;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreResponse;
import io.glassbox.api.v1.ScoreRow;
import io.glassbox.api.v1.UnknownItemPolicy;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Deadline;
import io.glassbox.server.ModelVersionRefusal;
import io.glassbox.server.RequestIds;
import io.glassbox.server.WarningLimiter;
import io.grpc.Status;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The Recommend request path: history and candidates in parallel, model ranking, then reasons
 * and display fields in parallel; degrading honestly when the model or the explain service
 * fails or runs out of its budget (see {@link CallBudget}).
 *
 * <p>Nothing here blocks a thread: each step is a callback on the previous step's future. The
 * callbacks that make calls run attached to the inbound call's {@link Context}, so every outbound
 * call is cancelled with the inbound one, and each carries a deadline derived from the caller's.
 */
final class Recommender {
  private static final Logger log = LoggerFactory.getLogger(Recommender.class);

  private final FeatureServiceGrpc.FeatureServiceFutureStub feature;
  private final ModelServiceGrpc.ModelServiceFutureStub model;
  private final ExplainServiceGrpc.ExplainServiceFutureStub explain;
  private final GatewayConfig config;
  private final Deadline.Ticker ticker;
  private final StageMetrics metrics;
  private final DependencyFailures failures;
  /** Degradations repeat on every request while a dependency is down: one warning a minute each. */
  private final WarningLimiter modelWarnings = new WarningLimiter(DependencyFailures.WARNING_INTERVAL);
  private final WarningLimiter explainWarnings = new WarningLimiter(DependencyFailures.WARNING_INTERVAL);
  /** Shards met mid rolling update: a notice of its own, so that it never holds back a failure's. */
  private final WarningLimiter mixedShardWarnings = new WarningLimiter(DependencyFailures.WARNING_INTERVAL);
  /** A model that knows none of the candidates: every request says so, and must not hold back a failure's. */
  private final WarningLimiter unknownCandidateWarnings = new WarningLimiter(DependencyFailures.WARNING_INTERVAL);
  private final ModelTrendWindow trendWindow;
  private final ShopZoneReader shopZoneReader;

  @Inject
  Recommender(
      @FeatureChannel Channel featureChannel,
      @ModelChannel Channel modelChannel,
      @ExplainChannel Channel explainChannel,
      GatewayConfig config,
      Deadline.Ticker ticker,
      StageMetrics metrics,
      ModelTrendWindow trendWindow,
      DependencyFailures failures,
      ShopZoneReader shopZoneReader) {
    this.feature = FeatureServiceGrpc.newFutureStub(requireNonNull(featureChannel, "featureChannel"));
    this.model = ModelServiceGrpc.newFutureStub(requireNonNull(modelChannel, "modelChannel"));
    this.explain = ExplainServiceGrpc.newFutureStub(requireNonNull(explainChannel, "explainChannel"));
    this.config = requireNonNull(config, "config");
    this.ticker = requireNonNull(ticker, "ticker");
    this.metrics = requireNonNull(metrics, "metrics");
    this.trendWindow = requireNonNull(trendWindow, "trendWindow");
    this.failures = requireNonNull(failures, "failures");
    this.shopZoneReader = requireNonNull(shopZoneReader, "shopZoneReader");
  }

  /** Must be called with the inbound call's context current (as a gRPC handler is). */
  ListenableFuture<RecommendResponse> recommend(RecommendQuery query) {
    Context context = Context.current();
    Request request = new Request(query, context,
        CallBudget.of(context.getDeadline(), config, ticker),
        context.fixedContextExecutor(directExecutor()));
    FeatureServiceGrpc.FeatureServiceFutureStub features =
        feature.withDeadline(request.budget().callerDeadline());
    GetUserHistoryRequest.Builder historyRequest = ModelRecord.request(query.userId(), config.historyEvents());
    // The user's regular items for the buy-again places, counted over their whole record.
    int buyAgainPlaces = query.buyAgainPlaces(config);
    BuyAgain.askForRegularItems(historyRequest, buyAgainPlaces, config);
    ListenableFuture<GetUserHistoryResponse> history = features.getUserHistory(historyRequest.build());
    ListenableFuture<RetrieveCandidatesResponse> candidates =
        features.retrieveCandidates(RecommendCandidates.request(query, config, trendWindow));
    ListenableFuture<Retrieval> retrieval = orFeatureFailure(metrics.time("features",
        bothOrFirstFailure(history, candidates,
            (h, c) -> new Retrieval(h, c, BuyAgain.of(h, buyAgainPlaces, shopZoneReader)))), context);
    return Futures.transformAsync(retrieval, found -> rankAndDescribe(request, found),
        request.inRequest());
  }

  private ListenableFuture<RecommendResponse> rankAndDescribe(Request request, Retrieval found) {
    List<Candidate> eligible = RankedSlate.eligible(
        found.candidates().getCandidatesList(), found.historyItemIds(), config.minCitedOrders());
    log.debug("{} eligible candidates of {}, cold start {}", eligible.size(),
        found.candidates().getCandidatesCount(), found.coldStart());
    if (eligible.isEmpty()) {
      // Nothing to rank; the buy-again items, if any, still need their display fields.
      return describe(request, RankedSlate.empty(), found);
    }
    return Futures.transformAsync(rank(request, found, eligible),
        slate -> describe(request, slate, found), request.inRequest());
  }

  /**
   * The model's ranking, or the retrieval ranking when the model fails or runs out of time. The
   * candidates go in {@link GatewayConfig#scoreShards} calls at once, each with a slice of them
   * and the same history; any shard failing fails the ranking. Shards answered by different
   * model versions (replicas met mid rolling update) are scored again as one call of the whole
   * slate, which one replica answers with one version, within the same deadline.
   */
  private ListenableFuture<RankedSlate> rank(
      Request request, Retrieval found, List<Candidate> eligible) {
    List<List<Candidate>> shards = RankedSlate.shards(eligible, config.scoreShards());
    List<ScoreRequest> requests = shards.stream().map(shard -> scoreRequest(request, found, shard)).toList();
    ModelServiceGrpc.ModelServiceFutureStub scorer = model.withDeadline(request.budget().modelDeadline());
    List<ListenableFuture<ScoreResponse>> calls = requests.stream().map(scorer::score).toList();
    ListenableFuture<RankedSlate> sharded = Futures.transform(
        metrics.time("score", allOrFirstFailure(calls)),
        responses -> RankedSlate.byModel(shards, responses),
        directExecutor());
    ListenableFuture<RankedSlate> byModel = Futures.catchingAsync(sharded, RankedSlate.MixedShardsException.class,
        mixed -> {
          request.warnUnlessGone(mixedShardWarnings, "{} (a rolling update?); scoring the whole slate in one call",
              describe(mixed));
          return Futures.transform(
              metrics.time("score", scorer.score(scoreRequest(request, found, eligible))),
              response -> RankedSlate.byModel(List.of(eligible), List.of(response)),
              directExecutor());
        }, directExecutor());
    return Futures.catching(byModel, Exception.class, failure -> {
      // The other shards' answers are of no use any more.
      calls.forEach(call -> call.cancel(true));
      if (failure instanceof RankedSlate.NoCandidateKnownException) {
        request.warnUnlessGone(unknownCandidateWarnings, "{}; ranking by retrieval score. bin/glassbox train"
            + " trains a model on this data", failure.getMessage());
        return RankedSlate.byRetrievalNoneKnownToModel(eligible);
      }
      request.warnUnlessGone(modelWarnings, "model service failed ({}); ranking by retrieval score",
          describe(failure));
      return RankedSlate.byRetrieval(eligible, DependencyFailures.whyTheModelDidNotRank(failure));
    }, directExecutor());
  }

  /** The ranking Score call of {@code candidates}: one row, the user's history. */
  private static ScoreRequest scoreRequest(Request request, Retrieval found, List<Candidate> candidates) {
    ScoreRow.Builder row = ScoreRow.newBuilder()
        .addAllHistoryItemIds(found.historyItemIds())
        .addAllCandidateItemIds(candidates.stream().map(Candidate::getItemId).toList());
    // Contributions only feed the heatmap a caller asks for (include_contributions): 500
    // candidates x 50 positions is most of the reply otherwise.
    ScoreRequest.Builder scoreRequest = ScoreRequest.newBuilder()
        .setIncludeContribution(request.query().includeContributions())
        .setUnknownItems(UnknownItemPolicy.UNKNOWN_ITEM_POLICY_SKIP)
        .setOmitUnchangedCandidateIds(true);
    if (found.candidates().hasRecentWindow()) {
      candidates.forEach(candidate -> row.addCandidateRecentPurchases(candidate.getRecentPurchases()));
      scoreRequest.setRecentPurchasesWindow(found.candidates().getRecentWindow());
    }
    return scoreRequest.addRows(row).build();
  }

  /** Reasons and display fields for the top items, fetched in parallel. */
  private ListenableFuture<RecommendResponse> describe(
      Request request, RankedSlate slate, Retrieval found) {
    boolean coldStart = found.coldStart();
    RecommendQuery query = request.query();
    BuyAgain buyAgain = found.buyAgain();
    Places places = Places.of(query.limit(), buyAgain, slate.newcomers(query.newcomerSlots(config)));
    Set<String> displayIds = new LinkedHashSet<>(buyAgain.itemIds());
    displayIds.addAll(slate.displayItemIds(places.modelPlaces(), query.includeContributions()));
    for (Candidate newcomer : places.newcomers()) {
      displayIds.add(newcomer.getItemId());
      displayIds.addAll(newcomer.getViaItemIdsList());
    }
    ListenableFuture<Map<String, Item>> items = displayIds.isEmpty()
        ? Futures.immediateFuture(Map.of())
        : orFeatureFailure(Futures.transform(
            metrics.time("items", feature.withDeadline(request.budget().callerDeadline()).getItems(
                GetItemsRequest.newBuilder().addAllItemIds(displayIds).build())),
            Recommender::byId,
            directExecutor()), request.context());
    ListenableFuture<Explanations> explanations = explain(request, slate, found, places.modelPlaces());
    return bothOrFirstFailure(items, explanations,
        (described, explained) -> ResponseAssembler.assemble(slate, places, described,
            explained, coldStart, query.locale(), query.includeContributions()));
  }

  /**
   * Asks the explain service, within its own budget, about the model's picks only: buy-again
   * items and newcomers are placed by rule and have no model reason to verify, and the model's
   * top-k is the {@code modelPlaces} left to it. Not asked when the model could not rank (there
   * is no model evidence to explain), for an unknown user scored without recent purchases (with
   * no history and no trend term the model's score is the item's bias alone, nothing a
   * counterfactual could remove, so the hop is saved), when the caller skips them, nor when no
   * model pick is shown. An unknown user scored with recent purchases is asked about: the trend
   * term may carry the ranking, and that is a model reason to verify.
   */
  private ListenableFuture<Explanations> explain(
      Request request, RankedSlate slate, Retrieval found, int modelPlaces) {
    if (slate.rankingDegraded()) {
      return Futures.immediateFuture(Explanations.failed());
    }
    RecommendQuery query = request.query();
    if (found.nothingForTheModelToExplain() || query.skipModelReasons() || modelPlaces == 0
        || slate.ranked().isEmpty()) {
      return Futures.immediateFuture(Explanations.notAsked());
    }
    ExplainRequest asked = slate.explainRequest(modelPlaces, config.slateSize(), query.locale(),
        found.historyItemIds(), found.recentWindow());
    if (asked.hasRecentPurchasesWindow() && found.candidates().hasAsOf()) {
      // The end of the half-open window the counts cover, which a trend reason names.
      asked = asked.toBuilder().setRecentPurchasesAsOf(found.candidates().getAsOf()).build();
    }
    ListenableFuture<Explanations> explained = Futures.transform(
        metrics.time("explain", explain.withDeadline(request.budget().explainDeadline()).explain(asked)),
        Explanations::from,
        directExecutor());
    return Futures.catching(explained, Exception.class, failure -> {
      if (ModelVersionRefusal.isMarked(failure)) {
        // The model service the explain service asked does not serve the version that ranked (a
        // reload, or a rolling update where replicas serve different versions): it refuses it. With
        // several replicas the version may still serve elsewhere, so the line claims no more.
        request.warnUnlessGone(explainWarnings, "explain service failed ({}): version {}, which ranked, is not"
            + " served by the model service the explain service asked (a reload or a rolling update between ranking"
            + " and explaining); reasons from retrieval sources",
            describe(failure), slate.modelVersion());
      } else {
        request.warnUnlessGone(explainWarnings,
            "explain service failed ({}); reasons from retrieval sources", describe(failure));
      }
      return Explanations.failed();
    }, directExecutor());
  }

  private <T> ListenableFuture<T> orFeatureFailure(ListenableFuture<T> call, Context inbound) {
    return Futures.catching(call, Exception.class, failure -> {
      throw failures.featureFailed(failure, inbound);
    }, RequestIds.directInMdc());
  }

  private static Map<String, Item> byId(GetItemsResponse response) {
    Map<String, Item> items = new HashMap<>();
    response.getItemsList().forEach(item -> items.put(item.getItemId(), item));
    return items;
  }

  private static String describe(Throwable failure) {
    Status status = Status.fromThrowable(failure);
    return status.getCode() == Status.Code.UNKNOWN ? failure.toString() : status.getCode().name();
  }

  /** One request's query, context, deadlines and the executor that runs steps in its context. */
  private record Request(
      RecommendQuery query, Context context, CallBudget budget, Executor inRequest) {
    /**
     * Logs a degradation, unless it only happened because the caller went away or {@code limiter}
     * held it back (then at DEBUG); the next warning that passes counts the ones held back.
     */
    void warnUnlessGone(WarningLimiter limiter, String message, Object... arguments) {
      if (context.isCancelled()) {
        return;
      }
      limiter.log(log, Level.WARN, message, arguments);
    }
  }

  /**
   * What the feature service knows about the user, and the answer's buy-again places.
   *
   * @param historyItemIds the user's recent purchases, oldest first (repeats kept: the model reads
   *     them in order); read once, for the ranking's calls, the eligible candidates and the
   *     explanation
   */
  private record Retrieval(GetUserHistoryResponse history, RetrieveCandidatesResponse candidates,
      BuyAgain buyAgain, List<String> historyItemIds) {
    Retrieval(GetUserHistoryResponse history, RetrieveCandidatesResponse candidates, BuyAgain buyAgain) {
      this(history, candidates, buyAgain, history.getEventsList().stream().map(Event::getItemId).toList());
    }

    /**
     * No purchase of the user that the model reads: unknown, known by clicks, adds to cart or
     * feedback alone, or every purchase turned down since.
     */
    boolean coldStart() {
      return history.getEventsCount() == 0;
    }

    /** A new shopper's items scored without recent purchases: their scores are biases alone. */
    boolean nothingForTheModelToExplain() {
      return coldStart() && recentWindow().isEmpty();
    }

    /**
     * The window the candidates' recent purchases were counted over, when they were (then the
     * model scored them with their counts, and the explanation must too).
     */
    Optional<com.google.protobuf.Duration> recentWindow() {
      return candidates.hasRecentWindow() ? Optional.of(candidates.getRecentWindow()) : Optional.empty();
    }
  }
}
