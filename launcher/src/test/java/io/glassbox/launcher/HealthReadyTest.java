package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.feature.FeatureConfig;
import io.glassbox.feature.FeatureMain;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * health --ready against the real feature service on a real redis-server: with Redis stopped the
 * overall status stays SERVING (plain health said all was well) while --ready names the service
 * that is NOT_SERVING; with Redis back, --ready --wait says SERVING.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HealthReadyTest {
  /** The feature service pings Redis twice a second; the rest is slack for a busy machine. */
  private static final Duration WITHIN = Duration.ofSeconds(20);

  @TempDir
  Path redisDir;

  @Test
  void featureServiceWithRedisStopped_plainHealthServing_readyNamesTheServiceNotServing_redisBack_serving()
      throws Exception {
    int redisPort = freePort();
    Process redis = startRedis(redisPort);
    try (GrpcServer server = FeatureMain.start(ConfigSource.of(Map.of(
        FeatureConfig.PORT_KEY, "0",
        FeatureConfig.ADMIN_PORT_KEY, "0",
        ServerSettings.METRICS_PORT_KEY, "0",
        FeatureConfig.DATA_DIR_KEY, System.getProperty("glassbox.repo.root") + "/data/uci-online-retail",
        FeatureConfig.STORE_KEY, "redis",
        FeatureConfig.REDIS_URI_KEY, "redis://127.0.0.1:" + redisPort)))) {
      String target = "localhost:" + server.port();
      CliRun up = CliRun.of("health", "--target", target, "--ready", "--wait", "60s");
      assertEquals(0, up.exit(), up.err());
      assertEquals(target + " is SERVING\n", up.out());

      redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
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

      redis = startRedis(redisPort);
      CliRun back = CliRun.of("health", "--target", target, "--ready", "--wait", "60s");
      assertEquals(0, back.exit(), back.err());
      assertEquals(target + " is SERVING\n", back.out());
    } finally {
      redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
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

  /** A redis-server on {@code port} keeping its data in an append-only file, so a restart finds it again. */
  private Process startRedis(int port) throws IOException {
    Process process = new ProcessBuilder(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
        "--dir", redisDir.toString(), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
        "--daemonize", "no", "--loglevel", "warning"))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(redisDir.resolve("redis.log").toFile()))
        .start();
    long deadline = System.nanoTime() + WITHIN.toNanos();
    while (true) {
      try (Jedis jedis = new Jedis("127.0.0.1", port, 200)) {
        if ("PONG".equals(jedis.ping())) {
          return process;
        }
      } catch (JedisException notYet) {
        // Not listening yet, or still replaying its append-only file (LOADING).
        assertTrue(process.isAlive() && System.nanoTime() < deadline, "redis-server did not start on " + port);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
