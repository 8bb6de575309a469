package io.glassbox.feature;

/**
 * An erasure stopped short for a reason the operator acts on, not an outage: what it did, what is
 * left and what to do, in {@link #description()}, which names nothing internal and is the caller's
 * to read; {@link #getMessage()} adds where (the Redis), for the log. Erasing again finishes it.
 */
public final class ErasureUnfinishedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why the erasure stopped. */
  public enum Reason {
    /** The user's events changed under every try: retrying helps once their ingestion stops (ABORTED). */
    EVENTS_KEPT_CHANGING,
    /** The user is erased but the compaction removing their order lines did not finish: erase again (UNAVAILABLE). */
    ORDER_LINES_LEFT,
    /**
     * The user is erased but the store is full (Redis at its maxmemory), which refused the compaction
     * removing their order lines: erase again once it has room (RESOURCE_EXHAUSTED).
     */
    STORE_FULL
  }

  private final Reason reason;
  private final String description;

  /**
   * @param description what happened and what to do, for the caller: nothing internal
   * @param where the store it happened in ("Redis host:6379"), for the log only
   */
  public ErasureUnfinishedException(Reason reason, String description, String where) {
    super(description + " (" + where + ")");
    this.reason = reason;
    this.description = description;
  }

  public Reason reason() {
    return reason;
  }

  /** What the caller is told. */
  public String description() {
    return description;
  }
}
