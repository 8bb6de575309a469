package io.glassbox.feature;

import java.util.function.UnaryOperator;

/**
 * An ingested event reuses the event id of a different event of the same user (another item,
 * type or order) within the dedupe window; nothing was stored. A resend repeats its event, so
 * this is a client's mistake, not a retry, and storing neither copy silently is the only way to
 * lose nothing: the caller learns that the id is taken.
 */
public final class EventIdConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int eventIndex;
  private final EventIdentity earlierEvent;

  /**
   * @param earlierEvent what the id was first used for
   */
  public EventIdConflictException(int eventIndex, EventIdentity earlierEvent) {
    super("event " + eventIndex + " reuses the id of a different event: " + earlierEvent.text(UnaryOperator.identity()));
    this.eventIndex = eventIndex;
    this.earlierEvent = earlierEvent;
  }

  /** Position of the offending event in the batch, 0-based. */
  public int eventIndex() {
    return eventIndex;
  }

  /** The event the id was first used for: its type, item and order, each whole. */
  public EventIdentity earlierEvent() {
    return earlierEvent;
  }
}
