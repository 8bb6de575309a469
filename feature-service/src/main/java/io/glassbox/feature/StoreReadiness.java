package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import io.glassbox.server.GrpcServer;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the service's readiness follow its store: once started, pings the store's backend
 * {@link #INTERVAL} after the last ping ended, on a daemon thread of its own (so pings never
 * overlap; each has a deadline of its own, {@link RedisPing#DEADLINE}) and, while the pings fail,
 * has the server report {@code glassbox.v1.FeatureService} and {@code /ready} NOT_SERVING (the
 * overall health status and {@code /live}, which liveness asks, stay SERVING: a restart would not
 * bring Redis back), SERVING again once a ping answers. A store found without its data (Redis
 * restarted empty) is NOT_SERVING, with one ERROR, while the ping thread seeds the dataset again
 * ({@link StorePing#reseed}), at once and then after each failure with a backoff of
 * {@link #RESEED_BACKOFF} doubling up to {@link #MAX_RESEED_BACKOFF}; SERVING again once seeded,
 * counted by {@code glassbox_feature_store_reseeds_total}. Shows the last answer as
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
  static final Duration RESEED_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_RESEED_BACKOFF = Duration.ofMinutes(1);
  static final String RESEEDS_COUNTER = "glassbox_feature_store_reseeds";

  private final StorePing store;
  private final Duration interval;
  private final ScheduledExecutorService pinger;
  /** The last ping's outcome; the data was just loaded from the store when pinging starts. */
  private volatile boolean up = true;
  /** Whether the store was found without its data and is not seeded again yet; ping thread only. */
  private boolean lost;
  /** When the next seed may start ({@link System#nanoTime}), and the pause after it fails. */
  private long nextReseedAt;
  private final Duration firstReseedBackoff;
  private final Duration maxReseedBackoff;
  private Duration reseedBackoff;
  private final AtomicLong reseeds = new AtomicLong();

  /** @param store closed with this, after the last ping */
  StoreReadiness(StorePing store, Duration interval) {
    this(store, interval, RESEED_BACKOFF, MAX_RESEED_BACKOFF);
  }

  /**
   * @param firstReseedBackoff the pause after a seed fails, doubled after each further failure
   * @param maxReseedBackoff the longest such pause
   */
  StoreReadiness(StorePing store, Duration interval, Duration firstReseedBackoff, Duration maxReseedBackoff) {
    this.store = requireNonNull(store, "store");
    this.interval = requireNonNull(interval, "interval");
    this.firstReseedBackoff = requireNonNull(firstReseedBackoff, "firstReseedBackoff");
    this.maxReseedBackoff = requireNonNull(maxReseedBackoff, "maxReseedBackoff");
    this.reseedBackoff = firstReseedBackoff;
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
    CounterWithCallback.builder()
        .name(RESEEDS_COUNTER)
        .help("Times the feature store's backend was found without its data (Redis restarted empty) and"
            + " the dataset was seeded into it again; events ingested before each are lost")
        .callback(counter -> counter.call(reseeds.get()))
        .register(server.metrics());
    pinger.scheduleWithFixedDelay(() -> ping(server), interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void ping(GrpcServer server) {
    String failure = null;
    try {
      store.ping();
    } catch (StoreDataLostException e) {
      if (!lost) {
        lost = true;
        up = false;
        nextReseedAt = System.nanoTime();
        server.setServicesAvailable(false);
        log.error("Feature store lost its data ({}; no part of Glassbox can bring them back); the service is "
            + "NOT_SERVING, refuses reads and writes with UNAVAILABLE and seeds the dataset again", e.getMessage());
      }
      reseed(server);
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

  /** Seeds the lost store again when its backoff allows; the ping thread's own, so never two at once. */
  private void reseed(GrpcServer server) {
    if (System.nanoTime() - nextReseedAt < 0) {
      return;
    }
    try {
      store.reseed();
    } catch (RuntimeException | OutOfMemoryError e) {
      // An OutOfMemoryError reading the dataset too: one escaping would end the pings, and with
      // them the retries, leaving the service NOT_SERVING for good (the shipped image runs with
      // -XX:+ExitOnOutOfMemoryError, so there the JVM exits instead).
      nextReseedAt = System.nanoTime() + reseedBackoff.toNanos();
      log.warn("Cannot seed the feature store again ({}); the service stays NOT_SERVING and tries again in {} ms",
          e.getMessage(), reseedBackoff.toMillis());
      reseedBackoff = Collections.min(List.of(reseedBackoff.multipliedBy(2), maxReseedBackoff));
      return;
    } catch (Error e) {
      // A StackOverflowError, LinkageError or AssertionError is a bug that trying again would not
      // mend: logged here, since the executor would keep it silent, and it ends the pings.
      log.error("Seeding the feature store again failed on a bug; the service stays NOT_SERVING and does"
          + " not try again", e);
      throw e;
    }
    reseeds.incrementAndGet();
    lost = false;
    reseedBackoff = firstReseedBackoff;
    up = true;
    server.setServicesAvailable(true);
    log.info("Feature store seeded with the dataset again; the service is SERVING again");
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
