package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.glassbox.server.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/** {@link RedisPing} against a real redis-server that asks for a password ({@code --requirepass}). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RedisPingTest {
  private static final String PASSWORD = "right-password";
  private static RedisServer redis;
  private static int port;

  @BeforeAll
  static void startRedisWithAPassword() {
    redis = RedisServer.startWithPassword(PASSWORD);
    port = redis.port();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
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
    try (Jedis jedis = redis.connect()) {
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
