package io.glassbox.feature;

import io.glassbox.server.Descriptions;
import io.glassbox.server.WarningLimiter;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.prometheus.metrics.core.metrics.Counter;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** Runs a store call for a gRPC method, turning the store's failures into status codes. */
final class StoreCalls {
  private static final Logger log = LoggerFactory.getLogger(StoreCalls.class);
  /**
   * While Redis is down or full every call fails alike: one line a minute (saying how many were
   * held back), the others at DEBUG; before, an outage under load logged each call, several per
   * Recommend.
   */
  private static final WarningLimiter UNAVAILABLE = new WarningLimiter(Duration.ofMinutes(1));
  private static final WarningLimiter FULL = new WarningLimiter(Duration.ofMinutes(1));
  private static final WarningLimiter BUSY = new WarningLimiter(Duration.ofMinutes(1));

  /**
   * The counter of calls refused because the store was full ({@link StoreFullException}: Redis at
   * its maxmemory, or the in-memory store's heap), which its owner registers; its series is
   * {@code glassbox_feature_store_full_refusals_total}.
   */
  static final String FULL_REFUSALS = "glassbox_feature_store_full_refusals";

  private StoreCalls() {}

  /** A counter named {@link #FULL_REFUSALS}, at 0, for {@link #call(Supplier, Counter)}; not registered. */
  static Counter fullRefusals() {
    return Counter.builder()
        .name(FULL_REFUSALS)
        .help("Feature-service calls refused RESOURCE_EXHAUSTED because the feature store was full (Redis at its"
            + " maxmemory, or the in-memory store's heap): IngestEvents calls (SubmitFeedback's through"
            + " them) and FeatureAdmin imports")
        .build();
  }

  /** As {@link #call(Supplier)}, counting a refusal for a full store in {@code fullRefusals}. */
  static <T> T call(Supplier<T> call, Counter fullRefusals) {
    return call(() -> {
      try {
        return call.get();
      } catch (StoreFullException e) {
        fullRefusals.inc();
        throw e;
      }
    });
  }

  /**
   * UNAVAILABLE while the store loads, when its backend cannot be reached (nothing stored;
   * retryable) or came back without its data (retryable; never NOT_FOUND for an item that was lost
   * with the data), or did not confirm a write it was sent (it may have been stored: resend it with
   * the same event ids), RESOURCE_EXHAUSTED when the backend is full or busy with this replica's
   * other writes (nothing sent: {@link StoreBusyException}). An erasure that stopped short
   * says what is left and what to do ({@link ErasureUnfinishedException}): ABORTED when the user's
   * events kept changing (a conflict: retry once their ingestion stops), UNAVAILABLE when the
   * compaction did not finish (erase again), RESOURCE_EXHAUSTED when the full store refused it (erase
   * again once it has room). The description never carries internals.
   */
  static <T> T call(Supplier<T> call) {
    try {
      return call.get();
    } catch (StoreNotReadyException e) {
      throw status(Status.UNAVAILABLE, e.getMessage() + "; retry shortly");
    } catch (StoreDataLostException e) {
      // StoreReadiness logs the loss once, as an ERROR; each refused call would repeat it.
      log.debug("Feature store lost its data: {}", e.getMessage());
      throw status(Status.UNAVAILABLE, "the feature store lost its data (its backend restarted empty); "
          + "nothing was read or stored; retry later");
    } catch (StoreUnavailableException e) {
      UNAVAILABLE.log(log, Level.WARN, "Feature store unavailable: {}", e.getMessage());
      throw status(Status.UNAVAILABLE, "the feature store is unavailable; retry shortly");
    } catch (StoreWriteUnconfirmedException e) {
      UNAVAILABLE.log(log, Level.WARN, "Feature store unavailable: {}", e.getMessage());
      throw status(Status.UNAVAILABLE, "the feature store did not confirm the write; " + Descriptions.MAY_HAVE_BEEN_STORED + ": "
          + "resend it with the same event ids, and it is counted once (an event without an event id would be "
          + "stored again)");
    } catch (StoreBusyException e) {
      BUSY.log(log, Level.WARN, "Feature store busy: {}", e.getMessage());
      throw status(Status.RESOURCE_EXHAUSTED, "the feature store is busy with other writes; nothing was stored; "
          + "resend with the same event ids after a pause");
    } catch (ErasureUnfinishedException e) {
      // An admin's call, rare: each is logged, with the Redis it ran on; the caller is told what to do.
      log.warn("Erasure unfinished: {}", e.getMessage());
      throw status(switch (e.reason()) {
        case EVENTS_KEPT_CHANGING -> Status.ABORTED;
        case ORDER_LINES_LEFT -> Status.UNAVAILABLE;
        case STORE_FULL -> Status.RESOURCE_EXHAUSTED;
      }, e.description());
    } catch (StoreFullException e) {
      FULL.log(log, Level.ERROR, "Feature store full: {}", e.getMessage());
      throw status(Status.RESOURCE_EXHAUSTED, "the feature store is full; nothing was stored");
    }
  }

  private static StatusRuntimeException status(Status status, String description) {
    return status.withDescription(description).asRuntimeException();
  }
}
