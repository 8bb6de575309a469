package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.glassbox.feature.FeatureConfig;
import io.glassbox.feature.StoreUnavailableException;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.RedisServer;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * What {@code up --store redis} says when its Redis cannot be reached. The command it prints is
 * run as printed by .ci/smoke (a Redis on the port of GLASSBOX_REDIS_URI answers PING after it).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class UpRedisAdviceTest {
  private static final String ROOT = System.getProperty("glassbox.repo.root");

  @TempDir Path dir;
  /** A folder on PATH with a redis-server in it; {@link #empty}, one without. */
  private Path installed;
  private Path empty;

  @BeforeEach
  void installRedisServer() throws IOException {
    installed = Files.createDirectory(dir.resolve("installed"));
    empty = Files.createDirectory(dir.resolve("empty"));
    Files.setPosixFilePermissions(Files.writeString(installed.resolve("redis-server"), "#!/bin/sh\n"),
        PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void redisServerNotOnPath_saysToInstallItAndWhichPackage_beforeTheCommand() {
    String path = empty + File.pathSeparator + installed.resolve("not-a-folder");
    assertEquals("redis-server is not installed here (not on PATH): install it first (on Debian or Ubuntu:"
            + " sudo apt-get install redis-server).\n"
            + "Start Redis first, durable (every acknowledged event synced to disk):",
        String.join("\n", UpCommand.redisAdvice(URI.create("redis://localhost:6379"), path).lines().toList().subList(0, 2)));
  }

  @Test
  void redisOnThisMachine_theCommandStartsOneDurable_inAFolderItMakesFirst() {
    assertEquals("Start Redis first, durable (every acknowledged event synced to disk):\n"
            + "  mkdir -p ~/glassbox-redis && redis-server --appendonly yes --appendfsync always --dir ~/glassbox-redis"
            + " --daemonize yes\n"
            + "or point GLASSBOX_REDIS_URI at yours (e.g. redis://localhost:6379/0).",
        UpCommand.redisAdvice(URI.create("redis://localhost:6379"), empty + File.pathSeparator + installed));
  }

  @Test
  void redisOnThisMachineOnAnotherPort_theCommandStartsItOnThatPort() {
    assertEquals("  mkdir -p ~/glassbox-redis && redis-server --port 6390 --appendonly yes --appendfsync always"
            + " --dir ~/glassbox-redis --daemonize yes",
        UpCommand.redisAdvice(URI.create("redis://127.0.0.1:6390/2"), installed.toString()).lines().toList().get(1));
  }

  /** Nor to install one: where no redis-server is on PATH too, that Redis is not this machine's to start. */
  @Test
  void redisElsewhereOrWithAPasswordOrTls_noCommandThatWouldStartTheWrongOne() {
    String check = "Check that Redis at %s is up and reachable from here, or point GLASSBOX_REDIS_URI at yours.";
    String path = empty.toString();
    assertEquals(check.formatted("redis.internal:6379"),
        UpCommand.redisAdvice(URI.create("redis://redis.internal:6379"), path));
    assertEquals(check.formatted("localhost:6379"),
        UpCommand.redisAdvice(URI.create("redis://app:secret@localhost:6379"), path));
    assertEquals(check.formatted("localhost:6380"), UpCommand.redisAdvice(URI.create("rediss://localhost:6380"), path));
  }

  /**
   * A Redis on this machine that answers but refuses up (it wants a password the URI does not
   * give): nothing to start or install, but the refusal to look at.
   */
  @Test
  void up_redisAnswersButRefuses_saysWhatItRefused_notToStartOrInstallOne() {
    try (RedisServer redis = RedisServer.startWithPassword("not-in-the-uri")) {
      UpCommand up = new UpCommand();
      up.settings = () -> ConfigSource.of(Map.of(FeatureConfig.REDIS_URI_KEY, "redis://localhost:" + redis.port(),
          "GLASSBOX_DATA_DIR", ROOT + "/data/uci-online-retail", "GLASSBOX_MODEL_DIR", ROOT + "/models"));

      CliRun run = CliRun.ofCommand(up, "--store", "redis", "--no-metrics", "--http-port", "0", "--gateway-port", "0",
          "--feature-port", "0", "--model-port", "0", "--explain-port", "0", "--feature-admin-port", "0",
          "--model-admin-port", "0");

      assertEquals(1, run.exit(), run.err());
      assertEquals("glassbox: Redis redis://localhost:" + redis.port() + " (GLASSBOX_REDIS_URI) refused a command.\n"
          + "Redis at localhost:" + redis.port() + " answers but refused (NOAUTH): check the user and password in"
          + " GLASSBOX_REDIS_URI and what that user may run, or point it at another Redis.\n", run.errWithoutLogLines());
      assertFalse(run.err().contains("redis-server"), run.err());
    }
  }

  /**
   * R112's review: every refusal was blamed on the user and password, also a replica's READONLY, a
   * Redis still LOADING its data or a database number it does not have (ERR).
   */
  @Test
  void redisThatRefuses_isToldWhatItsCodeMeans() {
    URI redis = URI.create("redis://localhost:6391");
    String where = "Redis at localhost:6391 answers but refused ";

    assertEquals(where + "(READONLY): it is a read-only replica; point GLASSBOX_REDIS_URI at its primary.",
        UpCommand.redisAdvice(redis, refused("READONLY You can't write against a read only replica.")));
    assertEquals(where + "(LOADING): it is still loading its data; start again once it has.",
        UpCommand.redisAdvice(redis, refused("LOADING Redis is loading the dataset in memory")));
    assertEquals(where + "(ERR): what it refused is said above; point GLASSBOX_REDIS_URI at a Redis the suite may"
        + " use (its database number, user and password).",
        UpCommand.redisAdvice(redis, refused("ERR DB index is out of range")));
    assertEquals(where + "(WRONGPASS): check the user and password in GLASSBOX_REDIS_URI and what that user may run,"
        + " or point it at another Redis.", UpCommand.redisAdvice(redis, refused("WRONGPASS invalid username-password")));
  }

  private static StoreUnavailableException refused(String reply) {
    return new StoreUnavailableException("Redis refused", new JedisDataException(reply));
  }
}
