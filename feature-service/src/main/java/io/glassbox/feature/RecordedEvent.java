package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * One thing a user did with a catalogue item, at a point in time.
 *
 * @param basketId the order (basket, invoice) the event belongs to; empty when it has none (a
 *     purchase without one is an order of its own); the readers and the gRPC service take it by
 *     {@link io.glassbox.server.RequestChecks#optionalIdProblem}
 */
public record RecordedEvent(String itemId, Instant time, EventType type, String basketId) {
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
