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

  /** The history of a user the store has never seen. */
  public static UserHistory unknown() {
    return new UserHistory(List.of(), 0, false);
  }
}
