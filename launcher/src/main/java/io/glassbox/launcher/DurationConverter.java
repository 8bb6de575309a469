package io.glassbox.launcher;

import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Reads command-line durations the way the services read theirs ({@code 500ms}, {@code 30s},
 * {@code PT5M}), in whole minutes and hours too ({@code 90m}, {@code 24h}, {@code 1h30m}), plus
 * zero ({@code 0}, {@code 0s}, {@code 0m}) for options where it means "off".
 */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  /** Hours, minutes or both, whole: what a person types for a long wait (only PT24H or 86400s read before). */
  private static final Pattern HOURS_MINUTES = Pattern.compile("(?=\\d)(?:(\\d+)h)?(?:(\\d+)m)?");

  @Override
  public Duration convert(String value) {
    if (value.matches("0+(\\.0*)?(ms|s)?")) {
      return Duration.ZERO;
    }
    Matcher hoursMinutes = HOURS_MINUTES.matcher(value);
    try {
      return hoursMinutes.matches()
          ? Duration.ofHours(wholeOrZero(hoursMinutes.group(1))).plusMinutes(wholeOrZero(hoursMinutes.group(2)))
          : ConfigSource.of(Map.of("duration", value)).getDuration("duration", Duration.ZERO);
    } catch (ConfigException | ArithmeticException | NumberFormatException e) {
      // Not a duration, or past what one can hold (99999999999999h).
      throw new CommandLine.TypeConversionException("'" + value + "' is not a positive duration like 500ms, 30s, 5m, 1h or PT5M");
    }
  }

  private static long wholeOrZero(String digits) {
    return digits == null ? 0 : Long.parseLong(digits);
  }
}
