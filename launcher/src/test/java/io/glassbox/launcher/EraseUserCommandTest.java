package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.feature.FeatureConfig;
import io.glassbox.feature.FeatureMain;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RedisServer;
import io.glassbox.server.ServerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** {@code bin/glassbox erase-user} against a real feature service on its admin port. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EraseUserCommandTest {
  @TempDir Path dir;
  private GrpcServer feature;

  @BeforeEach
  void startFeatureService() throws IOException {
    Path shop = Files.createDirectory(dir.resolve("shop"));
    Files.writeString(shop.resolve("items.csv"), "item_id,title\nA,Mug\nB,Plate\n");
    Files.writeString(shop.resolve("interactions.csv"), "user_id,item_id,timestamp,basket_id\n"
        + "u1,A,2011-12-09T12:50:00Z,o1\nu1,B,2011-12-09T12:50:00Z,o1\nu2,A,2011-12-09T13:00:00Z,o2\n");
    feature = FeatureMain.start(ConfigSource.of(Map.of(
        FeatureConfig.DATA_DIR_KEY, shop.toString(),
        FeatureConfig.PORT_KEY, "0",
        FeatureConfig.ADMIN_PORT_KEY, "0",
        ServerSettings.METRICS_PORT_KEY, "0")));
  }

  @AfterEach
  void stop() {
    feature.close();
  }

  private CliRun erase(String userId) {
    return CliRun.of("erase-user", "--user", userId, "--target", "localhost:" + feature.adminPort());
  }

  @Test
  void eraseUser_knownUser_printsWhatWentAndWhatStays_thenNothingTheSecondTime() {
    CliRun erased = erase("u1");

    assertEquals(0, erased.exit(), erased.err());
    assertEquals(String.format("Erased user u1 from the feature service (its memory): 2 events in 1 order, and that"
        + " order's share of the co-purchase counts.%n%s%n", EraseUserCommand.NOT_ERASED), erased.out());

    CliRun again = erase("u1");

    assertEquals(0, again.exit(), again.err());
    assertEquals(String.format("The feature service holds nothing of user u1 (erased before, or never seen): nothing"
        + " to erase.%n%s%n", EraseUserCommand.NOT_ERASED), again.out());
  }

  /**
   * What stays is said as the READMEs say it (README.md "Personal data", feature-service/README.md
   * "What stays"): the orders the store no longer held keep counting for co-purchase, and the model
   * and the data folder still hold the user.
   */
  @Test
  void eraseUser_saysWhatStays_asTheReadmesDo() {
    CliRun erased = erase("u2");

    assertEquals(0, erased.exit(), erased.err());
    assertEquals(String.format("Erased user u2 from the feature service (its memory): 1 event in 1 order, and that"
        + " order's share of the co-purchase counts.%n"
        + "Not erased (feature-service/README.md, \"Erasing a user\"):%n"
        + "- item-level counts that name no user: interaction and purchase counts, recent purchase times"
        + " (on Redis, less the user's rows of the data folder);%n"
        + "- the co-purchase counts of orders the store no longer held: a closed order whose every line the per-user"
        + " cap dropped, one the cap cut whole at load, and the closed orders of a user the in-memory store evicted"
        + " earlier;%n"
        + "- the trained model: it keeps what it learned from the user's purchases until retrained without them;%n"
        + "- logs, backups, and Redis's AOF until Redis rewrites it;%n"
        + "- the data folder the feature service reads at start (GLASSBOX_DATA_DIR), the shop's own file: remove the"
        + " customer there too, or they come back at the next start; on Redis, restart on the same Redis with"
        + " the cleaned folder to keep what was ingested since the seed.%n"), erased.out());
  }

  /**
   * On Redis, an erasure whose compaction cannot run (another replica holds its lock past the 10 s
   * wait) prints the service's own words, what is left and to erase again, and exits 1; before,
   * it printed "the feature store is unavailable; retry shortly". Erasing again once the lock is
   * gone says it finished that erasure, not that the service holds nothing of the user.
   */
  @Test
  void eraseUser_onRedis_whileTheCompactionIsHeld_printsWhatIsLeftAndFails() throws IOException {
    try (RedisServer redis = RedisServer.startFresh()) {
      GrpcServer onRedis = FeatureMain.start(ConfigSource.of(Map.of(
          FeatureConfig.DATA_DIR_KEY, dir.resolve("shop").toString(),
          FeatureConfig.STORE_KEY, "redis",
          FeatureConfig.REDIS_URI_KEY, redis.uri().toString(),
          FeatureConfig.PORT_KEY, "0",
          FeatureConfig.ADMIN_PORT_KEY, "0",
          ServerSettings.METRICS_PORT_KEY, "0")));
      try (Jedis jedis = redis.connect()) {
        jedis.set("glassbox:orders-compact-lock", "another replica's");

        CliRun refused = CliRun.of("erase-user", "--user", "u1", "--target", "localhost:" + onRedis.adminPort());

        assertEquals(1, refused.exit(), refused.out());
        assertTrue(refused.err().lines().anyMatch(line -> line.equals("glassbox: UNAVAILABLE: user erased and their orders withdrawn"
            + " from co-purchase, but their order lines are not yet gone from glassbox:orders: the compaction that"
            + " removes them did not finish within 10 s; erase again")), refused.err());

        jedis.del("glassbox:orders-compact-lock");
        CliRun finished = CliRun.of("erase-user", "--user", "u1", "--target", "localhost:" + onRedis.adminPort());

        assertEquals(0, finished.exit(), finished.err());
        // The withdrawal line: the seed writes no order lines of the data folder's orders.
        assertEquals(String.format("Finished the erasure of user u1 from the feature service (its Redis store) that an"
            + " earlier call left unfinished: 1 order line removed.%n%s%n", EraseUserCommand.NOT_ERASED),
            finished.out());
      } finally {
        onRedis.close();
      }
    }
  }

  @Test
  void eraseUser_invalidUserId_failsNamingTheField() {
    CliRun refused = erase("x".repeat(129));

    assertEquals(1, refused.exit(), refused.out());
    assertTrue(refused.err().contains("user_id must be at most 128 characters, got 129"), refused.err());
  }
}
