package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

/**
 * An event to ingest, with the user it belongs to.
 *
 * @param eventId idempotency key, unique per user; empty for none (every copy is stored)
 */
public record NewEvent(String userId, RecordedEvent event, String eventId) {
  public NewEvent {
    requireNonNull(userId, "userId");
    requireNonNull(event, "event");
    requireNonNull(eventId, "eventId");
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
}
