package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An event to ingest, with the user it belongs to.
 *
 * @param eventId idempotency key, unique per user; empty for none (every copy is stored)
 * @param copy 0 for an event id the caller chose; n &ge; 1 for an id derived from the event's
 *     content (an imported row), the n-th identical row of its file: then the event is already
 *     stored, also after the dedupe window forgot its id, when the user's record holds n events
 *     of the same item, time, type and order
 */
public record NewEvent(String userId, RecordedEvent event, String eventId, int copy) {
  public NewEvent {
    requireNonNull(userId, "userId");
    requireNonNull(event, "event");
    requireNonNull(eventId, "eventId");
    if (copy < 0 || (copy > 0 && eventId.isEmpty())) {
      throw new IllegalArgumentException("copy " + copy + " of an event with id \"" + eventId + "\"");
    }
  }

  /** An event with an idempotency key the caller chose. */
  public NewEvent(String userId, RecordedEvent event, String eventId) {
    this(userId, event, eventId, 0);
  }

  /** An event without an idempotency key. */
  public NewEvent(String userId, RecordedEvent event) {
    this(userId, event, "");
  }

  /**
   * The key under which a store remembers that this event was stored: user id and event id,
   * the user id length-prefixed so that no two pairs share a key. Empty without an event id.
   */
  String dedupeKey() {
    return eventId.isEmpty() ? "" : userId.length() + ":" + userId + eventId;
  }

  /** What a resend under the same event id must repeat: this event's type, item and order. */
  EventIdentity identity() {
    return new EventIdentity(event.type(), event.itemId(), event.basketId());
  }

  /**
   * Throws {@link EventIdConflictException} when two events of {@code batch} share a user and
   * event id but not their {@link #identity}; the same event twice is a resend, stored once.
   */
  static void requireConsistentIds(List<NewEvent> batch) {
    Map<String, EventIdentity> identities = new HashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      NewEvent event = batch.get(i);
      String key = event.dedupeKey();
      if (!key.isEmpty()) {
        EventIdentity earlier = identities.putIfAbsent(key, event.identity());
        if (earlier != null && !earlier.equals(event.identity())) {
          throw new EventIdConflictException(i, earlier);
        }
      }
    }
  }
}
