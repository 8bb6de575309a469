package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.net.UnknownHostException;

/**
 * What every Glassbox server is configured with besides its port, read once at start with the
 * same keys in every service.
 *
 * @param bindAddress the address the gRPC and metrics servers listen on ({@value #BIND_ADDRESS_KEY},
 *     default {@value #DEFAULT_BIND_ADDRESS}); a non-loopback address needs API keys
 * @param adminBindAddress the address of an admin port ({@value #ADMIN_BIND_ADDRESS_KEY}, default
 *     {@value #DEFAULT_BIND_ADDRESS}); a non-loopback address needs API keys
 * @param apiKeys accepted keys ({@value ApiKeys#FILE_KEY}), read again when the file changes (every
 *     {@value ReloadingFile#POLL_KEY}); none means every call is allowed
 * @param tls server (and client) TLS files
 * @param metricsPort the Prometheus {@code /metrics} HTTP port ({@value #METRICS_PORT_KEY}; each
 *     service has its own default; 0 disables)
 * @param maxConcurrentCalls calls a server runs at once; more are refused at once with
 *     RESOURCE_EXHAUSTED ({@value #MAX_CONCURRENT_CALLS_KEY}, default {@value #DEFAULT_MAX_CONCURRENT_CALLS})
 * @param maxStreamsPerConnection concurrent HTTP/2 streams one client connection may open
 *     ({@value #MAX_STREAMS_KEY}, default {@value #DEFAULT_MAX_STREAMS})
 * @param rateLimitPerKey calls per second each API key may make, with a burst of one second's
 *     worth; over it, RESOURCE_EXHAUSTED ({@value #RATE_LIMIT_KEY}, default 0 = unlimited)
 * @param maxQueuedCalls calls that may wait for one of the {@code maxConcurrentCalls} slots,
 *     first come first served; one more is refused at once ({@value #MAX_QUEUED_CALLS_KEY},
 *     default {@value #DEFAULT_MAX_QUEUED_CALLS}; 0: no queue)
 * @param maxQueueWait how long a call may wait for a slot before it is refused with
 *     RESOURCE_EXHAUSTED ({@value #MAX_QUEUE_WAIT_KEY}, default 500 ms, at most 60 s)
 * @param rateLimitExemptKeys names of the keys the rate limit does not apply to: the suite's own,
 *     which the services present to each other, and whose calls are the callers' calls fanned out
 *     (a Recommend makes about three feature calls), already limited at the gateway
 *     ({@value #RATE_LIMIT_EXEMPT_KEYS_KEY}, comma-separated, default {@value #DEFAULT_RATE_LIMIT_EXEMPT_KEYS},
 *     the names {@code deploy/make-secrets.sh} gives the suite's key and, during
 *     {@code --rotate-api-keys}, its old one; {@code none}: every key is limited)
 * @param connections how long a client connection may take to start and stay idle, and how many
 *     a server holds open (see {@link ConnectionLimits})
 */
public record ServerSettings(
    String bindAddress,
    String adminBindAddress,
    ReloadingFile<ApiKeys> apiKeys,
    TlsSettings tls,
    int metricsPort,
    int maxConcurrentCalls,
    int maxStreamsPerConnection,
    int rateLimitPerKey,
    int maxQueuedCalls,
    Duration maxQueueWait,
    Set<String> rateLimitExemptKeys,
    ConnectionLimits connections) {

  public static final String BIND_ADDRESS_KEY = "GLASSBOX_BIND_ADDRESS";
  public static final String ADMIN_BIND_ADDRESS_KEY = "GLASSBOX_ADMIN_BIND_ADDRESS";
  public static final String METRICS_PORT_KEY = "GLASSBOX_METRICS_PORT";
  public static final String MAX_CONCURRENT_CALLS_KEY = "GLASSBOX_MAX_CONCURRENT_CALLS";
  public static final String MAX_STREAMS_KEY = "GLASSBOX_MAX_STREAMS_PER_CONNECTION";
  public static final String RATE_LIMIT_KEY = "GLASSBOX_RATE_LIMIT_PER_KEY";
  public static final String MAX_QUEUED_CALLS_KEY = "GLASSBOX_MAX_QUEUED_CALLS";
  public static final String MAX_QUEUE_WAIT_KEY = "GLASSBOX_MAX_QUEUE_WAIT";
  public static final String RATE_LIMIT_EXEMPT_KEYS_KEY = "GLASSBOX_RATE_LIMIT_EXEMPT_KEYS";
  /**
   * The suite's own key, and the name deploy/make-secrets.sh --rotate-api-keys gives it while a new
   * one is rolled out: internal calls are not limited in between either.
   */
  public static final String DEFAULT_RATE_LIMIT_EXEMPT_KEYS = "glassbox-internal,glassbox-internal.retiring";
  /** The names of the suite's own key, as make-secrets.sh names it (and the one being rotated out). */
  static final Set<String> SUITES_OWN_KEYS = rateLimitExemptKeys(DEFAULT_RATE_LIMIT_EXEMPT_KEYS);

  public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
  public static final int DEFAULT_MAX_CONCURRENT_CALLS = 16;
  public static final int DEFAULT_MAX_STREAMS = 100;
  public static final int DEFAULT_MAX_QUEUED_CALLS = 64;
  public static final Duration DEFAULT_MAX_QUEUE_WAIT = Duration.ofMillis(500);

  public ServerSettings {
    requireNonNull(bindAddress, "bindAddress");
    requireNonNull(adminBindAddress, "adminBindAddress");
    requireNonNull(apiKeys, "apiKeys");
    requireNonNull(tls, "tls");
    requireNonNull(maxQueueWait, "maxQueueWait");
    requireNonNull(connections, "connections");
    rateLimitExemptKeys = Set.copyOf(requireNonNull(rateLimitExemptKeys, "rateLimitExemptKeys"));
    if (maxConcurrentCalls < 1 || maxStreamsPerConnection < 1 || rateLimitPerKey < 0 || maxQueuedCalls < 0
        || maxQueueWait.isNegative()) {
      throw new ConfigException("limits must be positive");
    }
  }

  /** Settings whose calls beyond {@code maxConcurrentCalls} are refused at once (no queue). */
  public ServerSettings(String bindAddress, String adminBindAddress, ApiKeys apiKeys, TlsSettings tls,
                        int metricsPort, int maxConcurrentCalls, int maxStreamsPerConnection, int rateLimitPerKey) {
    this(bindAddress, adminBindAddress, apiKeys, tls, metricsPort, maxConcurrentCalls, maxStreamsPerConnection,
        rateLimitPerKey, 0, Duration.ZERO);
  }

  /** Settings with fixed keys and the default keys exempt from the rate limit. */
  public ServerSettings(String bindAddress, String adminBindAddress, ApiKeys apiKeys, TlsSettings tls,
                        int metricsPort, int maxConcurrentCalls, int maxStreamsPerConnection, int rateLimitPerKey,
                        int maxQueuedCalls, Duration maxQueueWait) {
    this(bindAddress, adminBindAddress, ReloadingFile.fixed(apiKeys), tls, metricsPort, maxConcurrentCalls, maxStreamsPerConnection,
        rateLimitPerKey, maxQueuedCalls, maxQueueWait, rateLimitExemptKeys(DEFAULT_RATE_LIMIT_EXEMPT_KEYS),
        ConnectionLimits.defaults());
  }

  /** Loopback, no keys, no TLS, no metrics, default limits: for tests and the in-process suite. */
  public static ServerSettings defaults() {
    return new ServerSettings(DEFAULT_BIND_ADDRESS, DEFAULT_BIND_ADDRESS, ApiKeys.none(), TlsSettings.none(),
        0, DEFAULT_MAX_CONCURRENT_CALLS, DEFAULT_MAX_STREAMS, 0, DEFAULT_MAX_QUEUED_CALLS, DEFAULT_MAX_QUEUE_WAIT);
  }

  /** Reads the settings; {@code defaultMetricsPort} is the service's own metrics port. */
  public static ServerSettings load(ConfigSource source, int defaultMetricsPort) {
    return load(source, defaultMetricsPort, DEFAULT_RATE_LIMIT_EXEMPT_KEYS);
  }

  /**
   * As {@link #load(ConfigSource, int)}, with another default for {@value #RATE_LIMIT_EXEMPT_KEYS_KEY}:
   * {@code "none"} for the gateway, the suite's entry point, where callers' keys are limited
   * and the suite's own key would otherwise be a way around the limit.
   */
  public static ServerSettings load(ConfigSource source, int defaultMetricsPort, String defaultExemptKeys) {
    return new ServerSettings(
        source.getString(BIND_ADDRESS_KEY, DEFAULT_BIND_ADDRESS),
        source.getString(ADMIN_BIND_ADDRESS_KEY, DEFAULT_BIND_ADDRESS),
        source.get(ApiKeys.FILE_KEY).map(file -> ApiKeys.watch(Path.of(file), ReloadingFile.poll(source)))
            .orElse(ReloadingFile.fixed(ApiKeys.none())),
        TlsSettings.load(source),
        source.getPort(METRICS_PORT_KEY, defaultMetricsPort),
        source.getInt(MAX_CONCURRENT_CALLS_KEY, DEFAULT_MAX_CONCURRENT_CALLS, 1, 100_000),
        source.getInt(MAX_STREAMS_KEY, DEFAULT_MAX_STREAMS, 1, 100_000),
        source.getInt(RATE_LIMIT_KEY, 0, 0, 1_000_000),
        source.getInt(MAX_QUEUED_CALLS_KEY, DEFAULT_MAX_QUEUED_CALLS, 0, 100_000),
        maxQueueWait(source),
        rateLimitExemptKeys(source.getString(RATE_LIMIT_EXEMPT_KEYS_KEY, defaultExemptKeys)),
        ConnectionLimits.load(source));
  }

  /** The names of a {@value #RATE_LIMIT_EXEMPT_KEYS_KEY} value, comma-separated or {@code none}. */
  private static Set<String> rateLimitExemptKeys(String value) {
    List<String> names = ConfigSource.list(value);
    return names.size() == 1 && names.get(0).equalsIgnoreCase("none") ? Set.of() : Set.copyOf(names);
  }

  /** A copy with other keys; for tests. */
  public ServerSettings withApiKeys(ApiKeys keys) {
    return withApiKeys(ReloadingFile.fixed(keys));
  }

  /** A copy with other keys, e.g. a keys file read again when it changes; for tests. */
  public ServerSettings withApiKeys(ReloadingFile<ApiKeys> keys) {
    return new ServerSettings(bindAddress, adminBindAddress, keys, tls, metricsPort,
        maxConcurrentCalls, maxStreamsPerConnection, rateLimitPerKey, maxQueuedCalls, maxQueueWait,
        rateLimitExemptKeys, connections);
  }

  /** A copy with other connection limits; for tests. */
  public ServerSettings withConnectionLimits(ConnectionLimits limits) {
    return new ServerSettings(bindAddress, adminBindAddress, apiKeys, tls, metricsPort,
        maxConcurrentCalls, maxStreamsPerConnection, rateLimitPerKey, maxQueuedCalls, maxQueueWait,
        rateLimitExemptKeys, limits);
  }

  /**
   * The queue settings that are 0, by key, when they leave no call waiting for a slot (either one
   * turns the queue off, and raising the other alone changes nothing); empty when calls may queue.
   */
  public static List<String> zeroQueueKeys(int maxQueuedCalls, Duration maxQueueWait) {
    List<String> zero = new ArrayList<>();
    if (maxQueuedCalls == 0) {
      zero.add(MAX_QUEUED_CALLS_KEY);
    }
    if (maxQueueWait.isZero()) {
      zero.add(MAX_QUEUE_WAIT_KEY);
    }
    return List.copyOf(zero);
  }

  private static Duration maxQueueWait(ConfigSource source) {
    Duration wait = source.getDuration(MAX_QUEUE_WAIT_KEY, DEFAULT_MAX_QUEUE_WAIT);
    if (wait.compareTo(Duration.ofSeconds(60)) > 0) {
      throw new ConfigException(MAX_QUEUE_WAIT_KEY + " must be at most 60 s, got " + wait);
    }
    return wait;
  }

  /**
   * Resolves {@code address} for a server named {@code server}, refusing a non-loopback one
   * when no API keys are configured: anyone who can reach the port could otherwise call it.
   */
  InetAddress resolve(String key, String address, String server) {
    InetAddress resolved;
    try {
      resolved = InetAddress.getByName(address);
    } catch (UnknownHostException e) {
      throw new ConfigException(key + "=" + address + " is not an address of this machine");
    }
    if (!resolved.isLoopbackAddress() && !apiKeys.current().enabled()) {
      throw new ConfigException(server + " refuses to listen on " + key + "=" + address
          + " without API keys: anyone who can reach it could call it. Set " + ApiKeys.FILE_KEY
          + " (lines \"<role> <sha256-hex-of-key> <name>\") or bind " + DEFAULT_BIND_ADDRESS + ".");
    }
    return resolved;
  }
}
