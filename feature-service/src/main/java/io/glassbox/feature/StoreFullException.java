package io.glassbox.feature;

/** The store's backend has no room for more data (Redis out of memory); nothing was changed. */
public final class StoreFullException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreFullException(String message, Throwable cause) {
    super(message, cause);
  }
}
