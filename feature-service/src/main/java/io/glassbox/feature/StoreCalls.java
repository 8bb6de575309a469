package io.glassbox.feature;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a store call for a gRPC method, turning the store's failures into status codes. */
final class StoreCalls {
  private static final Logger log = LoggerFactory.getLogger(StoreCalls.class);

  private StoreCalls() {}

  /**
   * UNAVAILABLE while the store loads or when its backend cannot be reached (retryable),
   * RESOURCE_EXHAUSTED when the backend is full. The description never carries internals.
   */
  static <T> T call(Supplier<T> call) {
    try {
      return call.get();
    } catch (StoreNotReadyException e) {
      throw status(Status.UNAVAILABLE, e.getMessage() + "; retry shortly");
    } catch (StoreUnavailableException e) {
      log.warn("Feature store unavailable: {}", e.getMessage());
      throw status(Status.UNAVAILABLE, "the feature store is unavailable; retry shortly");
    } catch (StoreFullException e) {
      log.error("Feature store full: {}", e.getMessage());
      throw status(Status.RESOURCE_EXHAUSTED, "the feature store is full; nothing was stored");
    }
  }

  private static StatusRuntimeException status(Status status, String description) {
    return status.withDescription(description).asRuntimeException();
  }
}
