package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A user's regular items, the buy-again rule's first places: the items bought in at least
 * {@code minBaskets} distinct orders of the user's record, most orders first, then the most
 * recently bought first (the later position in the record, whose order is time with ties in
 * ingestion order). The rule the trainer evaluated (trainer/glassbox_trainer/timeaware.py,
 * {@code _regular_items}); a purchase without a basket id is an order of its own. An item given
 * negative feedback after its last purchase is left out (retrieval leaves it out too), until it
 * is bought again; its orders still count in {@code orders}.
 *
 * @param items the regular items in rule order, at most the requested number
 * @param orders the distinct orders among the record's purchases
 */
public record RegularItems(List<RegularItem> items, int orders) {
  /** The fewest distinct orders that make an item regular (an item bought once never is). */
  public static final int MIN_BASKETS = 2;

  /**
   * One regular item.
   *
   * @param baskets the distinct orders with a purchase of it, at least {@code minBaskets}
   * @param lastPurchaseTime when it was last bought
   */
  public record RegularItem(String itemId, int baskets, Instant lastPurchaseTime) {
    public RegularItem {
      requireNonNull(itemId, "itemId");
      requireNonNull(lastPurchaseTime, "lastPurchaseTime");
    }
  }

  public RegularItems {
    items = List.copyOf(items);
  }

  /**
   * The regular items of {@code record} (a user's events, oldest first; only purchases count).
   *
   * @throws IllegalArgumentException if {@code minBaskets} is below {@value #MIN_BASKETS} or
   *     {@code maxItems} is negative
   */
  public static RegularItems of(List<RecordedEvent> record, int minBaskets, int maxItems) {
    return of(record, minBaskets, maxItems, Set.of());
  }

  /**
   * As {@link #of(List, int, int)}, leaving out the purchases of the orders {@code cutOrders}
   * (basket ids): the orders that lost lines to the store's cap, of which {@code record} may hold
   * only the rest. Every order counted is then counted whole: "in 9 of your last 10 orders" must
   * hold of the 10 orders it names.
   */
  public static RegularItems of(List<RecordedEvent> record, int minBaskets, int maxItems, Set<String> cutOrders) {
    if (minBaskets < MIN_BASKETS || maxItems < 0) {
      throw new IllegalArgumentException("minBaskets must be >= " + MIN_BASKETS
          + " and maxItems >= 0, got " + minBaskets + " and " + maxItems);
    }
    Map<String, Tally> byItem = new HashMap<>();
    Set<String> orders = new HashSet<>();
    for (int position = 0; position < record.size(); position++) {
      RecordedEvent event = record.get(position);
      if (event.type() == EventType.FEEDBACK_NEGATIVE) {
        Tally turnedDown = byItem.get(event.itemId());
        if (turnedDown != null) {
          turnedDown.turnedDown = true;
        }
        continue;
      }
      if (event.type() != EventType.PURCHASE || (!event.basketId().isEmpty() && cutOrders.contains(event.basketId()))) {
        continue;
      }
      // Basket ids and basket-less purchases in separate key spaces, so neither can collide.
      String order = event.basketId().isEmpty() ? "e" + position : "b" + event.basketId();
      orders.add(order);
      Tally tally = byItem.computeIfAbsent(event.itemId(), id -> new Tally());
      tally.orders.add(order);
      tally.lastPosition = position;
      tally.lastTime = event.time();
      tally.turnedDown = false;
    }
    List<Map.Entry<String, Tally>> regular = new ArrayList<>();
    for (Map.Entry<String, Tally> entry : byItem.entrySet()) {
      if (entry.getValue().orders.size() >= minBaskets && !entry.getValue().turnedDown) {
        regular.add(entry);
      }
    }
    regular.sort(Comparator.comparingInt((Map.Entry<String, Tally> e) -> -e.getValue().orders.size())
        .thenComparingInt(e -> -e.getValue().lastPosition));
    List<RegularItem> items = new ArrayList<>(Math.min(maxItems, regular.size()));
    for (Map.Entry<String, Tally> entry : regular.subList(0, Math.min(maxItems, regular.size()))) {
      items.add(new RegularItem(entry.getKey(), entry.getValue().orders.size(), entry.getValue().lastTime));
    }
    return new RegularItems(items, orders.size());
  }

  /** What one item's purchases add up to so far. */
  private static final class Tally {
    final Set<String> orders = new HashSet<>(4);
    int lastPosition;
    Instant lastTime;
    /** Negative feedback since the last purchase: the shopper turned it down, so it is not offered again. */
    boolean turnedDown;
  }
}
