package io.glassbox.feature;

/**
 * The store's backend came back without the data this service loaded into it (Redis restarted
 * empty: its seed marker is gone). Nothing was read or stored; retryable once the service has
 * seeded the dataset again ({@link StoreReadiness}).
 */
public final class StoreDataLostException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreDataLostException(String message) {
    super(message);
  }
}
