package io.glassbox.feature;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a dataset user's timeline, capped at {@code maxEventsPerUser} events, no longer holds of
 * their purchases: both stores load it the same way ({@link InMemoryEventStore} into the
 * timeline, {@link RedisEventStore} into its {@code d:} and {@code c:} keys).
 *
 * @param items the dropped purchases' items, each once
 * @param lastOrder the order (basket id) of the purchase dropped last; "" when none was dropped
 */
record DroppedPurchases(Set<String> items, String lastOrder) {
  DroppedPurchases {
    items = Set.copyOf(items);
  }

  /**
   * The purchases among {@code rows} (a user's, oldest first) that a timeline keeping the last
   * {@code maxEventsPerUser} rows drops.
   */
  static DroppedPurchases of(List<Dataset.Interaction> rows, int maxEventsPerUser) {
    Set<String> items = new LinkedHashSet<>();
    String lastOrder = "";
    for (Dataset.Interaction row : rows.subList(0, Math.max(0, rows.size() - maxEventsPerUser))) {
      if (row.type() == EventType.PURCHASE) {
        items.add(row.itemId());
        lastOrder = row.basketId();
      }
    }
    return new DroppedPurchases(items, lastOrder);
  }
}
