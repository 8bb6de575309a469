package io.glassbox.feature;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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

  /**
   * The last {@code maxPurchases} purchases among these events, oldest first; the same counts.
   * With {@code leaveOutTurnedDown}, a purchase of an item given negative feedback after it is
   * left out (the shopper turned it down; a purchase after the feedback counts again), and older
   * purchases take its place.
   */
  public UserHistory lastPurchases(int maxPurchases, boolean leaveOutTurnedDown) {
    List<RecordedEvent> newestFirst = new ArrayList<>();
    Set<String> turnedDown = new HashSet<>();
    for (int i = events.size() - 1; i >= 0 && newestFirst.size() < maxPurchases; i--) {
      RecordedEvent event = events.get(i);
      if (event.type() == EventType.PURCHASE && !turnedDown.contains(event.itemId())) {
        newestFirst.add(event);
      } else if (leaveOutTurnedDown && event.type() == EventType.FEEDBACK_NEGATIVE) {
        turnedDown.add(event.itemId());
      }
    }
    Collections.reverse(newestFirst);
    return new UserHistory(newestFirst, totalEvents, knownUser);
  }

  /**
   * The newest negative feedback on each item the user has not bought since (or never bought),
   * newest first: the items the user turned down.
   */
  public List<RecordedEvent> turnedDown() {
    List<RecordedEvent> newestFirst = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = events.size() - 1; i >= 0; i--) {
      RecordedEvent event = events.get(i);
      if (event.type() == EventType.PURCHASE) {
        seen.add(event.itemId());
      } else if (event.type() == EventType.FEEDBACK_NEGATIVE && seen.add(event.itemId())) {
        newestFirst.add(event);
      }
    }
    return newestFirst;
  }

  /** The history of a user the store has never seen. */
  public static UserHistory unknown() {
    return new UserHistory(List.of(), 0, false);
  }
}
