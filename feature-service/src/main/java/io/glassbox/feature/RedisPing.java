package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * PINGs Redis over a connection of its own with a deadline of its own, {@link #DEADLINE}: not the
 * requests' pool, whose connections a heavy ingestion may hold for a while (busy is not down), and
 * not their 2 s command timeout, which a Redis that accepts connections but never answers (hung,
 * stopped, swapping) would make each ping wait out. Connects on the first ping and again after a
 * failed one. Not thread-safe: {@link StoreReadiness} pings from one thread.
 */
final class RedisPing implements StorePing {
  /**
   * Connect and answer timeout of one ping. Redis answers a PING between two commands; the store's
   * longest are ingestion scripts of a thousand events (up to 0.3 s seen), and on a busy host Redis
   * also waits for a CPU: while 198,371 events were imported on a 2-core machine at load 16, PINGs
   * took 2 ms (median) and up to 0.95 s. 1.5 s keeps such a Redis SERVING; one silent that long
   * has stopped answering, and the requests could not use it within their deadlines either.
   */
  static final Duration DEADLINE = Duration.ofMillis(1500);

  private final URI uri;
  private final String redisName;
  private final Duration deadline;
  /** Null before the first ping and after a failed one. */
  private Jedis connection;

  /**
   * @param uri the Redis, with its credentials and database as the requests' pool uses it
   * @param redisName {@code uri} without its password, for messages
   */
  RedisPing(URI uri, String redisName, Duration deadline) {
    this.uri = requireNonNull(uri, "uri");
    this.redisName = requireNonNull(redisName, "redisName");
    this.deadline = requireNonNull(deadline, "deadline");
  }

  @Override
  public void ping() {
    boolean reused = connection != null;
    try {
      pingOnce();
    } catch (JedisConnectionException e) {
      // A connection Redis closed since the last ping (a restart) fails at once: a fresh one
      // decides. One that timed out is not tried again: that would double the deadline.
      if (!reused || timedOut(e)) {
        throw unavailable(e);
      }
      try {
        pingOnce();
      } catch (JedisException again) {
        throw unavailable(again);
      }
    } catch (JedisException e) {
      throw unavailable(e);
    }
  }

  private void pingOnce() {
    try {
      if (connection == null) {
        connection = new Jedis(uri, (int) deadline.toMillis());
      }
      connection.ping();
    } catch (JedisException e) {
      // Its reply may still come: the next ping must not read it as its own.
      close();
      throw e;
    }
  }

  private StoreUnavailableException unavailable(JedisException e) {
    return new StoreUnavailableException("Redis " + redisName + why(e), e);
  }

  /**
   * Why a ping failed, in the words the requests' pool uses: an error reply (a wrong or missing
   * password, NOAUTH or WRONGPASS, a user without permission, NOPERM, or any other) is a Redis that answers and refuses, not one that
   * cannot be reached. Only the reply's code is quoted: the rest may echo the user name.
   */
  private String why(JedisException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof JedisDataException refusal) {
        String message = String.valueOf(refusal.getMessage());
        String code = message.split(" ", 2)[0];
        // Jedis throws JedisAccessControlException for NOPERM too: only the code tells the password apart.
        return switch (code) {
          case "NOAUTH", "WRONGPASS" ->
              " refused the password (" + code + "); check the credentials in " + FeatureConfig.REDIS_URI_KEY;
          case "NOPERM" -> " refused a command: the user in " + FeatureConfig.REDIS_URI_KEY
              + " may not run PING or SELECT (NOPERM)";
          default -> " refused a command (" + code + ")";
        };
      }
    }
    return timedOut(e)
        ? " did not answer within " + deadline.toMillis() + " ms"
        : " cannot be reached";
  }

  /**
   * Whether {@code e} is a timeout: a command's (its cause) or a connection's that Redis's host did
   * not complete (Jedis then gives no cause and attaches the timeout as a suppressed exception).
   */
  static boolean timedOut(Throwable e) {
    if (e.getCause() instanceof SocketTimeoutException) {
      return true;
    }
    for (Throwable suppressed : e.getSuppressed()) {
      if (suppressed instanceof SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    Jedis closing = connection;
    connection = null;
    if (closing != null) {
      try {
        closing.close();
      } catch (JedisException e) {
        // Flushing a broken connection failed; its socket is closed all the same.
      }
    }
  }
}
