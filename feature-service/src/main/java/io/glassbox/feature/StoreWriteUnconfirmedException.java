package io.glassbox.feature;

/**
 * A write was sent to the store's backend (Redis) but never confirmed: the command timed out or
 * the connection was lost after it went out, so the backend may have applied it, late or at once.
 * Resending it with the same event ids is safe (they are counted once); without ids it is not.
 */
public final class StoreWriteUnconfirmedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreWriteUnconfirmedException(String message, Throwable cause) {
    super(message, cause);
  }
}
