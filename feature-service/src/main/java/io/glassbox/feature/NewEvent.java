package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

/** An event to ingest, with the user it belongs to. */
public record NewEvent(String userId, RecordedEvent event) {
  public NewEvent {
    requireNonNull(userId, "userId");
    requireNonNull(event, "event");
  }
}
