package io.glassbox.feature;

import java.util.List;

/**
 * The most recent events of a user, oldest first.
 *
 * @param events at most the requested number of events, oldest first
 * @param totalEvents every event stored for the user (may exceed {@code events.size()})
 * @param knownUser false when the store has no event of this user
 */
public record UserHistory(List<RecordedEvent> events, long totalEvents, boolean knownUser) {
  public UserHistory {
    events = List.copyOf(events);
  }

  /** The last {@code maxPurchases} purchases among these events, oldest first; the same counts. */
  public UserHistory lastPurchases(int maxPurchases) {
    List<RecordedEvent> purchases = events.stream().filter(event -> event.type() == EventType.PURCHASE).toList();
    return new UserHistory(purchases.subList(Math.max(0, purchases.size() - maxPurchases), purchases.size()),
        totalEvents, knownUser);
  }

  /** The history of a user the store has never seen. */
  public static UserHistory unknown() {
    return new UserHistory(List.of(), 0, false);
  }
}
