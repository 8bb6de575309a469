package io.glassbox.gateway;

import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetItemsRequest;
import io.glassbox.api.v1.GetItemsResponse;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.GetUserHistoryResponse;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.IngestEventsResponse;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.RegularItem;
import io.glassbox.api.v1.RetrieveCandidatesRequest;
import io.glassbox.api.v1.RetrieveCandidatesResponse;
import io.glassbox.api.v1.UserEvent;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A feature service over a few hand-written users, candidates and items. It records what it was
 * asked and the deadline each inbound call carried.
 */
final class FakeFeatureService extends FeatureServiceGrpc.FeatureServiceImplBase {
  private final Map<String, List<String>> histories = new ConcurrentHashMap<>();
  private final Map<String, List<Candidate>> candidates = new ConcurrentHashMap<>();
  private final Map<String, Item> catalogue = new ConcurrentHashMap<>();
  private final Map<String, List<String>> regularItems = new ConcurrentHashMap<>();
  private volatile List<Candidate> popular = List.of();

  final List<GetUserHistoryRequest> historyRequests = new CopyOnWriteArrayList<>();
  final List<RetrieveCandidatesRequest> retrieveRequests = new CopyOnWriteArrayList<>();
  final List<GetItemsRequest> itemsRequests = new CopyOnWriteArrayList<>();
  final List<IngestEventsRequest> ingested = new CopyOnWriteArrayList<>();
  /** user + event id of every event ingested, to answer duplicates as the real service does. */
  private final Set<String> eventIds = ConcurrentHashMap.newKeySet();
  /** The deadline of each inbound GetUserHistory call; an absent deadline is not recorded. */
  final List<Deadline> historyDeadlines = new CopyOnWriteArrayList<>();
  final List<String> historyCallsWithoutDeadline = new CopyOnWriteArrayList<>();
  /** When set, every GetUserHistory call fails with it. */
  volatile Status historyFailure;
  /** When set, GetUserHistory never answers; the call ends only by its deadline or cancellation. */
  volatile boolean historyHangs;
  /** The shop's zone GetUserHistory names (its time_zone, GLASSBOX_DATA_TIME_ZONE there); none when empty. */
  volatile String timeZone = "";
  /** When set, every IngestEvents call fails with it. */
  volatile Status ingestFailure;
  /** When set, IngestEvents never answers; the call ends only by its deadline or cancellation. */
  volatile boolean ingestHangs;
  /** Counted down by each IngestEvents call held by {@link #ingestHangs}, once it has arrived. */
  final CountDownLatch ingestHeld = new CountDownLatch(1);

  FakeFeatureService withUser(String userId, List<String> historyOldestFirst, List<Candidate> forUser) {
    histories.put(userId, List.copyOf(historyOldestFirst));
    candidates.put(userId, List.copyOf(forUser));
    return this;
  }

  /**
   * The items of {@code userId} bought in several orders (each in 3 of their 5 orders), most
   * orders first: GetUserHistory answers the first {@code max_regular_items} when asked for them.
   */
  FakeFeatureService withRegularItems(String userId, List<String> itemIds) {
    regularItems.put(userId, List.copyOf(itemIds));
    return this;
  }

  FakeFeatureService withPopular(List<Candidate> popularItems) {
    popular = List.copyOf(popularItems);
    return this;
  }

  FakeFeatureService withItems(List<Item> items) {
    items.forEach(item -> catalogue.put(item.getItemId(), item));
    return this;
  }

  @Override
  public void getUserHistory(
      GetUserHistoryRequest request, StreamObserver<GetUserHistoryResponse> replies) {
    historyRequests.add(request);
    if (historyHangs) {
      return;
    }
    if (historyFailure != null) {
      replies.onError(historyFailure.asRuntimeException());
      return;
    }
    Deadline deadline = Context.current().getDeadline();
    if (deadline == null) {
      historyCallsWithoutDeadline.add(request.getUserId());
    } else {
      historyDeadlines.add(deadline);
    }
    List<String> history = histories.getOrDefault(request.getUserId(), List.of());
    GetUserHistoryResponse.Builder response = GetUserHistoryResponse.newBuilder()
        .setUserId(request.getUserId())
        .setKnownUser(histories.containsKey(request.getUserId()))
        .setTotalEvents(history.size())
        .setTimeZone(timeZone);
    for (int i = 0; i < history.size(); i++) {
      response.addEvents(Event.newBuilder()
          .setItemId(history.get(i))
          .setTime(Timestamp.newBuilder().setSeconds(1_300_000_000L + i))
          .setEventType("purchase"));
    }
    if (request.getRegularItemsMinBaskets() > 0) {
      List<String> regular = regularItems.getOrDefault(request.getUserId(), List.of());
      regular.stream().limit(request.getMaxRegularItems() == 0 ? 50 : request.getMaxRegularItems()).forEach(id -> response.addRegularItems(
          RegularItem.newBuilder().setItemId(id).setBaskets(3).setLastPurchaseTime(Timestamp.newBuilder()
              .setSeconds(1_300_000_000L + history.lastIndexOf(id)))));
      response.setOrders(5);
    }
    replies.onNext(response.build());
    replies.onCompleted();
  }

  @Override
  public void retrieveCandidates(
      RetrieveCandidatesRequest request, StreamObserver<RetrieveCandidatesResponse> replies) {
    retrieveRequests.add(request);
    boolean known = candidates.containsKey(request.getUserId());
    RetrieveCandidatesResponse.Builder response = RetrieveCandidatesResponse.newBuilder()
        .addAllCandidates(known ? candidates.get(request.getUserId()) : popular)
        .setKnownUser(known);
    if (request.hasRecentWindow()) {
      // Recent purchases: the candidate's position + 1, so tests can check the alignment.
      response.setRecentWindow(request.getRecentWindow());
      for (int i = 0; i < response.getCandidatesCount(); i++) {
        response.setCandidates(i, response.getCandidates(i).toBuilder().setRecentPurchases(i + 1));
      }
    }
    replies.onNext(response.build());
    replies.onCompleted();
  }

  @Override
  public void getItems(GetItemsRequest request, StreamObserver<GetItemsResponse> replies) {
    itemsRequests.add(request);
    GetItemsResponse.Builder response = GetItemsResponse.newBuilder();
    for (String id : request.getItemIdsList()) {
      Item item = catalogue.get(id);
      if (item == null) {
        response.addMissingItemIds(id);
      } else {
        response.addItems(item);
      }
    }
    replies.onNext(response.build());
    replies.onCompleted();
  }

  @Override
  public void ingestEvents(
      IngestEventsRequest request, StreamObserver<IngestEventsResponse> replies) {
    if (ingestHangs) {
      ingestHeld.countDown();
      return;
    }
    if (ingestFailure != null) {
      replies.onError(ingestFailure.asRuntimeException());
      return;
    }
    for (int i = 0; i < request.getEventsCount(); i++) {
      UserEvent event = request.getEvents(i);
      if (!catalogue.containsKey(event.getEvent().getItemId())) {
        replies.onError(Status.NOT_FOUND
            .withDescription("events[" + i + "].event.item_id \"" + event.getEvent().getItemId()
                + "\" is not in the catalogue")
            .asRuntimeException());
        return;
      }
    }
    ingested.add(request);
    int duplicates = 0;
    for (UserEvent event : request.getEventsList()) {
      if (!event.getEventId().isEmpty() && !eventIds.add(event.getUserId() + "\0" + event.getEventId())) {
        duplicates++;
      }
    }
    replies.onNext(IngestEventsResponse.newBuilder()
        .setAcceptedCount(request.getEventsCount())
        .setDuplicateCount(duplicates)
        .build());
    replies.onCompleted();
  }
}
