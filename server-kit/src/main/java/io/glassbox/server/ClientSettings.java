package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How a service (or the CLI) calls other Glassbox services.
 *
 * @param apiKey the key presented on every call as {@code authorization: Bearer <key>}, read from
 *     the file named by {@value #KEY_FILE_KEY}; a service reads it again when that file changes
 *     (every {@value ReloadingFile#POLL_KEY}, see {@link GrpcServer.Builder#watchClientKey}), a CLI
 *     command uses the key it read at start; empty sends none
 * @param tls trust roots and the client certificate (mutual TLS), the same files as the server's
 * @param reconnectProbe how often a channel whose connections all failed retries at once instead
 *     of waiting out gRPC's exponential backoff (up to 2 minutes), so a dependency that comes
 *     back is used within about this long ({@value #RECONNECT_PROBE_KEY}, default 500ms, from
 *     100ms to 2 minutes)
 */
public record ClientSettings(Optional<ReloadingFile<String>> apiKey, TlsSettings tls, Duration reconnectProbe) {
  public static final String KEY_FILE_KEY = "GLASSBOX_CLIENT_KEY_FILE";
  public static final String RECONNECT_PROBE_KEY = "GLASSBOX_RECONNECT_PROBE";
  public static final Duration DEFAULT_RECONNECT_PROBE = Duration.ofMillis(500);
  /** Each probe may cost a connection attempt: more often would hammer a dependency that is down. */
  private static final Duration MIN_RECONNECT_PROBE = Duration.ofMillis(100);
  /** gRPC's own backoff is at most 2 minutes: a rarer probe would never come first. */
  private static final Duration MAX_RECONNECT_PROBE = Duration.ofMinutes(2);

  public ClientSettings {
    requireNonNull(apiKey, "apiKey");
    requireNonNull(tls, "tls");
    requireNonNull(reconnectProbe, "reconnectProbe");
  }

  /** Plaintext, no key. */
  public static ClientSettings plaintext() {
    return new ClientSettings(Optional.empty(), TlsSettings.none(), DEFAULT_RECONNECT_PROBE);
  }

  public static ClientSettings load(ConfigSource source) {
    return new ClientSettings(
        source.get(KEY_FILE_KEY).map(file -> ReloadingFile.read(KEY_FILE_KEY, Path.of(file), ReloadingFile.poll(source),
            "client key", ClientSettings::parseKey, key -> "1 key", content -> keyVersion(content.trim()))),
        TlsSettings.load(source),
        reconnectProbe(source));
  }

  private static Duration reconnectProbe(ConfigSource source) {
    return source.getDuration(RECONNECT_PROBE_KEY, DEFAULT_RECONNECT_PROBE, MIN_RECONNECT_PROBE, MAX_RECONNECT_PROBE,
        "from 100ms to 2 minutes");
  }

  /** A copy presenting {@code key}, always. */
  public ClientSettings withApiKey(String key) {
    return new ClientSettings(Optional.of(ReloadingFile.fixed(key)), tls, reconnectProbe);
  }

  /**
   * A client key's version, as logs and {@code glassbox_client_key_loaded} show it and
   * deploy/make-secrets.sh prints it: the first 8 hex digits of the sha256 of
   * {@code "glassbox client key " + key}. Not the key's own sha256, which {@code /metrics} (open to
   * anyone who reaches the port) would hand out for an offline guess of a key someone chose; 8 hex
   * digits tell the versions of a rotation apart and confirm little.
   */
  static String keyVersion(String key) {
    return ApiKeys.sha256Hex("glassbox client key " + key).substring(0, 8);
  }

  private static String parseKey(Path file, String content) {
    String key = content.trim();
    if (key.isEmpty() || key.contains("\n") || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new ConfigException(KEY_FILE_KEY + "=" + file
          + " must hold one key of printable ASCII characters without spaces");
    }
    return key;
  }
}
