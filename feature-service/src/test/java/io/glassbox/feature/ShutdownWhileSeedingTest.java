package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.RedisServer;
import io.glassbox.server.ServerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The real feature service, in a JVM of its own on Redis, sent SIGTERM while it seeds at start:
 * it releases the seed lock as it exits, so another replica on that Redis seeds at once rather
 * than waiting NOT_SERVING for the lock's 120 s.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ShutdownWhileSeedingTest {
  private static final String SEED_LOCK = RedisEventStore.PREFIX + "seed-lock";
  private static final String SEED_MARKER = RedisEventStore.PREFIX + "dataset";
  /** Shoppers of one order each: enough that the seed is still running when SIGTERM lands. */
  private static final int SHOPPERS = 200_000;
  private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

  @Test
  void sigterm_whileSeedingAtStart_releasesTheSeedLock_soAnotherReplicaSeedsAtOnce(@TempDir Path dir)
      throws IOException, InterruptedException {
    Path data = Files.createDirectory(dir.resolve("data"));
    writeShoppers(data);
    Path log = dir.resolve("feature-service.log");
    try (RedisServer redis = RedisServer.startFresh(); Jedis jedis = redis.connect()) {
      Process service = startService(data, redis, log);
      try {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!jedis.exists(SEED_LOCK)) {
          assertTrue(service.isAlive() && System.nanoTime() < deadline,
              "the service never took the seed lock; its log:\n" + Files.readString(log));
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        service.destroy(); // SIGTERM
        assertTrue(service.waitFor(60, TimeUnit.SECONDS), "the service did not exit on SIGTERM");
      } finally {
        service.destroyForcibly();
      }
      assertFalse(jedis.exists(SEED_MARKER), "the seed finished before SIGTERM; its log:\n" + Files.readString(log));
      assertFalse(jedis.exists(SEED_LOCK), "the seed lock outlived the service (ttl " + jedis.ttl(SEED_LOCK)
          + " s); its log:\n" + Files.readString(log));

      RedisEventStore other = TestData.redisStore(redis.uri());
      try {
        long started = System.nanoTime();
        other.load(new DatasetReader(data).read());
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(60), "waited for the seed lock");
        assertEquals(1, other.history("s7", 10).totalEvents());
      } finally {
        other.close();
      }
    }
  }

  /** {@link #SHOPPERS} shoppers, each with one purchase of one of 100 items, as the CSVs an operator brings. */
  private static void writeShoppers(Path data) throws IOException {
    StringBuilder items = new StringBuilder("item_id,title\n");
    for (int i = 0; i < 100; i++) {
      items.append('I').append(i).append(",Item ").append(i).append('\n');
    }
    Files.writeString(data.resolve("items.csv"), items);
    StringBuilder interactions = new StringBuilder("user_id,item_id,timestamp\n");
    for (int s = 0; s < SHOPPERS; s++) {
      interactions.append('s').append(s).append(",I").append(s % 100).append(",2011-03-03T09:00:00Z\n");
    }
    Files.writeString(data.resolve("interactions.csv"), interactions);
  }

  /** FeatureMain in a JVM of its own on the Redis store, on free ports, logging into {@code log}. */
  private static Process startService(Path data, RedisServer redis, Path log) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        FeatureMain.class.getName())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().put(FeatureConfig.PORT_KEY, "0");
    builder.environment().put(FeatureConfig.ADMIN_PORT_KEY, "0");
    builder.environment().put(ServerSettings.METRICS_PORT_KEY, "0");
    builder.environment().put(FeatureConfig.DATA_DIR_KEY, data.toString());
    builder.environment().put(FeatureConfig.STORE_KEY, "redis");
    builder.environment().put(FeatureConfig.REDIS_URI_KEY, redis.uri().toString());
    return builder.start();
  }
}
