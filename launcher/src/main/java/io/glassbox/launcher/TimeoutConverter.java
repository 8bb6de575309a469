package io.glassbox.launcher;

import picocli.CommandLine;

/**
 * Reads a {@code --timeout-ms} or {@code --timeout-s}: a whole number in its range. Zero or less
 * was taken before and sent, so the call failed at once with gRPC's "ClientCall started after
 * CallOptions deadline was exceeded".
 */
abstract class TimeoutConverter implements CommandLine.ITypeConverter<Long> {
  /** The longest {@code --timeout-ms}: an hour. */
  static final long MAX_MILLIS = 3_600_000;
  /** The longest {@code --timeout-s}: a day (a large import may take hours). */
  static final long MAX_SECONDS = 86_400;

  private final WholeNumberRange range;
  private final String unit;

  private TimeoutConverter(long max, String unit) {
    this.range = new WholeNumberRange(1, max);
    this.unit = unit;
  }

  @Override
  public Long convert(String value) {
    return range.parse(value, "timeout", " " + unit);
  }

  /** {@code --timeout-ms}. */
  static final class Millis extends TimeoutConverter {
    Millis() {
      super(MAX_MILLIS, "milliseconds");
    }
  }

  /** {@code --timeout-s}. */
  static final class Seconds extends TimeoutConverter {
    Seconds() {
      super(MAX_SECONDS, "seconds");
    }
  }
}
