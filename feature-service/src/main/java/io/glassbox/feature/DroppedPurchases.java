package io.glassbox.feature;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a dataset user's timeline, capped at {@code maxEventsPerUser} events, no longer holds of
 * their purchases: both stores load it the same way ({@link InMemoryEventStore} into the
 * timeline, {@link RedisEventStore} into its {@code d:}, {@code c:} and {@code cut:} keys).
 *
 * @param items the dropped purchases' items, each once
 * @param lastOrder the order (basket id) of the purchase dropped last; "" when none was dropped
 * @param cutOrders the orders (basket ids) of dropped purchases, each once, the one cut longest ago
 *     first (an order is cut again by each purchase of it dropped), at most the
 *     {@code maxEventsPerUser} cut last: never counted as whole orders, also when a line of
 *     theirs arrives late
 */
record DroppedPurchases(Set<String> items, String lastOrder, List<String> cutOrders) {
  DroppedPurchases {
    items = Set.copyOf(items);
    cutOrders = List.copyOf(cutOrders);
  }

  /**
   * The dropped purchases of {@code rows} (one user's, oldest first), which keeping the last
   * {@code maxEventsPerUser} rows drops.
   */
  static DroppedPurchases of(List<Dataset.Interaction> rows, int maxEventsPerUser) {
    Set<String> items = new HashSet<>();
    LinkedHashSet<String> cut = new LinkedHashSet<>();
    String lastOrder = "";
    for (Dataset.Interaction row : rows.subList(0, Math.max(0, rows.size() - maxEventsPerUser))) {
      if (row.type() == EventType.PURCHASE) {
        items.add(row.itemId());
        lastOrder = row.basketId();
        if (!lastOrder.isEmpty()) {
          // Cut again: the most recently cut.
          cut.remove(lastOrder);
          cut.add(lastOrder);
        }
      }
    }
    List<String> cutOrders = new ArrayList<>(cut);
    return new DroppedPurchases(items, lastOrder,
        cutOrders.subList(Math.max(0, cutOrders.size() - maxEventsPerUser), cutOrders.size()));
  }
}
