package io.glassbox.launcher;

import io.glassbox.feature.CsvValues;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Reads a command-line event time as {@code import} reads a timestamp ({@link CsvValues#time}):
 * unix seconds, or ISO-8601 with an offset, a space for the T allowed; a time without an offset
 * is refused, saying how to write one, and one whose offset is beyond 18 hours, saying so.
 */
final class EventTimeConverter implements CommandLine.ITypeConverter<Instant> {
  /** ISO-8601's (and java.time's) limit on a UTC offset, in seconds either way. */
  private static final int MAX_OFFSET_SECONDS = 18 * 3600;
  /** A time and a trailing offset as CsvValues reads one: +HH, +HHMM, +HH:MM, seconds too, one space before or none. */
  private static final Pattern OFFSET_AT_END =
      Pattern.compile("(.*[0-9]) ?([+-])([0-9]{2})(?::?([0-5][0-9])(?::?([0-5][0-9]))?)?");

  @Override
  public Instant convert(String value) {
    String text = value.trim();
    try {
      return CsvValues.time(text);
    } catch (CsvValues.UnreadableValueException e) {
      String message = offsetBeyondRange(text) ? "timestamp's UTC offset is out of range: ISO-8601 offsets run from"
          + " -18:00 to +18:00" : e.getMessage();
      throw new CommandLine.TypeConversionException(message + ", got '" + value + "'");
    }
  }

  /** Whether the time reads but for its offset, which is beyond 18 hours (2011-12-09T12:00:00+25:00). */
  private static boolean offsetBeyondRange(String text) {
    Matcher time = OFFSET_AT_END.matcher(text);
    if (!time.matches()) {
      return false;
    }
    int seconds = Integer.parseInt(time.group(3)) * 3600
        + (time.group(4) == null ? 0 : Integer.parseInt(time.group(4)) * 60)
        + (time.group(5) == null ? 0 : Integer.parseInt(time.group(5)));
    if (seconds <= MAX_OFFSET_SECONDS) {
      return false;
    }
    try {
      CsvValues.time(time.group(1) + "Z");
      return true;
    } catch (CsvValues.UnreadableValueException otherwiseUnreadable) {
      return false;
    }
  }
}
