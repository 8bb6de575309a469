package io.glassbox.feature;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What {@link EventStore#eraseUser} removed of one user.
 *
 * @param knownUser whether the store held the user at all; false (and every count 0) when it held
 *     nothing, also when the user was erased before: erasing again is no error
 * @param events the user's retained events removed (their history)
 * @param orders the distinct orders (non-empty basket ids) among the purchases removed
 * @param orderLinesLeftRemoved the order lines naming the user that an earlier erasure, cut short,
 *     left (Redis) and this one removed, when nothing else of the user was held; else 0
 */
public record ErasedUser(boolean knownUser, long events, long orders, long orderLinesLeftRemoved) {
  /** Nothing held of the user. */
  static final ErasedUser NOTHING = new ErasedUser(false, 0, 0);

  /** An erasure that removed no order lines an earlier one left. */
  public ErasedUser(boolean knownUser, long events, long orders) {
    this(knownUser, events, orders, 0);
  }

  /** The end of an earlier erasure cut short: only its {@code lines} left were held, and are removed. */
  static ErasedUser finishing(long lines) {
    return new ErasedUser(true, 0, 0, lines);
  }

  /** A known user's erasure: {@code events} removed, of which {@code orders} ({@link #orderItems}). */
  static ErasedUser of(int events, Map<String, Set<String>> orders) {
    return new ErasedUser(true, events, orders.size());
  }

  /**
   * The orders among {@code events}: each non-empty basket id of a purchase with its distinct
   * items, in the order first seen.
   */
  static Map<String, Set<String>> orderItems(Collection<RecordedEvent> events) {
    Map<String, Set<String>> orders = new LinkedHashMap<>();
    for (RecordedEvent event : events) {
      if (event.type() == EventType.PURCHASE && !event.basketId().isEmpty()) {
        orders.computeIfAbsent(event.basketId(), basket -> new LinkedHashSet<>()).add(event.itemId());
      }
    }
    return orders;
  }
}
