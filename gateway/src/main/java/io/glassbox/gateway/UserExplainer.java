package io.glassbox.gateway;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;
import static io.glassbox.gateway.CombinedFutures.allOrFirstFailure;
import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.DefaultAnswer;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.ExplainItemRequest;
import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.ExplainServiceGrpc;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetCoPurchaseNeighboursRequest;
import io.glassbox.api.v1.GetCoPurchaseNeighboursResponse;
import io.glassbox.api.v1.GetItemsRequest;
import io.glassbox.api.v1.GetItemsResponse;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.GetUserHistoryResponse;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.RetrieveCandidatesResponse;
import io.glassbox.api.v1.TurnedDownItem;
import io.glassbox.api.v1.UserRanking;
import io.glassbox.api.v1.WhatIfRequest;
import io.glassbox.api.v1.WhatIfResponse;
import io.glassbox.api.v1.WhyNotRequest;
import io.glassbox.api.v1.WhyNotResponse;
import io.glassbox.server.Descriptions;
import io.glassbox.server.RequestChecks;
import io.glassbox.server.RequestIds;
import io.glassbox.server.WarningLimiter;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * ExplainItem, WhyNot and WhatIf for a user: reads the user's record and candidates (and checks
 * the asked items against the catalogue) in parallel, then asks the explain service, all under
 * the caller's deadline. Nothing blocks a thread.
 */
final class UserExplainer {
  private static final Logger log = LoggerFactory.getLogger(UserExplainer.class);
  /** The most neighbours GetCoPurchaseNeighbours returns: every one an explain service may have tried. */
  private static final int MAX_NEIGHBOURS = 200;

  /** One WARN a minute while an explain service older than the gateway answers WhyNot. */
  private final WarningLimiter pairMinimumWarnings = new WarningLimiter(DependencyFailures.WARNING_INTERVAL);
  private final FeatureServiceGrpc.FeatureServiceFutureStub feature;
  private final ExplainServiceGrpc.ExplainServiceFutureStub explain;
  private final GatewayConfig config;
  private final Deadline.Ticker ticker;
  private final ModelTrendWindow trendWindow;
  private final DependencyFailures failures;
  private final ShopZoneReader shopZoneReader;
  private final StageMetrics metrics;

  @Inject
  UserExplainer(
      @FeatureChannel Channel featureChannel, @ExplainChannel Channel explainChannel,
      GatewayConfig config, Deadline.Ticker ticker, ModelTrendWindow trendWindow, DependencyFailures failures,
      ShopZoneReader shopZoneReader, StageMetrics metrics) {
    this.feature = FeatureServiceGrpc.newFutureStub(requireNonNull(featureChannel, "featureChannel"));
    this.explain = ExplainServiceGrpc.newFutureStub(requireNonNull(explainChannel, "explainChannel"));
    this.config = requireNonNull(config, "config");
    this.ticker = requireNonNull(ticker, "ticker");
    this.trendWindow = requireNonNull(trendWindow, "trendWindow");
    this.failures = requireNonNull(failures, "failures");
    this.shopZoneReader = requireNonNull(shopZoneReader, "shopZoneReader");
    this.metrics = requireNonNull(metrics, "metrics");
  }

  /** Must be called with the inbound call's context current (as a gRPC handler is). */
  ListenableFuture<ExplainItemResponse> explainItem(UserQuestions.ItemQuestion question) {
    ListenableFuture<ExplainItemResponse> answer = withRanking(question.userId(), "item_id",
        List.of(question.itemId()), question.limit(),
        (stub, ranking, topK) -> stub.explainItem(ExplainItemRequest.newBuilder()
            .setRanking(ranking).setItemId(question.itemId()).setTopK(topK)
            .setLocale(question.locale()).build()));
    return Futures.transform(answer, found -> {
      List<Reason> reasons = CitablePairs.namingTheirPairs(found.getReasonsList());
      return reasons.size() == found.getReasonsCount() ? found
          : found.toBuilder().clearReasons().addAllReasons(reasons).build();
    }, directExecutor());
  }

  /** Must be called with the inbound call's context current. */
  ListenableFuture<WhyNotResponse> whyNot(UserQuestions.ItemQuestion question) {
    Context context = Context.current();
    Deadline deadline = CallBudget.of(context.getDeadline(), config, ticker).callerDeadline();
    ListenableFuture<WhyNotResponse> answer = withRanking(question.userId(), "item_id", List.of(question.itemId()),
        question.limit(), (stub, ranking, topK) -> stub.whyNot(WhyNotRequest.newBuilder()
            .setRanking(ranking).setItemId(question.itemId()).setTopK(topK)
            .setLocale(question.locale()).setMinCitedOrders(config.minCitedOrders()).build()));
    return Futures.transformAsync(answer, found -> citingOnlyCitablePairs(question.itemId(), found, deadline, context),
        context.fixedContextExecutor(directExecutor()));
  }

  /**
   * {@code answer}, once the co-purchase additions it names are checked against the asked item's
   * neighbours: an explain service older than the gateway ignores WhyNotRequest.min_cited_orders
   * (as during an upgrade in the wrong order) and names items bought together with it in fewer
   * orders, which tells the shopper of other customers' baskets. Its text names them too, so the
   * answer cannot be mended here: UNAVAILABLE, which a retry may send to an upgraded replica. The
   * counts cost one GetCoPurchaseNeighbours call, only when the answer names such an item and does
   * not say it applied the minimum ({@link CitablePairs#appliedTheMinimum}; an older explain
   * service says nothing), timed as the {@code neighbours} stage ({@link StageMetrics}). The caller gets the answer without that word, which is the explain
   * service's to the gateway: a checked answer meets the minimum all the same.
   */
  private ListenableFuture<WhyNotResponse> citingOnlyCitablePairs(
      String itemId, WhyNotResponse answer, Deadline deadline, Context context) {
    WhyNotResponse toCaller = answer.toBuilder().clearAppliedMinCitedOrders().build();
    Set<String> named = CitablePairs.coPurchaseAdditions(answer);
    if (config.minCitedOrders() <= 1 || named.isEmpty()
        || CitablePairs.appliedTheMinimum(answer, config.minCitedOrders())) {
      return Futures.immediateFuture(toCaller);
    }
    ListenableFuture<GetCoPurchaseNeighboursResponse> neighbours = Futures.catching(
        metrics.time("neighbours", feature.withDeadline(deadline).getCoPurchaseNeighbours(
            GetCoPurchaseNeighboursRequest.newBuilder().setItemId(itemId).setLimit(MAX_NEIGHBOURS).build())),
        Exception.class, failure -> {
          throw failures.featureFailed(failure, context);
        }, RequestIds.directInMdc());
    return Futures.transform(neighbours, found -> {
      List<String> below = CitablePairs.belowMinimum(named, found.getNeighboursList(), config.minCitedOrders());
      if (below.isEmpty()) {
        return toCaller;
      }
      pairMinimumWarnings.log(log, Level.WARN, "WhyNot answered UNAVAILABLE: the explain service named {} item(s)"
          + " bought together with the asked one in fewer than {} orders (GLASSBOX_GATEWAY_MIN_CITED_ORDERS):"
          + " it ignores WhyNotRequest.min_cited_orders, so it is older than this gateway; upgrade it"
          + " before the gateway", below.size(), config.minCitedOrders());
      throw Status.UNAVAILABLE.withDescription("WhyNot is unavailable: the explain service offered items bought"
          + " together with item_id in fewer orders than this gateway cites (it is being upgraded); retry later")
          .asRuntimeException();
    }, RequestIds.directInMdc());
  }

  /** Must be called with the inbound call's context current. */
  ListenableFuture<WhatIfResponse> whatIf(UserQuestions.WhatIfQuestion question) {
    return withRanking(question.userId(), "add_item_ids", question.add(), question.limit(), (stub, ranking, topK) -> {
      checkRemovalsBought(question, ranking.getRecordItemIdsList(), config.historyEvents());
      return stub.whatIf(WhatIfRequest.newBuilder()
          .setRanking(ranking).addAllRemoveItemIds(question.remove()).addAllAddItemIds(question.add())
          .setTopK(topK).setLocale(question.locale()).build());
    });
  }

  /**
   * INVALID_ARGUMENT, in the caller's own terms, for a removal that is not in the record the
   * what-if changes (the explain service would name its own request's record field, which this
   * caller never sent). A record of {@code eventsRead} events may be the newest part of a longer
   * one: then the message says where the item is missing, not that the user never bought it.
   */
  private static void checkRemovalsBought(UserQuestions.WhatIfQuestion question, List<String> record, int eventsRead) {
    Set<String> bought = new HashSet<>(record);
    String where = record.size() < eventsRead
        ? "the purchase record of user_id \"" + Descriptions.truncate(question.userId()) + "\""
        : "the latest " + eventsRead + " events of user_id \"" + Descriptions.truncate(question.userId())
            + "\", the record a what-if changes (GLASSBOX_GATEWAY_HISTORY_EVENTS)";
    for (int i = 0; i < question.remove().size(); i++) {
      if (!bought.contains(question.remove().get(i))) {
        throw Status.INVALID_ARGUMENT.withDescription("remove_item_ids[" + i + "] \""
            + Descriptions.truncate(question.remove().get(i)) + "\" is not in " + where).asRuntimeException();
      }
    }
  }

  /** One question to the explain service, about {@code ranking} with its top-k. */
  @FunctionalInterface
  private interface Ask<T> {
    ListenableFuture<T> apply(ExplainServiceGrpc.ExplainServiceFutureStub stub, UserRanking ranking, int topK);
  }

  /** The user's ranking, and the top-k the question is about (0 when the ranking is a default answer). */
  private record Found(UserRanking ranking, int topK) {}

  /**
   * Reads the user's ranking (their record, and the candidates a default Recommend of them ranks)
   * and checks {@code catalogueIds} exist, then asks the explain service. A user the store has
   * never seen has an empty record and the popular candidates, as Recommend ranks them. NOT_FOUND
   * for an id the catalogue lacks (named by {@code field}); the explain service's own
   * INVALID_ARGUMENT and NOT_FOUND reach the caller. The top-k is
   * {@code limit}, or, when the caller left it 0, the model picks of a default Recommend answer for
   * the user: the ranking is sent as that answer ({@link #defaultAnswer}) and the explain service,
   * which tells which candidates the model does not know, counts its newcomers, so that the
   * reasons say what Recommend's said.
   */
  private <T> ListenableFuture<T> withRanking(
      String userId, String field, List<String> catalogueIds, OptionalInt limit, Ask<T> ask) {
    Context context = Context.current();
    Executor inRequest = context.fixedContextExecutor(directExecutor());
    Deadline deadline = CallBudget.of(context.getDeadline(), config, ticker).callerDeadline();
    FeatureServiceGrpc.FeatureServiceFutureStub features = feature.withDeadline(deadline);
    // The record Recommend ranks on; and the items turned down and those ever bought (the record
    // may be the newest part of a longer one), which ExplainItem and WhyNot do not rank.
    GetUserHistoryRequest.Builder historyRequest = ModelRecord.request(userId, config.historyEvents())
        .setListTurnedDown(askedItem(field)).setListBoughtItems(askedItem(field));
    RecommendQuery recommend = defaultRecommend(userId);
    if (limit.isEmpty()) {
      BuyAgain.askForRegularItems(historyRequest, recommend.buyAgainPlaces(config), config);
    }
    ListenableFuture<GetUserHistoryResponse> history = features.getUserHistory(historyRequest.build());
    // The candidates a default Recommend ranks (its newcomer places' new items among them, in the
    // places of the weakest others), their recent purchases counted as it counts them: the
    // explanation ranks what Recommend ranks, by the served score.
    ListenableFuture<RetrieveCandidatesResponse> candidates =
        features.retrieveCandidates(RecommendCandidates.request(recommend, config, trendWindow));
    ListenableFuture<GetItemsResponse> items = catalogueIds.isEmpty()
        ? Futures.immediateFuture(GetItemsResponse.getDefaultInstance())
        : features.getItems(GetItemsRequest.newBuilder().addAllItemIds(catalogueIds).build());
    ListenableFuture<?> fetched = allOrFirstFailure(List.of(history, candidates, items));
    ListenableFuture<Found> ranking = Futures.transform(fetched, done -> {
      GetUserHistoryResponse record = Futures.getUnchecked(history);
      UserRanking.Builder found = ranking(userId, field, catalogueIds, record, Futures.getUnchecked(candidates),
          Futures.getUnchecked(items), config.minCitedOrders());
      if (limit.isPresent()) {
        return new Found(found.build(), limit.getAsInt());
      }
      return new Found(found.setDefaultAnswer(defaultAnswer(recommend, record)).build(), 0);
    }, directExecutor());
    ListenableFuture<Found> checked = Futures.catching(ranking, Exception.class, failure -> {
      Status status = Status.fromThrowable(failure);
      if (status.getCode() == Status.Code.NOT_FOUND || status.getCode() == Status.Code.FAILED_PRECONDITION) {
        throw status.asRuntimeException(); // our own verdict on the user or the items
      }
      throw failures.featureFailed(failure, context);
    }, RequestIds.directInMdc());
    return Futures.transformAsync(checked,
        found -> Futures.catching(ask.apply(explain.withDeadline(deadline), found.ranking(), found.topK()),
            Exception.class,
            failure -> {
              throw failures.explainFailed(failure, context);
            }, RequestIds.directInMdc()),
        inRequest);
  }

  /**
   * {@code recommend}, a default Recommend of the user ({@code history} read with its regular
   * items, as Recommend reads them), as the explain service counts its model picks: its places,
   * the buy-again ones its regular items take as Recommend's do ({@link BuyAgain#of}), and its
   * newcomer places, which the explain service fills with the candidates its Score reply says the
   * model does not know.
   */
  private DefaultAnswer defaultAnswer(RecommendQuery recommend, GetUserHistoryResponse history) {
    BuyAgain buyAgain = BuyAgain.of(history, recommend.buyAgainPlaces(config), shopZoneReader);
    return DefaultAnswer.newBuilder().setLimit(recommend.limit())
        .setBuyAgainPlaces(buyAgain.items().size())
        .setNewcomerPlaces(recommend.newcomerSlots(config)).build();
  }

  /** A Recommend of {@code userId} with every field left to its default. */
  private static RecommendQuery defaultRecommend(String userId) {
    return new RecommendQuery(userId, RecommendQuery.DEFAULT_LIMIT, RequestChecks.DEFAULT_LOCALE, false, false,
        OptionalInt.empty(), OptionalInt.empty());
  }

  /** ExplainItem and WhyNot ask about one item ({@code item_id}); WhatIf names additions. */
  private static boolean askedItem(String field) {
    return field.equals("item_id");
  }

  /**
   * FAILED_PRECONDITION for an asked item the user bought: the model ranks only items the user has
   * not bought (it was trained with them masked), so its score of a bought item means nothing;
   * Recommend shows such an item only as buy-again.
   */
  private static RuntimeException bought(String itemId) {
    return Status.FAILED_PRECONDITION.withDescription("item_id \"" + Descriptions.truncate(itemId)
        + "\" is in the user's purchase record: the model ranks only items the user has not bought;"
        + " an item bought in several orders is placed by the buy-again rule, and Recommend states why")
        .asRuntimeException();
  }

  /**
   * The ranking the explain service is asked about: Recommend's eligible candidates in its tie
   * order, each with its sources and the via items it may cite (which tell the explain service the
   * candidates that take the newcomer places of a default answer when the model does not know them).
   */
  private static UserRanking.Builder ranking(
      String userId, String field, List<String> catalogueIds, GetUserHistoryResponse history,
      RetrieveCandidatesResponse candidates, GetItemsResponse items, int minCitedOrders) {
    if (items.getMissingItemIdsCount() > 0) {
      // WhatIf's additions are named by index, as its removals are.
      String missing = items.getMissingItemIds(0);
      String named = askedItem(field) ? field : field + "[" + catalogueIds.indexOf(missing) + "]";
      throw Status.NOT_FOUND.withDescription(
          named + " \"" + Descriptions.truncate(missing) + "\" is not in the catalogue").asRuntimeException();
    }
    List<String> record = history.getEventsList().stream().map(Event::getItemId).toList();
    boolean askedItem = askedItem(field);
    if (askedItem && record.contains(catalogueIds.get(0))) {
      throw bought(catalogueIds.get(0));
    }
    if (askedItem) {
      for (TurnedDownItem turned : history.getTurnedDownItemsList()) {
        if (turned.getItemId().equals(catalogueIds.get(0))) {
          // Not a model verdict: the shopper's own. The model's rank of it would answer another question.
          throw Status.FAILED_PRECONDITION.withDescription("item_id \"" + Descriptions.truncate(turned.getItemId())
              + "\": user_id \"" + Descriptions.truncate(userId)
              + "\" said they are not interested in it (FEEDBACK_TYPE_NOT_INTERESTED at "
              + Instant.ofEpochSecond(turned.getTime().getSeconds(), turned.getTime().getNanos())
              + "), so Recommend does not offer it until they buy it; a what-if can still add it as a purchase")
              .asRuntimeException();
        }
      }
      // Bought before the record the model reads, or before the events the store keeps: still
      // bought, so retrieval leaves it out, and the model's rank of it would explain nothing Recommend does.
      if (history.getBoughtItemIdsList().contains(catalogueIds.get(0))) {
        throw bought(catalogueIds.get(0));
      }
    }
    List<Candidate> eligible = RankedSlate.inTieOrder(RankedSlate.eligible(candidates.getCandidatesList(), record, minCitedOrders));
    UserRanking.Builder ranking = UserRanking.newBuilder().addAllRecordItemIds(record);
    List<String> ids = new ArrayList<>(eligible.size());
    boolean counted = candidates.hasRecentWindow();
    for (Candidate candidate : eligible) {
      ids.add(candidate.getItemId());
      if (counted) {
        ranking.addCandidateRecentPurchases(candidate.getRecentPurchases());
      }
      ranking.addCandidateSources(RankedSlate.explainTarget(candidate));
    }
    if (ids.isEmpty() && !askedItem) {
      throw Status.FAILED_PRECONDITION.withDescription("user_id \"" + Descriptions.truncate(userId)
          + "\" has no candidates to rank").asRuntimeException();
    }
    if (ids.isEmpty()) {
      // The asked item is always ranked (the explain service adds it); it then ranks alone.
      ids.add(catalogueIds.get(0));
      if (counted) {
        ranking.addCandidateRecentPurchases(0); // not retrieved, so not counted: no trend term
      }
    }
    if (counted && ranking.getCandidateRecentPurchasesCount() > 0) {
      ranking.setRecentPurchasesWindow(candidates.getRecentWindow());
      if (candidates.hasAsOf()) {
        ranking.setRecentPurchasesAsOf(candidates.getAsOf()); // named by a trend reason
      }
    }
    return ranking.addAllCandidateItemIds(ids);
  }
}
