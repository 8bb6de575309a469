package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How much a TCP server lets a client connection hold, so that connections that never call
 * (a port scanner, a client stalled in its handshake, thousands opened on purpose) neither
 * last nor add up to the process's open-file limit. Per server: the admin server has its own.
 *
 * @param handshakeTimeout how long a new connection has to finish its TLS handshake and send the
 *     HTTP/2 preface and first SETTINGS frame before it is closed
 *     ({@value #HANDSHAKE_TIMEOUT_KEY}, default 10 s; gRPC's own is 120 s)
 * @param maxConnectionIdle how long a connection may stay open with no call in flight before the
 *     server closes it gracefully (GOAWAY; a client channel reconnects at its next call)
 *     ({@value #MAX_CONNECTION_IDLE_KEY}, default 1 minute)
 * @param maxConnections connections a server holds open at once, handshakes included; one more
 *     takes the place of the oldest that has never carried an authenticated call and has none in
 *     flight, or, when there is none, is closed as soon as it is accepted ({@value #MAX_CONNECTIONS_KEY}, default
 *     {@value #DEFAULT_MAX_CONNECTIONS})
 */
public record ConnectionLimits(Duration handshakeTimeout, Duration maxConnectionIdle, int maxConnections) {
  public static final String HANDSHAKE_TIMEOUT_KEY = "GLASSBOX_HANDSHAKE_TIMEOUT";
  public static final String MAX_CONNECTION_IDLE_KEY = "GLASSBOX_MAX_CONNECTION_IDLE";
  public static final String MAX_CONNECTIONS_KEY = "GLASSBOX_MAX_CONNECTIONS";

  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_MAX_CONNECTION_IDLE = Duration.ofMinutes(1);
  public static final int DEFAULT_MAX_CONNECTIONS = 1000;

  public ConnectionLimits {
    requireNonNull(handshakeTimeout, "handshakeTimeout");
    requireNonNull(maxConnectionIdle, "maxConnectionIdle");
    if (handshakeTimeout.isNegative() || handshakeTimeout.isZero() || maxConnectionIdle.isNegative()
        || maxConnectionIdle.isZero() || maxConnections < 1) {
      throw new ConfigException("connection limits must be positive");
    }
  }

  /** The defaults, as a deployment without these settings gets them. */
  public static ConnectionLimits defaults() {
    return new ConnectionLimits(DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_CONNECTION_IDLE, DEFAULT_MAX_CONNECTIONS);
  }

  /** Reads the three settings, each refused outside its range, naming it. */
  public static ConnectionLimits load(ConfigSource source) {
    return new ConnectionLimits(
        source.getDuration(HANDSHAKE_TIMEOUT_KEY, DEFAULT_HANDSHAKE_TIMEOUT, Duration.ofMillis(100),
            Duration.ofMinutes(2), "from 100ms to 2 minutes"),
        source.getDuration(MAX_CONNECTION_IDLE_KEY, DEFAULT_MAX_CONNECTION_IDLE, Duration.ofMillis(100),
            Duration.ofHours(24), "from 100ms to 24 hours"),
        source.getInt(MAX_CONNECTIONS_KEY, DEFAULT_MAX_CONNECTIONS, 1, 1_000_000));
  }
}
