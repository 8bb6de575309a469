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
 */
public record ErasedUser(boolean knownUser, long events, long orders) {
  /** Nothing held of the user. */
  static final ErasedUser NOTHING = new ErasedUser(false, 0, 0);

  /** A known user's erasure, from the events removed. */
  static ErasedUser of(Collection<RecordedEvent> removed) {
    return new ErasedUser(true, removed.size(), orderItems(removed).size());
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
