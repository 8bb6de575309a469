package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/** {@link RedisPing} against a real redis-server that asks for a password ({@code --requirepass}). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RedisPingTest {
  private static final String PASSWORD = "right-password";
  private static Process redis;
  private static int port;
  private static Path dir;

  @BeforeAll
  static void startRedisWithAPassword() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    dir = Files.createTempDirectory("glassbox-redis-auth-");
    redis = new ProcessBuilder(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
        "--requirepass", PASSWORD, "--dir", dir.toString(), "--save", "", "--appendonly", "no",
        "--daemonize", "no", "--loglevel", "warning"))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("redis.log").toFile())
        .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!answers()) {
      if (!redis.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("redis-server did not start on port " + port + "; see " + dir);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  private static boolean answers() {
    try (Jedis jedis = new Jedis("127.0.0.1", port, 200)) {
      jedis.auth(PASSWORD);
      return "PONG".equals(jedis.ping());
    } catch (JedisException notYet) {
      return false;
    }
  }

  @AfterAll
  static void stopRedis() throws InterruptedException, IOException {
    redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    Files.deleteIfExists(dir.resolve("redis.log"));
    Files.deleteIfExists(dir);
  }

  private static String failure(String userInfo) {
    String name = "redis://127.0.0.1:" + port;
    URI uri = URI.create("redis://" + userInfo + "127.0.0.1:" + port);
    try (RedisPing ping = new RedisPing(uri, name, Duration.ofSeconds(2))) {
      return assertThrows(StoreUnavailableException.class, ping::ping).getMessage();
    }
  }

  @Test
  void ping_wrongPassword_saysRedisRefusedThePassword_notThatItCannotBeReached() {
    assertEquals("Redis redis://127.0.0.1:" + port
        + " refused the password (WRONGPASS); check the credentials in GLASSBOX_REDIS_URI", failure(":wrong@"));
  }

  @Test
  void ping_noPassword_saysRedisRefusedThePassword_notThatItCannotBeReached() {
    assertEquals("Redis redis://127.0.0.1:" + port
        + " refused the password (NOAUTH); check the credentials in GLASSBOX_REDIS_URI", failure(""));
  }

  /** An ACL user whose password is right but who may not run PING is not told to check the password. */
  @Test
  void ping_userWithoutPermissionForPing_saysSo_notThatThePasswordWasRefused() {
    try (Jedis jedis = new Jedis("127.0.0.1", port, 2000)) {
      jedis.auth(PASSWORD);
      jedis.aclSetUser("limited", "on", ">pw", "~*", "+get");
    }

    assertEquals("Redis redis://127.0.0.1:" + port
        + " refused a command: the user in GLASSBOX_REDIS_URI may not run PING or SELECT (NOPERM)",
        failure("limited:pw@"));
  }

  @Test
  void ping_rightPassword_answers() {
    try (RedisPing ping = new RedisPing(URI.create("redis://:" + PASSWORD + "@127.0.0.1:" + port),
        "redis://127.0.0.1:" + port, Duration.ofSeconds(2))) {
      ping.ping();
    }
  }
}
