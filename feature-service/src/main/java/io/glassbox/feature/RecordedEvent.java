package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** One thing a user did with a catalogue item, at a point in time. */
public record RecordedEvent(String itemId, Instant time, EventType type) {
  public RecordedEvent {
    requireNonNull(itemId, "itemId");
    requireNonNull(time, "time");
    requireNonNull(type, "type");
  }
}
