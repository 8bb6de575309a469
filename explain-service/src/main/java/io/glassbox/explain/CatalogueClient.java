package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.inject.Inject;
import io.glassbox.api.v1.CoPurchaseNeighbour;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetCoPurchaseNeighboursRequest;
import io.glassbox.api.v1.GetItemsRequest;
import io.glassbox.api.v1.GetItemsResponse;
import io.glassbox.api.v1.Item;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Looks up item titles with FeatureService.GetItems, in one batch, and an item's co-purchase
 * neighbours with FeatureService.GetCoPurchaseNeighbours, under the inbound call's deadline
 * (bounded by the configured dependency timeout).
 */
final class CatalogueClient {
  /** Most ids one GetItems call accepts, from feature_service.proto. */
  static final int MAX_IDS_PER_CALL = 1000;

  private static final String DEPENDENCY = "feature service";

  private final FeatureServiceGrpc.FeatureServiceBlockingStub stub;
  private final FeatureServiceGrpc.FeatureServiceFutureStub futureStub;
  private final Duration timeout;

  @Inject
  CatalogueClient(@FeatureChannel Channel channel, ExplainConfig config) {
    this.stub = FeatureServiceGrpc.newBlockingStub(requireNonNull(channel, "channel"));
    this.futureStub = FeatureServiceGrpc.newFutureStub(channel);
    this.timeout = config.dependencyTimeout();
  }

  /**
   * Titles looked up while other work goes on: {@link Prefetch#titles} answers from them when
   * they cover what is asked, else looks up again.
   */
  Prefetch prefetch(Set<String> itemIds) {
    if (itemIds.isEmpty() || itemIds.size() > MAX_IDS_PER_CALL) {
      return new Prefetch(Set.of(), null);
    }
    return new Prefetch(Set.copyOf(itemIds), futureStub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
        .getItems(GetItemsRequest.newBuilder().addAllItemIds(itemIds).build()));
  }

  /** A GetItems call under way (none when {@code call} is null) for {@code asked}. */
  final class Prefetch {
    private final Set<String> asked;
    private final ListenableFuture<GetItemsResponse> call;

    private Prefetch(Set<String> asked, ListenableFuture<GetItemsResponse> call) {
      this.asked = asked;
      this.call = call;
    }

    /** As {@link CatalogueClient#titles}, from the prefetched answer when it covers {@code itemIds}. */
    Map<String, String> titles(Collection<String> itemIds) {
      if (call == null || !asked.containsAll(itemIds)) {
        cancel();
        return CatalogueClient.this.titles(itemIds);
      }
      GetItemsResponse response;
      try {
        response = call.get();
      } catch (ExecutionException e) {
        throw DependencyErrors.translate(DEPENDENCY, e.getCause());
      } catch (InterruptedException e) {
        call.cancel(true);
        Thread.currentThread().interrupt();
        throw io.grpc.Status.CANCELLED.withDescription("interrupted while waiting for the feature service")
            .asRuntimeException();
      }
      Map<String, String> titles = new HashMap<>();
      fill(response, itemIds).forEach((id, item) -> titles.put(id, item.getTitle()));
      return titles;
    }

    /** Gives up the call (e.g. when the request failed before its titles were needed). */
    void cancel() {
      if (call != null) {
        call.cancel(true);
      }
    }
  }

  /**
   * The title of each of {@code itemIds} (at most {@value #MAX_IDS_PER_CALL}); an id the
   * catalogue does not hold keeps its id as its title, so a reason never shows an empty name.
   */
  Map<String, String> titles(Collection<String> itemIds) {
    Map<String, String> titles = new HashMap<>();
    items(itemIds).forEach((id, item) -> titles.put(id, item.getTitle()));
    return titles;
  }

  /**
   * Up to {@code limit} (1..200) items bought in at least {@code minSharedBaskets} of the same
   * baskets as {@code itemId}, most shared baskets first; empty for an item the catalogue does not
   * hold or that has none. The feature service sends the strongest first, so the ones left out
   * are the tail of its answer.
   */
  List<String> coPurchaseNeighbours(String itemId, int limit, int minSharedBaskets) {
    try {
      return stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
          .getCoPurchaseNeighbours(GetCoPurchaseNeighboursRequest.newBuilder().setItemId(itemId).setLimit(limit).build())
          .getNeighboursList().stream().filter(n -> n.getSharedBaskets() >= minSharedBaskets)
          .map(CoPurchaseNeighbour::getItemId).toList();
    } catch (StatusRuntimeException e) {
      throw DependencyErrors.translate(DEPENDENCY, e);
    }
  }

  /**
   * The display fields of each of {@code itemIds} (at most {@value #MAX_IDS_PER_CALL}); an id
   * the catalogue does not hold (or holds without a title) gets an item with its id as title.
   */
  Map<String, Item> items(Collection<String> itemIds) {
    Map<String, Item> items = new HashMap<>();
    if (itemIds.isEmpty()) {
      return items;
    }
    if (itemIds.size() > MAX_IDS_PER_CALL) {
      throw new IllegalArgumentException("at most " + MAX_IDS_PER_CALL + " ids, got " + itemIds.size());
    }
    GetItemsResponse response;
    try {
      response = stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
          .getItems(GetItemsRequest.newBuilder().addAllItemIds(itemIds).build());
    } catch (StatusRuntimeException e) {
      throw DependencyErrors.translate(DEPENDENCY, e);
    }
    return fill(response, itemIds);
  }

  /** The items of {@code response} among {@code itemIds}, and the id as title for the others. */
  private static Map<String, Item> fill(GetItemsResponse response, Collection<String> itemIds) {
    Set<String> wanted = Set.copyOf(itemIds);
    Map<String, Item> items = new HashMap<>();
    for (Item item : response.getItemsList()) {
      if (!item.getTitle().isBlank() && wanted.contains(item.getItemId())) {
        items.put(item.getItemId(), item);
      }
    }
    for (String id : itemIds) {
      items.computeIfAbsent(id, missing -> Item.newBuilder().setItemId(missing).setTitle(missing).build());
    }
    return items;
  }
}
