package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How a service (or the CLI) calls other Glassbox services.
 *
 * @param apiKey the key presented on every call as {@code authorization: Bearer <key>}, read from
 *     the file named by {@value #KEY_FILE_KEY}; empty sends none
 * @param tls trust roots and the client certificate (mutual TLS), the same files as the server's
 * @param reconnectProbe how often a channel whose connections all failed retries at once instead
 *     of waiting out gRPC's exponential backoff (up to 2 minutes), so a dependency that comes
 *     back is used within about this long ({@value #RECONNECT_PROBE_KEY}, default 500ms)
 */
public record ClientSettings(Optional<String> apiKey, TlsSettings tls, Duration reconnectProbe) {
  public static final String KEY_FILE_KEY = "GLASSBOX_CLIENT_KEY_FILE";
  public static final String RECONNECT_PROBE_KEY = "GLASSBOX_RECONNECT_PROBE";
  public static final Duration DEFAULT_RECONNECT_PROBE = Duration.ofMillis(500);

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
        source.get(KEY_FILE_KEY).map(Path::of).map(ClientSettings::readKey),
        TlsSettings.load(source),
        source.getDuration(RECONNECT_PROBE_KEY, DEFAULT_RECONNECT_PROBE));
  }

  /** A copy presenting {@code key}. */
  public ClientSettings withApiKey(String key) {
    return new ClientSettings(Optional.of(key), tls, reconnectProbe);
  }

  private static String readKey(Path file) {
    String key;
    try {
      key = Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw ConfigException.unreadable(KEY_FILE_KEY, file, e);
    }
    if (key.isEmpty() || key.contains("\n") || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new ConfigException(KEY_FILE_KEY + "=" + file
          + " must hold one key of printable ASCII characters without spaces");
    }
    return key;
  }
}
