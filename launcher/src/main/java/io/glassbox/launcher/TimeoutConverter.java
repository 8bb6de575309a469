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

  /** {@link CliCalls#CONNECT_LIMIT} in seconds, for the options' help. */
  static final int CONNECT_LIMIT_SECONDS = 20;
  /** {@link CliCalls#CONNECT_FLOOR} in seconds, for the options' help. */
  static final int CONNECT_FLOOR_SECONDS = 10;
  /** How long connecting waits, for the options' help (bench's and import's too). */
  static final String CONNECTING = "; connecting first waits as long, at least " + CONNECT_FLOOR_SECONDS
      + " s and at most " + CONNECT_LIMIT_SECONDS + " s";
  /** The help of a {@code --timeout-ms} that waits for one answer (a unit, a range and a default follow). */
  static final String MILLIS_HELP = "The answer's deadline, in milliseconds, 1.." + MAX_MILLIS + CONNECTING
      + " (default ${DEFAULT-VALUE}).";
  /** {@link #MILLIS_HELP} of a {@code --timeout-s}. */
  static final String SECONDS_HELP = "The answer's deadline, in seconds, 1.." + MAX_SECONDS + CONNECTING
      + " (default ${DEFAULT-VALUE}).";

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
