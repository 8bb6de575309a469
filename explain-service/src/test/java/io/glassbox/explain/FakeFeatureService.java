package io.glassbox.explain;

import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetItemsRequest;
import io.glassbox.api.v1.GetItemsResponse;
import io.glassbox.api.v1.Item;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** FeatureService.GetItems over a fixed title table, recording every request. */
final class FakeFeatureService extends FeatureServiceGrpc.FeatureServiceImplBase {
  private final Map<String, String> titles;
  private final List<GetItemsRequest> requests = new CopyOnWriteArrayList<>();

  FakeFeatureService(Map<String, String> titles) {
    this.titles = Map.copyOf(titles);
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
}
