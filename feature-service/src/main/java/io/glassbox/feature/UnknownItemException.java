package io.glassbox.feature;

/** An ingested event names an item the catalogue does not have; nothing was stored. */
public final class UnknownItemException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int eventIndex;
  private final String itemId;

  public UnknownItemException(int eventIndex, String itemId) {
    super("event " + eventIndex + " names unknown item \"" + itemId + "\"");
    this.eventIndex = eventIndex;
    this.itemId = itemId;
  }

  /** Position of the offending event in the batch, 0-based. */
  public int eventIndex() {
    return eventIndex;
  }

  public String itemId() {
    return itemId;
  }
}
