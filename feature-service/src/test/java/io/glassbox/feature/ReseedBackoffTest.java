package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.LogCapture;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;

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
    try (RedisServer redis = RedisServer.startFresh()) {
      URI uri = redis.uri();
      RedisEventStore store = new RedisEventStore(new JedisPooled(uri, 2000), uri.toString(), 100, 200, "GBP",
          TestData.ROOMY);
      store.load(TestData.small());
      try (Jedis jedis = redis.connect()) {
        jedis.flushAll();
        jedis.set("glassbox:dataset", "another dataset");
      }
      String name = "reseed-backoff-" + UUID.randomUUID();
      StoreReadiness readiness = new StoreReadiness(
          new SeededStorePing(new RedisPing(uri, uri.toString(), RedisPing.DEADLINE), store),
          PING_INTERVAL, FIRST_BACKOFF, Duration.ofSeconds(10));
      try (LogCapture logged = LogCapture.of(StoreReadiness.class, Level.WARN);
          GrpcServer server = GrpcServer.inProcess("feature-service", name)
              .addService(new FeatureGrpcService(store, new CandidateRetriever(store, 20), TestData.TIME_LIMIT,
                  TestData.NO_ZONE))
              .start()) {
        server.setServing(true);
        readiness.start(server);
        List<ILoggingEvent> failures = awaitFailedSeeds(logged, 3);

        // Tries at 0, after 100 ms, then after 200 ms more; each ping (10 ms) would take 20 ms.
        long firstToThird = failures.get(2).getTimeStamp() - failures.get(0).getTimeStamp();
        assertTrue(firstToThird >= FIRST_BACKOFF.multipliedBy(3).toMillis(),
            "third seed " + firstToThird + " ms after the first");
      } finally {
        readiness.close();
        store.close();
      }
    }
  }

  private static List<ILoggingEvent> awaitFailedSeeds(LogCapture logged, int count) {
    while (true) {
      List<ILoggingEvent> failures = logged.lines().stream()
          .filter(line -> line.getFormattedMessage().startsWith("Cannot seed the feature store again"))
          .toList();
      if (failures.size() >= count) {
        return failures;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }
}
