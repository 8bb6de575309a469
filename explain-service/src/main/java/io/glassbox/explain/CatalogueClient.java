package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

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
  private final Duration timeout;

  @Inject
  CatalogueClient(@FeatureChannel Channel channel, ExplainConfig config) {
    this.stub = FeatureServiceGrpc.newBlockingStub(requireNonNull(channel, "channel"));
    this.timeout = config.dependencyTimeout();
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
   * Up to {@code limit} (1..200) items bought in the same baskets as {@code itemId}, most shared
   * baskets first; empty for an item the catalogue does not hold or that has none.
   */
  List<String> coPurchaseNeighbours(String itemId, int limit) {
    try {
      return stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
          .getCoPurchaseNeighbours(GetCoPurchaseNeighboursRequest.newBuilder().setItemId(itemId).setLimit(limit).build())
          .getNeighboursList().stream().map(CoPurchaseNeighbour::getItemId).toList();
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
    for (Item item : response.getItemsList()) {
      if (!item.getTitle().isBlank()) {
        items.put(item.getItemId(), item);
      }
    }
    for (String id : itemIds) {
      items.computeIfAbsent(id, missing -> Item.newBuilder().setItemId(missing).setTitle(missing).build());
    }
    return items;
  }
}
