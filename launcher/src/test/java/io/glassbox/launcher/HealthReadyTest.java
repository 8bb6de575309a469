package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.feature.FeatureConfig;
import io.glassbox.feature.FeatureMain;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RedisServer;
import io.glassbox.server.ServerSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * health --ready against the real feature service on a real redis-server: with Redis stopped the
 * overall status stays SERVING (plain health said all was well) while --ready names the service
 * that is NOT_SERVING; with Redis back, --ready --wait says SERVING.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HealthReadyTest {
  /** The feature service pings Redis twice a second; the rest is slack for a busy machine. */
  private static final Duration WITHIN = Duration.ofSeconds(20);

  @Test
  void featureServiceWithRedisStopped_plainHealthServing_readyNamesTheServiceNotServing_redisBack_serving() {
    try (RedisServer redis = RedisServer.startFresh();
        GrpcServer server = FeatureMain.start(ConfigSource.of(Map.of(
            FeatureConfig.PORT_KEY, "0",
            FeatureConfig.ADMIN_PORT_KEY, "0",
            ServerSettings.METRICS_PORT_KEY, "0",
            FeatureConfig.DATA_DIR_KEY, System.getProperty("glassbox.repo.root") + "/data/uci-online-retail",
            FeatureConfig.STORE_KEY, "redis",
            FeatureConfig.REDIS_URI_KEY, redis.uri().toString())))) {
      String target = "localhost:" + server.port();
      CliRun up = CliRun.of("health", "--target", target, "--ready", "--wait", "60s");
      assertEquals(0, up.exit(), up.err());
      assertEquals(target + " is SERVING\n", up.out());

      redis.kill();
      CliRun ready = readyOnceNotServing(target);
      CliRun plain = CliRun.of("health", "--target", target);

      // Before, health had no --ready, and plain health said SERVING with the service's backend down.
      assertEquals(0, plain.exit(), plain.err());
      assertEquals(target + " is SERVING\n", plain.out());
      assertEquals(1, ready.exit(), ready.out());
      // The feature service, in this JVM, logs its outage to the same standard error.
      assertEquals(List.of("glassbox health: " + target + " is up, but its service " + FeatureServiceGrpc.SERVICE_NAME
          + " is NOT_SERVING (not ready: a backend it needs is down or being restored; the server's log says why)"),
          ready.err().lines().filter(line -> line.startsWith("glassbox health: ")).toList(), ready.err());

      redis.start(); // on its port, from its append-only file
      CliRun back = CliRun.of("health", "--target", target, "--ready", "--wait", "60s");
      assertEquals(0, back.exit(), back.err());
      assertEquals(target + " is SERVING\n", back.out());
    }
  }

  /** health --ready, asked until it says the server is not ready, for {@link #WITHIN} at most. */
  private static CliRun readyOnceNotServing(String target) {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    while (true) {
      CliRun ready = CliRun.of("health", "--target", target, "--ready");
      if (ready.exit() != 0 || System.nanoTime() > deadline) {
        return ready;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // a poll interval
    }
  }
}
