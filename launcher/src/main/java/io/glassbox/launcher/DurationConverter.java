package io.glassbox.launcher;

import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine;

/**
 * Reads command-line durations the way the services read theirs ({@code 500ms}, {@code 30s},
 * {@code PT5M}), in whole minutes and hours too ({@code 90m}, {@code 24h}, {@code 1h30m}), plus
 * zero ({@code 0}, {@code 0s}, {@code 0m}) for options where it means "off".
 */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    if (value.matches("0+(\\.0*)?(ms|s)?|(?=0)(0+h)?(0+m)?")) {
      return Duration.ZERO;
    }
    try {
      return ConfigSource.of(Map.of("duration", value)).getDuration("duration", Duration.ZERO);
    } catch (ConfigException e) {
      throw new CommandLine.TypeConversionException("'" + value + "' is not a positive duration like 500ms, 30s, 5m, 1h or PT5M");
    }
  }
}
