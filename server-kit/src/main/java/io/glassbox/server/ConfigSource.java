package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a service's settings come from, read once at start: environment variables, over an
 * optional properties file named by {@code GLASSBOX_CONFIG_FILE} (same keys). Every typed getter
 * validates and fails with a {@link ConfigException} that names the key and the bad value.
 */
public final class ConfigSource {
  /** Environment variable naming an optional properties file with the same keys. */
  public static final String CONFIG_FILE_KEY = "GLASSBOX_CONFIG_FILE";

  /** The installation's root, where the shipped defaults are (see {@link #shipped}). */
  public static final String HOME_KEY = "GLASSBOX_HOME";

  /** Whole hours, minutes or both ({@code 24h}, {@code 90m}, {@code 1h30m}), as people write long waits. */
  private static final Pattern HOURS_MINUTES = Pattern.compile("(?=\\d)(?:(\\d+)h)?(?:(\\d+)m)?");

  private final Map<String, String> values;

  private ConfigSource(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  /** Settings from the process environment (and the file it names, if any). */
  public static ConfigSource fromEnvironment() {
    return withFile(System.getenv());
  }

  /** Settings from a map, e.g. the launcher's or a test's; a named file is read too. */
  public static ConfigSource of(Map<String, String> values) {
    return withFile(values);
  }

  private static ConfigSource withFile(Map<String, String> env) {
    Map<String, String> merged = new HashMap<>();
    String file = env.get(CONFIG_FILE_KEY);
    if (file != null && !file.isBlank()) {
      Properties properties = new Properties();
      try (Reader reader = Files.newBufferedReader(Path.of(file))) {
        properties.load(reader);
      } catch (IOException e) {
        throw ConfigException.unreadable(CONFIG_FILE_KEY, file, e);
      }
      properties.stringPropertyNames().forEach(key -> merged.put(key, properties.getProperty(key)));
    }
    merged.putAll(env);
    return new ConfigSource(merged);
  }

  /** A copy with {@code overrides} taking precedence. */
  public ConfigSource with(Map<String, String> overrides) {
    Map<String, String> merged = new HashMap<>(values);
    merged.putAll(overrides);
    return new ConfigSource(merged);
  }

  /** Every name set, known settings or not (the environment's, the file's, the overrides'). */
  public Set<String> names() {
    return values.keySet();
  }

  /** The raw value, if set and not blank. */
  public Optional<String> get(String key) {
    String value = values.get(requireNonNull(key, "key"));
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  public String getString(String key, String defaultValue) {
    return get(key).orElse(defaultValue);
  }

  /** The comma-separated values of {@code key}, else of {@code defaultValue}: each stripped, empty ones left out. */
  public List<String> getList(String key, String defaultValue) {
    return list(getString(key, defaultValue));
  }

  /** The comma-separated values of {@code text}, as {@link #getList} reads a setting. */
  static List<String> list(String text) {
    return Arrays.stream(text.split(",")).map(String::strip).filter(v -> !v.isEmpty()).toList();
  }

  public int getInt(String key, int defaultValue, int min, int max) {
    Optional<String> raw = get(key);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(raw.get());
      if (value < min || value > max) {
        throw new ConfigException(key + " must be " + min + ".." + max + ", got " + value);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be an integer, got \"" + raw.get() + "\"");
    }
  }

  /** A port, 0..65535 (0 picks a free one). */
  public int getPort(String key, int defaultValue) {
    return getInt(key, defaultValue, 0, 65535);
  }

  public boolean getBoolean(String key, boolean defaultValue) {
    Optional<String> raw = get(key);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    return switch (raw.get().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new ConfigException(key + " must be true or false, got \"" + raw.get() + "\"");
    };
  }

  /**
   * {@link #getDuration(String, Duration)}, refused unless from {@code min} to {@code max}:
   * "KEY must be RANGE, got "TEXT"", the range as {@code range} words it ("from 100ms to 2 minutes")
   * and the value as the operator wrote it ({@code 1ms}, not the parsed {@code PT0.001S}).
   */
  public Duration getDuration(String key, Duration defaultValue, Duration min, Duration max, String range) {
    Duration value = getDuration(key, defaultValue);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new ConfigException(key + " must be " + range + ", got \"" + get(key).orElse(value.toString()) + "\"");
    }
    return value;
  }

  /**
   * A duration in ISO-8601 ({@code PT0.5S}), as milliseconds ({@code 500ms}) or seconds ({@code 2s}),
   * or in whole hours, minutes or both ({@code 24h}, {@code 90m}, {@code 1h30m}).
   */
  public Duration getDuration(String key, Duration defaultValue) {
    Optional<String> raw = get(key);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    String text = raw.get();
    try {
      Duration value;
      Matcher hoursMinutes = HOURS_MINUTES.matcher(text);
      if (hoursMinutes.matches()) {
        value = Duration.ofHours(wholeOrZero(hoursMinutes.group(1))).plusMinutes(wholeOrZero(hoursMinutes.group(2)));
      } else if (text.endsWith("ms")) {
        value = Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2).trim()));
      } else if (text.endsWith("s") && !text.startsWith("P")) {
        value = Duration.ofMillis(Math.round(Double.parseDouble(text.substring(0, text.length() - 1).trim()) * 1000));
      } else {
        value = Duration.parse(text);
      }
      if (value.isNegative() || value.isZero()) {
        throw new ConfigException(key + " must be positive, got \"" + text + "\"");
      }
      return value;
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      // Not a duration, or past what one can hold (99999999999999h).
      throw new ConfigException(key + " must be a duration like 500ms, 2s or PT2S, got \"" + text + "\"");
    }
  }

  private static long wholeOrZero(String digits) {
    return digits == null ? 0 : Long.parseLong(digits);
  }

  /** A path; relative paths resolve against the working directory. */
  public Path getPath(String key, Path defaultValue) {
    return get(key).map(Path::of).orElse(defaultValue);
  }

  /**
   * A file or folder that ships with Glassbox ({@code relative} to the installation's root, such
   * as {@code models}): under {@value #HOME_KEY} when set, else under the working directory (a
   * container starts in its image's root). {@code bin/glassbox} sets {@value #HOME_KEY} and runs in
   * the caller's folder, so that a path the caller names resolves where they named it while the
   * shipped defaults are found from anywhere.
   */
  public Path shipped(String relative) {
    return get(HOME_KEY).map(home -> Path.of(home).resolve(relative)).orElse(Path.of(relative));
  }
}
