package io.glassbox.explain;

import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.CoPurchaseNeighbour;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetCoPurchaseNeighboursRequest;
import io.glassbox.api.v1.GetCoPurchaseNeighboursResponse;
import io.glassbox.api.v1.GetItemsRequest;
import io.glassbox.api.v1.GetItemsResponse;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.GetUserHistoryResponse;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.RetrieveCandidatesRequest;
import io.glassbox.api.v1.RetrieveCandidatesResponse;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * FeatureService.GetItems over a fixed title table, recording every request,
 * GetCoPurchaseNeighbours over a fixed neighbour table (none unless given), and GetUserHistory
 * and RetrieveCandidates over fixed purchase records and one candidate list for every user
 * (unless given, they fail UNIMPLEMENTED, as gRPC answers a method a server does not serve).
 */
final class FakeFeatureService extends FeatureServiceGrpc.FeatureServiceImplBase {
  private final Map<String, String> titles;
  private final Map<String, List<String>> neighbours;
  private final List<GetItemsRequest> requests = new CopyOnWriteArrayList<>();
  /** Null until {@link #withUsers}. */
  private Map<String, List<String>> records;
  private List<String> candidates = List.of();

  FakeFeatureService(Map<String, String> titles) {
    this(titles, Map.of());
  }

  FakeFeatureService(Map<String, String> titles, Map<String, List<String>> neighbours) {
    this.titles = Map.copyOf(titles);
    this.neighbours = Map.copyOf(neighbours);
  }

  /** Serves each user's purchase {@code records} (oldest first), and {@code candidates}, popular, to all. */
  FakeFeatureService withUsers(Map<String, List<String>> records, List<String> candidates) {
    this.records = Map.copyOf(records);
    this.candidates = List.copyOf(candidates);
    return this;
  }

  @Override
  public void getUserHistory(GetUserHistoryRequest request, StreamObserver<GetUserHistoryResponse> observer) {
    if (records == null) {
      super.getUserHistory(request, observer);
      return;
    }
    GetUserHistoryResponse.Builder response = GetUserHistoryResponse.newBuilder();
    records.getOrDefault(request.getUserId(), List.of()).forEach(id -> response.addEvents(Event.newBuilder().setItemId(id)));
    observer.onNext(response.build());
    observer.onCompleted();
  }

  @Override
  public void retrieveCandidates(
      RetrieveCandidatesRequest request, StreamObserver<RetrieveCandidatesResponse> observer) {
    if (records == null) {
      super.retrieveCandidates(request, observer);
      return;
    }
    RetrieveCandidatesResponse.Builder response = RetrieveCandidatesResponse.newBuilder();
    candidates.forEach(id -> response.addCandidates(
        Candidate.newBuilder().setItemId(id).addSources(RetrievalSource.RETRIEVAL_SOURCE_POPULAR)));
    observer.onNext(response.build());
    observer.onCompleted();
  }

  List<GetItemsRequest> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void getItems(GetItemsRequest request, StreamObserver<GetItemsResponse> observer) {
    requests.add(request);
    GetItemsResponse.Builder response = GetItemsResponse.newBuilder();
    request.getItemIdsList().stream().distinct().forEach(id -> {
      if (titles.containsKey(id)) {
        response.addItems(Item.newBuilder().setItemId(id).setTitle(titles.get(id)));
      } else {
        response.addMissingItemIds(id);
      }
    });
    observer.onNext(response.build());
    observer.onCompleted();
  }

  @Override
  public void getCoPurchaseNeighbours(
      GetCoPurchaseNeighboursRequest request, StreamObserver<GetCoPurchaseNeighboursResponse> observer) {
    GetCoPurchaseNeighboursResponse.Builder response = GetCoPurchaseNeighboursResponse.newBuilder()
        .setKnownItem(titles.containsKey(request.getItemId()));
    List<String> found = neighbours.getOrDefault(request.getItemId(), List.of());
    for (int i = 0; i < Math.min(found.size(), request.getLimit() == 0 ? 20 : request.getLimit()); i++) {
      response.addNeighbours(CoPurchaseNeighbour.newBuilder().setItemId(found.get(i)).setSharedBaskets(found.size() - i));
    }
    observer.onNext(response.build());
    observer.onCompleted();
  }
}
