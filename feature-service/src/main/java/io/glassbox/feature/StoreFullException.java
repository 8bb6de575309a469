package io.glassbox.feature;

/**
 * The store has no room for more data (Redis out of memory, or the in-memory store's heap nearly
 * full: {@link HeapRoom}); nothing was changed.
 */
public final class StoreFullException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreFullException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreFullException(String message) {
    super(message);
  }
}
