package io.glassbox.explain;

import io.glassbox.api.v1.CoPurchaseNeighbour;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetCoPurchaseNeighboursRequest;
import io.glassbox.api.v1.GetCoPurchaseNeighboursResponse;
import io.glassbox.api.v1.GetItemsRequest;
import io.glassbox.api.v1.GetItemsResponse;
import io.glassbox.api.v1.Item;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * FeatureService.GetItems over a fixed title table, recording every request, and
 * GetCoPurchaseNeighbours over a fixed neighbour table (none unless given).
 */
final class FakeFeatureService extends FeatureServiceGrpc.FeatureServiceImplBase {
  private final Map<String, String> titles;
  private final Map<String, List<String>> neighbours;
  private final List<GetItemsRequest> requests = new CopyOnWriteArrayList<>();

  FakeFeatureService(Map<String, String> titles) {
    this(titles, Map.of());
  }

  FakeFeatureService(Map<String, String> titles, Map<String, List<String>> neighbours) {
    this.titles = Map.copyOf(titles);
    this.neighbours = Map.copyOf(neighbours);
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
