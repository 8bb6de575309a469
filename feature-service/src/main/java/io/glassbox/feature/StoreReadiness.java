package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import io.glassbox.server.GrpcServer;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the service's readiness follow its store: once started, pings the store's backend
 * {@link #INTERVAL} after the last ping ended, on a daemon thread of its own (so pings never
 * overlap; each has a deadline of its own, {@link RedisPing#DEADLINE}) and, while the pings fail,
 * has the server report {@code glassbox.v1.FeatureService} and {@code /ready} NOT_SERVING (the
 * overall health status and {@code /live}, which liveness asks, stay SERVING: a restart would not
 * bring Redis back), SERVING again once a ping answers. A store found without its data (Redis
 * restarted empty) is NOT_SERVING for good, with one ERROR: only a restart seeds it again. Shows the last answer as
 * {@code glassbox_feature_store_up} (1 or 0) on {@code /metrics}; logs one WARN when the store goes
 * down and one INFO when it is back.
 */
final class StoreReadiness implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreReadiness.class);
  /**
   * The pause between two pings: a hung Redis is NOT_SERVING within this and a ping's deadline, 2 s
   * in all, a dead one within this, so the readiness probe (every 5 s) sees an outage on its next ask.
   */
  static final Duration INTERVAL = Duration.ofMillis(500);
  /** Longer than a ping's deadline. */
  private static final Duration CLOSE_WAIT = RedisPing.DEADLINE.multipliedBy(2);

  private final StorePing store;
  private final Duration interval;
  private final ScheduledExecutorService pinger;
  /** The last ping's outcome; the data was just loaded from the store when pinging starts. */
  private volatile boolean up = true;
  /** Whether the store was found without its data; it stays so until the service restarts. */
  private boolean lossLogged;

  /** @param store closed with this, after the last ping */
  StoreReadiness(StorePing store, Duration interval) {
    this.store = requireNonNull(store, "store");
    this.interval = requireNonNull(interval, "interval");
    this.pinger = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "feature-store-readiness");
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Registers the gauge on {@code server}'s {@code /metrics} and starts pinging. */
  void start(GrpcServer server) {
    GaugeWithCallback.builder()
        .name("glassbox_feature_store_up")
        .help("Whether the feature store's backend answered its last ping, two a second: 1 or 0"
            + " (always 1 on the in-memory store)")
        .callback(gauge -> gauge.call(up ? 1 : 0))
        .register(server.metrics());
    pinger.scheduleWithFixedDelay(() -> ping(server), interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void ping(GrpcServer server) {
    String failure = null;
    try {
      store.ping();
    } catch (StoreDataLostException e) {
      if (!lossLogged) {
        lossLogged = true;
        up = false;
        server.setServicesAvailable(false);
        log.error("Feature store lost its data ({}); the service is NOT_SERVING and refuses reads and writes "
            + "with UNAVAILABLE; restart it to seed the dataset again", e.getMessage());
      }
      return;
    } catch (RuntimeException e) {
      // Anything, not only StoreUnavailableException: an exception escaping would end the pings.
      failure = e.getMessage();
    }
    boolean answered = failure == null;
    if (answered == up) {
      return;
    }
    up = answered;
    server.setServicesAvailable(answered);
    if (answered) {
      log.info("Feature store is back; the service is SERVING again");
    } else {
      log.warn("Feature store is down ({}); the service is NOT_SERVING until it answers", failure);
    }
  }

  /** Stops pinging; waits for a ping in flight (at most its deadline) before closing its connection. */
  @Override
  public void close() {
    pinger.shutdownNow();
    try {
      pinger.awaitTermination(CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    store.close();
  }
}
