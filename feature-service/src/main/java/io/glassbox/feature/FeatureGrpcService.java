package io.glassbox.feature;

import static io.glassbox.server.RequestChecks.invalid;
import static io.glassbox.server.RequestChecks.limitOrDefault;
import static io.glassbox.server.RequestChecks.requireCount;
import static io.glassbox.server.RequestChecks.requireId;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetCoPurchaseNeighboursRequest;
import io.glassbox.api.v1.GetCoPurchaseNeighboursResponse;
import io.glassbox.api.v1.GetItemsRequest;
import io.glassbox.api.v1.GetItemsResponse;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.GetUserHistoryResponse;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.IngestEventsResponse;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.RegularItem;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.RetrieveCandidatesRequest;
import io.glassbox.api.v1.RetrieveCandidatesResponse;
import io.glassbox.api.v1.TurnedDownItem;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.server.Descriptions;
import io.glassbox.server.RequestChecks;
import io.glassbox.server.WarningLimiterPerCause;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** The gRPC face of the feature-service: validates, makes one domain call, translates back. */
public final class FeatureGrpcService extends FeatureServiceGrpc.FeatureServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(FeatureGrpcService.class);
  static final int DEFAULT_MAX_EVENTS = 50;
  static final int MAX_EVENTS = 1000;
  static final int DEFAULT_CANDIDATES = 500;
  static final int MAX_CANDIDATES = 2000;
  static final int MAX_ITEM_IDS = 1000;
  static final int MAX_INGEST_EVENTS = 1000;
  static final int DEFAULT_NEIGHBOURS = 20;
  static final int MAX_NEIGHBOURS = 200;
  /** Most new items a retrieval keeps beyond its best candidates (as many as a new-item list holds). */
  static final int MAX_NEW_ITEM_CANDIDATES = LiveCoPurchase.NEW_ITEM_NEIGHBOURS;
  static final int MAX_REGULAR_MIN_BASKETS = 1000;
  static final int DEFAULT_MAX_REGULAR_ITEMS = 50;
  static final int MAX_REGULAR_ITEMS = 1000;
  private static final long MAX_RECENT_WINDOW_SECONDS = 366L * 86_400;

  /**
   * What the INFO line of a failed IngestEvents counts of the ones held back since the last: each
   * is logged at DEBUG under its own request id, which the log level setting shows.
   */
  static final String FAILED_INGESTS_HELD_BACK = "IngestEvents calls failed this way since the last one, each logged"
      + " at DEBUG under its request id: GLASSBOX_LOG_LEVEL=DEBUG logs them";

  /**
   * While the store is down every IngestEvents fails alike: one INFO line a minute for each code
   * and whether the events may have been stored, as the gateway logs its failed calls; before, an
   * outage under load wrote a line per call.
   */
  private final WarningLimiterPerCause<List<Object>> failedIngestLines =
      new WarningLimiterPerCause<>(Duration.ofMinutes(1), FAILED_INGESTS_HELD_BACK);
  private final EventStore store;
  private final CandidateRetriever retriever;
  private final EventTimeLimit timeLimit;
  private final String timeZone;
  /** Calls refused for a full store, at 0 from the start: the store-full alert's increase(). */
  private final Counter storeFullRefusals = StoreCalls.fullRefusals();

  /** {@code dataTimeZone}: the data folder's zone, the shop's, which GetUserHistory names. */
  @Inject
  public FeatureGrpcService(EventStore store, CandidateRetriever retriever, EventTimeLimit timeLimit,
      LocalTimeZone dataTimeZone) {
    this.store = requireNonNull(store, "store");
    this.retriever = requireNonNull(retriever, "retriever");
    this.timeLimit = requireNonNull(timeLimit, "timeLimit");
    this.timeZone = dataTimeZone.name();
  }

  /** Shows the count of calls refused for a full store on {@code metrics} (the server's /metrics). */
  void registerMetrics(PrometheusRegistry metrics) {
    metrics.register(storeFullRefusals);
  }

  /** The counter of calls refused for a full store, which FeatureAdminService's imports share. */
  Counter storeFullRefusals() {
    return storeFullRefusals;
  }

  /** A store call as {@link StoreCalls#call(Supplier)}, counting its refusal for a full store. */
  private <T> T call(Supplier<T> call) {
    return StoreCalls.call(call, storeFullRefusals);
  }

  @Override
  public void getUserHistory(
      GetUserHistoryRequest request, StreamObserver<GetUserHistoryResponse> responses) {
    String userId = requireId("user_id", request.getUserId());
    int maxEvents = limitOrDefault("max_events", request.getMaxEvents(), DEFAULT_MAX_EVENTS, MAX_EVENTS);
    int minBaskets = request.getRegularItemsMinBaskets();
    if (minBaskets != 0 && (minBaskets < RegularItems.MIN_BASKETS || minBaskets > MAX_REGULAR_MIN_BASKETS)) {
      throw invalid("regular_items_min_baskets must be 0 (none) or " + RegularItems.MIN_BASKETS + ".."
          + MAX_REGULAR_MIN_BASKETS + ", got " + minBaskets);
    }
    int maxRegular = limitOrDefault("max_regular_items", request.getMaxRegularItems(),
        DEFAULT_MAX_REGULAR_ITEMS, MAX_REGULAR_ITEMS);
    // Purchases only, or the turned-down items: the whole retained record is read, so that other
    // events do not take purchases' places among the last max_events.
    boolean purchasesOnly = request.getPurchasesOnly();
    int read = purchasesOnly || request.getListTurnedDown() ? Integer.MAX_VALUE : maxEvents;
    // With regular items asked for, one read of the record answers both.
    Optional<EventStore.HistoryWithRegularItems> both = minBaskets > 0
        ? Optional.of(call(() -> store.historyWithRegularItems(userId, read, minBaskets, maxRegular)))
        : Optional.empty();
    UserHistory record = both.isPresent() ? both.get().history() : call(() -> store.history(userId, read));
    UserHistory history = purchasesOnly ? record.lastPurchases(maxEvents, request.getLeaveOutTurnedDown()) : record;
    GetUserHistoryResponse.Builder response = GetUserHistoryResponse.newBuilder()
        .setUserId(userId)
        .setKnownUser(history.knownUser())
        .setTotalEvents(history.totalEvents())
        .setTimeZone(timeZone);
    for (RecordedEvent event : history.events()) {
      response.addEvents(Event.newBuilder()
          .setItemId(event.itemId())
          .setTime(Timestamp.newBuilder()
              .setSeconds(event.time().getEpochSecond())
              .setNanos(event.time().getNano()))
          .setEventType(event.type().wireName())
          .setBasketId(event.basketId()));
    }
    if (request.getListTurnedDown()) {
      for (RecordedEvent feedback : record.turnedDown()) {
        response.addTurnedDownItems(TurnedDownItem.newBuilder()
            .setItemId(feedback.itemId()).setTime(timestamp(feedback.time())));
      }
    }
    if (request.getListBoughtItems()) {
      call(() -> store.userItems(userId, 0)).ifPresent(items ->
          response.addAllBoughtItemIds(items.boughtItemIds().stream().sorted().toList()));
    }
    if (both.isPresent()) {
      RegularItems regular = both.get().regularItems();
      response.setOrders(regular.orders());
      response.setOlderEventsDropped(both.get().olderEventsDropped());
      for (RegularItems.RegularItem item : regular.items()) {
        response.addRegularItems(RegularItem.newBuilder()
            .setItemId(item.itemId())
            .setBaskets(item.baskets())
            .setLastPurchaseTime(timestamp(item.lastPurchaseTime())));
      }
    }
    reply(responses, response.build());
  }

  @Override
  public void getItems(GetItemsRequest request, StreamObserver<GetItemsResponse> responses) {
    requireCount("item_ids", request.getItemIdsCount(), 1, MAX_ITEM_IDS);
    Set<String> ids = new LinkedHashSet<>();
    for (int i = 0; i < request.getItemIdsCount(); i++) {
      ids.add(requireId("item_ids[" + i + "]", request.getItemIds(i)));
    }
    Map<String, CatalogItem> found = call(() -> store.items(ids));
    GetItemsResponse.Builder response = GetItemsResponse.newBuilder();
    for (String id : ids) {
      CatalogItem item = found.get(id);
      if (item != null) {
        response.addItems(toProto(item));
      } else {
        response.addMissingItemIds(id);
      }
    }
    reply(responses, response.build());
  }

  @Override
  public void retrieveCandidates(
      RetrieveCandidatesRequest request, StreamObserver<RetrieveCandidatesResponse> responses) {
    String userId = requireId("user_id", request.getUserId());
    int limit = limitOrDefault("limit", request.getLimit(), DEFAULT_CANDIDATES, MAX_CANDIDATES);
    Optional<Instant> asOf = request.hasAsOf()
        ? Optional.of(toInstant("as_of", request.getAsOf())) : Optional.empty();
    Optional<Duration> window = recentWindow(request);
    int newItems = request.getNewItemCandidates();
    if (newItems < 0 || newItems > MAX_NEW_ITEM_CANDIDATES) {
      throw invalid("new_item_candidates must be between 0 and " + MAX_NEW_ITEM_CANDIDATES + ", got " + newItems);
    }
    Retrieval retrieval = call(() -> retriever.retrieve(userId, limit, request.getExcludeHistory(), newItems));
    RetrieveCandidatesResponse.Builder response =
        RetrieveCandidatesResponse.newBuilder().setKnownUser(retrieval.knownUser());
    // The request time: the caller's, else the newest purchase in the store (see the proto).
    Optional<Instant> requestTime = asOf.isPresent() ? asOf : call(store::latestPurchaseTime);
    requestTime.ifPresent(time -> response.setAsOf(timestamp(time)));
    long[] recent = new long[retrieval.candidates().size()];
    if (window.isPresent() && requestTime.isPresent()) {
      List<String> ids = retrieval.candidates().stream().map(RetrievedCandidate::itemId).toList();
      recent = call(() -> store.recentPurchases(ids, requestTime.get(), window.get()));
      response.setRecentWindow(request.getRecentWindow());
    }
    for (int i = 0; i < retrieval.candidates().size(); i++) {
      RetrievedCandidate candidate = retrieval.candidates().get(i);
      Candidate.Builder proto = Candidate.newBuilder()
          .setItemId(candidate.itemId())
          .setRetrievalScore(candidate.score())
          .setRecentPurchases(recent[i])
          .addAllViaItemIds(candidate.viaItemIds())
          .addAllViaSharedOrders(candidate.viaSharedOrders())
          .setViaMaxBasketSize(candidate.viaItemIds().isEmpty() ? 0 : store.maxBasketSize())
          .setPurchases(candidate.purchases())
          .setBestSeller(candidate.bestSeller());
      // Fixed order so clients see the same list for the same sources.
      if (candidate.sources().contains(CandidateSource.CO_PURCHASE)) {
        proto.addSources(RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE);
      }
      if (candidate.sources().contains(CandidateSource.POPULAR)) {
        proto.addSources(RetrievalSource.RETRIEVAL_SOURCE_POPULAR);
      }
      response.addCandidates(proto);
    }
    reply(responses, response.build());
  }

  @Override
  public void getCoPurchaseNeighbours(
      GetCoPurchaseNeighboursRequest request, StreamObserver<GetCoPurchaseNeighboursResponse> responses) {
    String itemId = requireId("item_id", request.getItemId());
    int limit = limitOrDefault("limit", request.getLimit(), DEFAULT_NEIGHBOURS, MAX_NEIGHBOURS);
    boolean known = call(() -> store.item(itemId)).isPresent();
    List<CoPurchaseNeighbour> neighbours = known ? call(() -> store.coPurchaseNeighbours(itemId)) : List.of();
    GetCoPurchaseNeighboursResponse.Builder response = GetCoPurchaseNeighboursResponse.newBuilder().setKnownItem(known);
    neighbours.stream().limit(limit).forEach(n -> response.addNeighbours(
        io.glassbox.api.v1.CoPurchaseNeighbour.newBuilder().setItemId(n.itemId()).setSharedBaskets(n.sharedBaskets())));
    reply(responses, response.build());
  }

  @Override
  public void ingestEvents(IngestEventsRequest request, StreamObserver<IngestEventsResponse> responses) {
    requireCount("events", request.getEventsCount(), 1, MAX_INGEST_EVENTS);
    List<NewEvent> events = new ArrayList<>(request.getEventsCount());
    Instant now = timeLimit.now();
    for (int i = 0; i < request.getEventsCount(); i++) {
      NewEvent event = toNewEvent("events[" + i + "]", request.getEvents(i));
      String refused = timeLimit.problem(event.event().time(), now);
      if (refused != null) {
        throw invalid("events[" + i + "].event.time " + refused);
      }
      events.add(event);
    }
    AppendResult result;
    try {
      result = call(() -> store.append(events));
    } catch (UnknownItemException e) {
      // The usual code for a named thing that does not exist, as GetItems' callers give it.
      throw Status.NOT_FOUND.withDescription("events[" + e.eventIndex() + "].event.item_id \""
          + Descriptions.truncate(e.itemId())
          + "\" is not in the catalogue; only catalogue items can be ingested; nothing was stored")
          .asRuntimeException();
    } catch (EventIdConflictException e) {
      int index = e.eventIndex();
      throw Status.ALREADY_EXISTS.withDescription("events[" + index + "].event_id \""
          + Descriptions.truncate(request.getEvents(index).getEventId()) + "\" was already used for another event of this user ("
          + e.earlierEvent().text(Descriptions::truncate) + "), which differs in "
          + e.earlierEvent().differences(events.get(index).identity(), Descriptions::truncate)
          + "; a resend must repeat that event's type, item and order (its time may differ: the first event's time"
          + " is kept), and a new event needs a new id; nothing was stored")
          .asRuntimeException();
    } catch (StatusRuntimeException failed) {
      // StoreCalls warns once a minute, in whichever call's context; this line is each call's (at
      // DEBUG but the first a minute of each way), so that the request id a failed call's
      // trailers carry finds it in the log.
      boolean mayHaveBeenStored = Descriptions.saysMayHaveBeenStored(failed.getStatus());
      failedIngestLines.log(List.of(failed.getStatus().getCode(), mayHaveBeenStored), log, Level.INFO,
          "IngestEvents of {} events failed with {}: {}", events.size(), failed.getStatus().getCode(),
          mayHaveBeenStored ? Descriptions.MAY_HAVE_BEEN_STORED + " (a resend under the same event ids is counted once)"
              : "nothing was stored");
      throw failed;
    }
    log.debug("Ingested {} events ({} duplicates)", events.size(), result.duplicates());
    IngestEventsResponse.Builder response = IngestEventsResponse.newBuilder()
        .setAcceptedCount(events.size())
        .setDuplicateCount(result.duplicates());
    result.latestBefore().ifPresent(time -> response.setPreviousLatestEventTime(timestamp(time)));
    result.latestAfter().ifPresent(time -> response.setLatestEventTime(timestamp(time)));
    reply(responses, response.build());
  }

  /** The request's recent window: empty when unset or zero, else 1 s .. 366 days. */
  private static Optional<Duration> recentWindow(RetrieveCandidatesRequest request) {
    if (!request.hasRecentWindow()) {
      return Optional.empty();
    }
    com.google.protobuf.Duration proto = request.getRecentWindow();
    if (proto.getSeconds() == 0 && proto.getNanos() == 0) {
      return Optional.empty();
    }
    if (proto.getNanos() < 0 || proto.getNanos() > 999_999_999 || proto.getSeconds() < 1
        || proto.getSeconds() > MAX_RECENT_WINDOW_SECONDS
        || (proto.getSeconds() == MAX_RECENT_WINDOW_SECONDS && proto.getNanos() > 0)) {
      throw invalid("recent_window must be between 1 second and 366 days, got "
          + proto.getSeconds() + "s " + proto.getNanos() + "ns");
    }
    return Optional.of(Duration.ofSeconds(proto.getSeconds(), proto.getNanos()));
  }

  private static Instant toInstant(String field, Timestamp time) {
    if (time.getSeconds() < EventTimeLimit.MIN_TIMESTAMP_SECONDS
        || time.getSeconds() > EventTimeLimit.MAX_TIMESTAMP_SECONDS
        || time.getNanos() < 0 || time.getNanos() > 999_999_999) {
      throw invalid(field + " must be a valid timestamp between years 1 and 9999 "
          + "with nanos 0..999999999");
    }
    return Instant.ofEpochSecond(time.getSeconds(), time.getNanos());
  }

  static Timestamp timestamp(Instant time) {
    return Timestamp.newBuilder().setSeconds(time.getEpochSecond()).setNanos(time.getNano()).build();
  }

  private static NewEvent toNewEvent(String field, UserEvent proto) {
    String userId = requireId(field + ".user_id", proto.getUserId());
    if (!proto.hasEvent()) {
      throw invalid(field + ".event must be set");
    }
    Event event = proto.getEvent();
    String itemId = requireId(field + ".event.item_id", event.getItemId());
    if (!event.hasTime()) {
      throw invalid(field + ".event.time must be set to when the event happened");
    }
    Instant time = toInstant(field + ".event.time", event.getTime());
    EventType type = EventType.fromWireName(event.getEventType()).orElseThrow(() ->
        invalid(field + ".event.event_type must be empty or one of " + EventType.wireNames()
            + ", got \"" + Descriptions.truncate(event.getEventType()) + "\""));
    String eventId = RequestChecks.requireOptionalId(field + ".event_id", proto.getEventId());
    String basketId = RequestChecks.requireOptionalId(field + ".event.basket_id", event.getBasketId());
    return new NewEvent(userId, new RecordedEvent(itemId, time, type, basketId), eventId);
  }

  private static Item toProto(CatalogItem item) {
    return Item.newBuilder()
        .setItemId(item.itemId())
        .setTitle(item.title())
        .setBrand(item.brand())
        .setCategory(item.category())
        .setPrice(item.price())
        .setCurrencyCode(item.currencyCode())
        .setInteractionCount(item.interactionCount())
        .build();
  }

  private static <T> void reply(StreamObserver<T> responses, T response) {
    responses.onNext(response);
    responses.onCompleted();
  }
}
