package io.glassbox.feature;

import java.util.Collection;

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
    long orders = removed.stream()
        .filter(e -> e.type() == EventType.PURCHASE && !e.basketId().isEmpty())
        .map(RecordedEvent::basketId)
        .distinct()
        .count();
    return new ErasedUser(true, removed.size(), orders);
  }
}
