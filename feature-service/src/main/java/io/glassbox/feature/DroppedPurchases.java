package io.glassbox.feature;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a dataset user's timeline, capped at {@code maxEventsPerUser} events, no longer holds of
 * their purchases: both stores load it the same way ({@link InMemoryEventStore} into the
 * timeline, {@link RedisEventStore} into its {@code d:} and {@code c:} keys).
 *
 * @param items the dropped purchases' items, each once
 * @param lastOrder the order (basket id) of the purchase dropped last; "" when none was dropped
 * @param cutOrders the orders (basket ids) of dropped purchases that the timeline keeps a purchase
 *     of: kept in part, so never counted as whole orders
 */
record DroppedPurchases(Set<String> items, String lastOrder, Set<String> cutOrders) {
  DroppedPurchases {
    items = Set.copyOf(items);
    cutOrders = Set.copyOf(cutOrders);
  }

  /**
   * The purchases among {@code rows} (a user's, oldest first) that a timeline keeping the last
   * {@code maxEventsPerUser} rows drops.
   */
  static DroppedPurchases of(List<Dataset.Interaction> rows, int maxEventsPerUser) {
    int firstKept = Math.max(0, rows.size() - maxEventsPerUser);
    Set<String> items = new HashSet<>();
    Set<String> droppedOrders = new HashSet<>();
    String lastOrder = "";
    for (Dataset.Interaction row : rows.subList(0, firstKept)) {
      if (row.type() == EventType.PURCHASE) {
        items.add(row.itemId());
        lastOrder = row.basketId();
        if (!lastOrder.isEmpty()) {
          droppedOrders.add(lastOrder);
        }
      }
    }
    Set<String> cutOrders = new HashSet<>();
    for (Dataset.Interaction row : rows.subList(firstKept, rows.size())) {
      if (row.type() == EventType.PURCHASE && droppedOrders.contains(row.basketId())) {
        cutOrders.add(row.basketId());
      }
    }
    return new DroppedPurchases(items, lastOrder, cutOrders);
  }
}
