package io.glassbox.launcher;

import io.glassbox.feature.CsvValues;
import java.time.Instant;
import picocli.CommandLine;

/**
 * Reads a command-line event time as {@code import} reads a timestamp ({@link CsvValues#time}):
 * unix seconds, or ISO-8601 with an offset, a space for the T allowed; a time without an offset
 * is refused, saying how to write one, and one whose offset is out of range (beyond 18 hours, or
 * minutes or seconds past 59), saying so, in import's words.
 */
final class EventTimeConverter implements CommandLine.ITypeConverter<Instant> {
  @Override
  public Instant convert(String value) {
    try {
      return CsvValues.time(value.trim());
    } catch (CsvValues.UnreadableValueException e) {
      throw new CommandLine.TypeConversionException(e.getMessage() + ", got '" + value + "'");
    }
  }
}
