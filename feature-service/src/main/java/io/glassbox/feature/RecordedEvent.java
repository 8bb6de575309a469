package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * One thing a user did with a catalogue item, at a point in time.
 *
 * @param basketId the order (basket, invoice) the event belongs to; empty when it has none (a
 *     purchase without one is an order of its own)
 */
public record RecordedEvent(String itemId, Instant time, EventType type, String basketId) {
  /** The longest basket id accepted (the proto's limit; readers and the gRPC service check it). */
  public static final int MAX_BASKET_ID_LENGTH = 128;

  public RecordedEvent {
    requireNonNull(itemId, "itemId");
    requireNonNull(time, "time");
    requireNonNull(type, "type");
    requireNonNull(basketId, "basketId");
  }

  /** An event outside any basket. */
  public RecordedEvent(String itemId, Instant time, EventType type) {
    this(itemId, time, type, "");
  }
}
