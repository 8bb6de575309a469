package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.GrpcServer;
import io.glassbox.server.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/**
 * A seed of an emptied Redis that keeps failing is retried after a pause that doubles, not on
 * every ping: a Redis now holding another dataset refuses each seed at once, so without the pause
 * readiness would try it twice a second for good, each try a WARN.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReseedBackoffTest {
  private static final Duration PING_INTERVAL = Duration.ofMillis(10);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);

  @Test
  void reseedKeepsFailing_retriedAfterAPauseThatDoubles_notOnEveryPing() {
    whileReseeding("another dataset", () -> { }, ping -> {
      List<Long> tries = ping.awaitReseeds(3);

      // Tries at 0, after 100 ms, then after 200 ms more; on every ping (10 ms) they would be 10 ms apart.
      long firstPause = tries.get(1) - tries.get(0);
      long secondPause = tries.get(2) - tries.get(1);
      assertTrue(firstPause >= FIRST_BACKOFF.toNanos(), "first pause " + firstPause + " ns");
      assertTrue(secondPause >= FIRST_BACKOFF.multipliedBy(2).toNanos(), "second pause " + secondPause + " ns");
    });
  }

  @Test
  void reseedRunsOutOfMemory_isTriedAgain_notTheEndOfThePings() {
    whileReseeding(null, firstThrows(new OutOfMemoryError("Java heap space")), ping -> {
      // An Error escaping the ping task would end it: no second try, NOT_SERVING for good.
      List<Long> tries = ping.awaitReseeds(2);
      assertTrue(tries.get(1) - tries.get(0) >= FIRST_BACKOFF.toNanos(), "tried again at once");
    });
  }

  @Test
  void reseedFailsOnABug_isNotTriedAgain() {
    whileReseeding(null, firstThrows(new StackOverflowError()), ping -> {
      ping.awaitReseeds(1);

      // Retried, a second try would come after FIRST_BACKOFF; none comes in five of them.
      LockSupport.parkNanos(FIRST_BACKOFF.multipliedBy(5).toNanos());
      assertEquals(1, ping.reseedCount(), "seeds tried");
    });
  }

  /**
   * Loads a store, empties its Redis (leaving {@code markerLeft} as the seed marker unless null),
   * starts readiness over it, its ping running {@code beforeReseed} as each seed is tried, and
   * runs {@code check} on that ping.
   */
  private static void whileReseeding(String markerLeft, Runnable beforeReseed, Consumer<RecordingPing> check) {
    try (RedisServer redis = RedisServer.startFresh()) {
      URI uri = redis.uri();
      RedisEventStore store = TestData.redisStore(uri);
      store.load(TestData.small());
      try (Jedis jedis = redis.connect()) {
        jedis.flushAll();
        if (markerLeft != null) {
          jedis.set("glassbox:dataset", markerLeft);
        }
      }
      RecordingPing ping = new RecordingPing(
          new SeededStorePing(new RedisPing(uri, uri.toString(), RedisPing.DEADLINE), store), beforeReseed);
      StoreReadiness readiness = new StoreReadiness(ping, PING_INTERVAL, FIRST_BACKOFF, Duration.ofSeconds(10));
      try (GrpcServer server = GrpcServer.inProcess("feature-service", "reseed-backoff-" + UUID.randomUUID())
              .addService(new FeatureGrpcService(store, new CandidateRetriever(store, 20), TestData.TIME_LIMIT,
                  TestData.NO_ZONE))
              .start()) {
        server.setServing(true);
        readiness.start(server);
        check.accept(ping);
      } finally {
        readiness.close();
        store.close();
      }
    }
  }

  /** Throws {@code error} on the first seed tried; lets the others through. */
  private static Runnable firstThrows(Error error) {
    AtomicInteger tries = new AtomicInteger();
    return () -> {
      if (tries.incrementAndGet() == 1) {
        throw error;
      }
    };
  }

  /** The real ping, noting when each seed is tried (System.nanoTime, not a log's wall clock). */
  private static final class RecordingPing implements StorePing {
    private final StorePing real;
    private final List<Long> reseeds = new CopyOnWriteArrayList<>();
    private final Runnable beforeReseed;

    /** {@code beforeReseed} runs as each seed is tried, after it is noted, and may throw in its place. */
    RecordingPing(StorePing real, Runnable beforeReseed) {
      this.real = real;
      this.beforeReseed = beforeReseed;
    }

    @Override
    public void ping() {
      real.ping();
    }

    @Override
    public void reseed() {
      reseeds.add(System.nanoTime());
      beforeReseed.run();
      real.reseed();
    }

    @Override
    public void close() {
      real.close();
    }

    int reseedCount() {
      return reseeds.size();
    }

    List<Long> awaitReseeds(int count) {
      while (reseeds.size() < count) {
        // The class's timeout interrupts: end then, or parkNanos returns at once for good.
        if (Thread.interrupted()) {
          throw new AssertionError(reseeds.size() + " of " + count + " seeds tried");
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
      return List.copyOf(reseeds);
    }
  }
}
