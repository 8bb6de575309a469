package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RedisServer;
import io.glassbox.server.ServerSettings;
import io.glassbox.server.ServiceStartup;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * A data folder larger than Redis's maxmemory (noeviction, as deploy's Redis runs): the start
 * stops with one message saying what was seeded and what to do, a restart on the same Redis
 * refuses again rather than serve the partial seed, and one after maxmemory is raised seeds all.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SeedIntoAFullRedisTest {
  private static final int CUSTOMERS = 4000;
  private static final int EVENTS_PER_CUSTOMER = 8;

  @Test
  void start_dataFolderLargerThanRedisMaxmemory_refusesWithASetupMistake_untilMaxmemoryIsRaised(
      @TempDir Path data) {
    GeneratedShop.write(data, 500, CUSTOMERS, EVENTS_PER_CUSTOMER);
    try (RedisServer redis = RedisServer.startFresh()) {
      try (Jedis jedis = redis.connect()) {
        long used = Long.parseLong(jedis.info("memory").lines()
            .filter(line -> line.startsWith("used_memory:")).findFirst().orElseThrow().split(":")[1].trim());
        // Room for a part of the folder only (its seed takes several MB).
        jedis.configSet("maxmemory", String.valueOf(used + 1_000_000));
        jedis.configSet("maxmemory-policy", "noeviction");
      }
      ConfigSource source = settings(data, redis);

      StoreFullException full = assertThrows(StoreFullException.class, () -> FeatureMain.start(source));

      String line = ServiceStartup.describe(full, FeatureMain.SETUP_MISTAKES).orElseThrow();
      assertTrue(line.contains("maxmemory"), line);
      assertTrue(line.contains("of " + CUSTOMERS + " customers"), line);
      assertTrue(line.contains("raise"), line);
      try (Jedis jedis = redis.connect()) {
        assertNull(jedis.get("glassbox:dataset"), "no seed marker for a partial seed");
        assertTrue(jedis.dbSize() > 0, "the partial seed is left, for the next start to write over");
      }

      // The next start on that Redis does not serve the partial seed: it refuses the same way.
      assertThrows(StoreFullException.class, () -> FeatureMain.start(source));

      try (Jedis jedis = redis.connect()) {
        jedis.configSet("maxmemory", "0");
      }
      GrpcServer server = FeatureMain.start(source);
      try {
        assertEquals(EVENTS_PER_CUSTOMER, totalEvents(server, "C" + (CUSTOMERS - 1)));
      } finally {
        server.close();
      }
    }
  }

  private static ConfigSource settings(Path data, RedisServer redis) {
    return ConfigSource.of(Map.of(
        FeatureConfig.PORT_KEY, "0",
        FeatureConfig.ADMIN_PORT_KEY, "0",
        ServerSettings.METRICS_PORT_KEY, "0",
        FeatureConfig.DATA_DIR_KEY, data.toString(),
        FeatureConfig.STORE_KEY, "redis",
        FeatureConfig.REDIS_URI_KEY, redis.uri().toString()));
  }

  private static long totalEvents(GrpcServer server, String user) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", server.port()).usePlaintext().build();
    try {
      return FeatureServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
          .getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(user).setMaxEvents(1000).build())
          .getTotalEvents();
    } finally {
      channel.shutdownNow();
    }
  }
}
