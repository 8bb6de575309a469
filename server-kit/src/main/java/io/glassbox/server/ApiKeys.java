package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The API keys a server accepts, read from {@value #FILE_KEY}: one key per line,
 * {@code <role> <sha256-hex-of-key> <name>}, roles {@code client} and {@code admin}; blank lines
 * and lines starting with {@code #} are ignored. Only hashes are stored, so the file reveals no
 * key. Make a line with {@code printf %s "$KEY" | sha256sum}.
 */
public final class ApiKeys {
  public static final String FILE_KEY = "GLASSBOX_API_KEYS_FILE";
  private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

  private final Map<String, ApiKey> byHash;
  private final Set<String> names;

  private ApiKeys(Map<String, ApiKey> byHash) {
    this.byHash = Map.copyOf(byHash);
    this.names = this.byHash.values().stream().map(ApiKey::name).collect(Collectors.toUnmodifiableSet());
  }

  /** No keys: the server is open (allowed on loopback only). */
  public static ApiKeys none() {
    return new ApiKeys(Map.of());
  }

  /** Reads and validates a keys file; the message of a failure names the file and line. */
  public static ApiKeys read(Path file) {
    return parse(file, ReloadingFile.readContent(FILE_KEY, file));
  }

  /**
   * Reads and validates a keys file, as {@link #read}, to be read again when it changes (see
   * {@link ReloadingFile}).
   */
  public static ReloadingFile<ApiKeys> watch(Path file, Duration poll) {
    return ReloadingFile.read(FILE_KEY, file, poll, "api keys", ApiKeys::parse, ApiKeys::describe,
        ApiKeys::version);
  }

  /**
   * A keys file's version, as logs and {@code glassbox_api_keys_loaded} show it: the first 16 hex
   * digits of its sha256, as {@code sha256sum} prints them. The file holds only hashes, so this
   * reveals no key.
   */
  private static String version(String content) {
    return sha256Hex(content).substring(0, 16);
  }

  /** Validates the content of a keys file; the message of a failure names the file and line. */
  static ApiKeys parse(Path file, String content) {
    List<String> lines = content.lines().toList();
    Map<String, ApiKey> byHash = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = FILE_KEY + "=" + file + " line " + (i + 1) + ": ";
      String[] fields = line.split("\\s+");
      if (fields.length != 3) {
        throw new ConfigException(where + "expected \"<role> <sha256-hex-of-key> <name>\", got "
            + fields.length + " fields");
      }
      Role role = switch (fields[0]) {
        case "client" -> Role.CLIENT;
        case "admin" -> Role.ADMIN;
        default -> throw new ConfigException(where + "role must be client or admin, got \""
            + Descriptions.truncate(fields[0]) + "\"");
      };
      String hash = fields[1].toLowerCase(Locale.ROOT);
      if (!HEX_SHA256.matcher(hash).matches()) {
        throw new ConfigException(where + "the key hash must be 64 hex digits (sha256 of the key)");
      }
      if (!NAME.matcher(fields[2]).matches()) {
        throw new ConfigException(where + "name must be 1..64 characters of [A-Za-z0-9._@-]");
      }
      if (byHash.putIfAbsent(hash, new ApiKey(fields[2], role)) != null) {
        throw new ConfigException(where + "the same key hash appears twice");
      }
    }
    if (byHash.isEmpty()) {
      throw new ConfigException(FILE_KEY + "=" + file + " holds no keys");
    }
    return new ApiKeys(byHash);
  }

  /** How many keys, for logs: "1 key", "3 keys". */
  private String describe() {
    return byHash.size() == 1 ? "1 key" : byHash.size() + " keys";
  }

  /** Whether any key is configured; without keys every call is allowed. */
  public boolean enabled() {
    return !byHash.isEmpty();
  }

  /** The names of the keys (several keys may share one, as during a rotation). */
  Set<String> names() {
    return names;
  }

  /** The names of the keys whose role may call what {@code required} guards. */
  Set<String> namesAllowed(Role required) {
    return byHash.values().stream().filter(key -> key.role().allows(required)).map(ApiKey::name)
        .collect(Collectors.toUnmodifiableSet());
  }

  /** The key {@code presented} is, if it is one of ours. */
  public Optional<ApiKey> find(String presented) {
    return Optional.ofNullable(byHash.get(sha256Hex(requireNonNull(presented, "presented"))));
  }

  /** The hex sha256 of a key, as the keys file stores it. */
  public static String sha256Hex(String key) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
