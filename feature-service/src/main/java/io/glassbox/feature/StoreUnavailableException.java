package io.glassbox.feature;

/** The store's backend (Redis) cannot be reached or failed; nothing was changed. Retryable. */
public final class StoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
