package io.glassbox.feature;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.chrono.IsoChronology;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A timestamp and a price as a CSV row holds them, read by one rule for {@code import} and for a
 * data folder, and as the trainer reads them (trainer/glassbox_trainer/data.py): so a file a
 * spreadsheet or a database wrote is read the same by all three or refused by the first. The
 * launcher's {@code feedback --time} reads its time by the same rule. CsvValuesTest and the
 * trainer's test_import_format read the same timestamps (test resource csv-timestamps.tsv).
 */
public final class CsvValues {
  static final String UNREADABLE_TIME = "timestamp must be unix seconds or ISO-8601 such as 2011-12-09T12:50:00Z";
  static final String NO_OFFSET = "timestamp has no UTC offset, so its moment is unknown: write one, "
      + "such as 2011-12-09T12:50:00Z (UTC) or 2011-12-09 12:50:00+01:00";
  /**
   * A time that reads but for its offset: beyond 18 hours, ISO-8601's and java.time's limit, or
   * with minutes or seconds past 59 (+25:00, -19:00, +05:60). {@code feedback --time} says the same.
   */
  static final String OFFSET_OUT_OF_RANGE = "timestamp's UTC offset is out of range: ISO-8601 offsets run from"
      + " -18:00 to +18:00, their minutes and seconds from 00 to 59";
  static final String NEGATIVE_PRICE = "price must be a finite number >= 0";
  static final String UNREADABLE_SEQ_POS = "seq_pos must be an integer from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE;

  /**
   * A date, 'T' or a space (what SQL databases and pandas write), a time with optional seconds and
   * fraction (a point and 1 to 9 digits), and one offset, if any: Z, +01:00, +0100 or +01 (seconds
   * too, +01:00:30), up to 18 hours ({@link #OFFSET_OUT_OF_RANGE} beyond), after one space or none
   * ({@link #SPACED_OFFSET}).
   */
  private static final DateTimeFormatter DATE_TIME = new DateTimeFormatterBuilder()
      .parseCaseInsensitive()
      // ISO_LOCAL_DATE, but for its year, which takes a sign and more digits (+02011-12-09).
      .appendValue(ChronoField.YEAR, 4).appendLiteral('-').appendValue(ChronoField.MONTH_OF_YEAR, 2)
      .appendLiteral('-').appendValue(ChronoField.DAY_OF_MONTH, 2)
      .appendLiteral('T')
      // ISO_LOCAL_TIME, but for its fraction, which takes a point without digits (12:50:07.Z).
      .appendValue(ChronoField.HOUR_OF_DAY, 2).appendLiteral(':').appendValue(ChronoField.MINUTE_OF_HOUR, 2)
      .optionalStart().appendLiteral(':').appendValue(ChronoField.SECOND_OF_MINUTE, 2)
      .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd()
      .optionalEnd()
      .optionalStart().parseLenient().appendOffset("+HH", "Z").parseStrict().optionalEnd()
      .toFormatter()
      .withResolverStyle(ResolverStyle.STRICT)
      .withChronology(IsoChronology.INSTANCE);
  private static final int MAX_OFFSET_SECONDS = 18 * 3600;
  /**
   * A time and a trailing offset in the shape {@link #DATE_TIME} reads one (+HH, +HHMM, +HH:MM,
   * seconds too, colons throughout or nowhere), but with any two digits: the trainer's data.py
   * matches the same.
   */
  private static final Pattern OFFSET_AT_END =
      Pattern.compile("(.*[0-9])[+-]([0-9]{2})(?:(:?)([0-9]{2})(?:\\3([0-9]{2}))?)?");
  private static final int DATE_LENGTH = "2011-12-09".length();
  /**
   * One space between the time and its offset, as Shopify's exports write them
   * ({@code 2011-12-09 13:50:00 +0100}); the trainer's data.py removes the same one.
   */
  private static final Pattern SPACED_OFFSET = Pattern.compile("(?<=[0-9]) (?=([+-][0-9]{2}(:?[0-9]{2}){0,2}|[Zz])$)");
  /**
   * An integer, unix seconds or a seq_pos: what Long.parseLong reads, but in ASCII digits only (it
   * takes other scripts' digits too, Arabic-Indic or fullwidth, which the trainer does not read).
   * Matched first, so an ISO time costs no exception.
   */
  private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");
  private static final Pattern DECIMAL_COMMA = Pattern.compile("[0-9]*,[0-9]+");
  /** A plain decimal number (what Double.parseDouble reads besides: 2.95f, 0x1p3, Infinity, is not one). */
  private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");

  /** A value a row holds that cannot be read: the message says what is wrong, without the value. */
  public static final class UnreadableValueException extends IllegalArgumentException {
    UnreadableValueException(String message) {
      super(message);
    }
  }

  private CsvValues() {
  }

  /**
   * Unix seconds, or an ISO-8601 date-time with an offset, within google.protobuf.Timestamp's
   * range; a time without an offset is refused, since its moment depends on a zone nothing names,
   * and one whose offset is out of range ({@link #OFFSET_OUT_OF_RANGE}) saying so.
   */
  public static Instant time(String text) {
    return time(text, null);
  }

  /**
   * As {@link #time(String)}, but a time without an offset is read in {@code localTimes}' zone
   * when it names one; refused, saying which setting names it, when it does not. {@code
   * localTimes} null: refused, with no setting to name.
   */
  public static Instant time(String text, LocalTimeZone localTimes) {
    Instant instant;
    if (INTEGER.matcher(text).matches()) {
      // Checked as a number first: Instant cannot hold every long (9000000000000000000).
      long seconds;
      try {
        seconds = Long.parseLong(text);
      } catch (NumberFormatException beyondLong) {
        throw new UnreadableValueException(UNREADABLE_TIME);
      }
      if (seconds < EventTimeLimit.MIN_TIMESTAMP_SECONDS || seconds > EventTimeLimit.MAX_TIMESTAMP_SECONDS) {
        throw new UnreadableValueException(UNREADABLE_TIME);
      }
      instant = Instant.ofEpochSecond(seconds);
    } else {
      String unspaced = SPACED_OFFSET.matcher(text).replaceFirst("");
      String iso = unspaced.length() > DATE_LENGTH && unspaced.charAt(DATE_LENGTH) == ' '
          ? unspaced.substring(0, DATE_LENGTH) + 'T' + unspaced.substring(DATE_LENGTH + 1) : unspaced;
      TemporalAccessor parsed;
      try {
        parsed = DATE_TIME.parseBest(iso, OffsetDateTime::from, LocalDateTime::from);
      } catch (DateTimeParseException notIso) {
        throw new UnreadableValueException(offsetOutOfRange(iso) ? OFFSET_OUT_OF_RANGE : UNREADABLE_TIME);
      }
      // Years 0001 to 9999, whatever the offset or zone: the trainer's datetime holds no year 0.
      if (parsed.get(ChronoField.YEAR) < 1) {
        throw new UnreadableValueException(UNREADABLE_TIME);
      }
      if (parsed instanceof OffsetDateTime dateTime) {
        instant = dateTime.toInstant();
      } else if (localTimes != null && localTimes.zone().isPresent()) {
        instant = ((LocalDateTime) parsed).atZone(localTimes.zone().get()).toInstant();
      } else {
        throw new UnreadableValueException(localTimes == null ? NO_OFFSET
            : NO_OFFSET + localTimes.howToName());
      }
    }
    // google.protobuf.Timestamp's range, as for IngestEvents.
    if (instant.getEpochSecond() < EventTimeLimit.MIN_TIMESTAMP_SECONDS
        || instant.getEpochSecond() > EventTimeLimit.MAX_TIMESTAMP_SECONDS) {
      throw new UnreadableValueException(UNREADABLE_TIME);
    }
    return instant;
  }

  /**
   * Whether {@code iso}, a time {@link #DATE_TIME} does not read, would read but for its offset,
   * which is beyond 18 hours or has minutes or seconds past 59 (2011-12-09T12:00:00+25:00).
   */
  private static boolean offsetOutOfRange(String iso) {
    Matcher time = OFFSET_AT_END.matcher(iso);
    if (!time.matches()) {
      return false;
    }
    int hours = Integer.parseInt(time.group(2));
    int minutes = time.group(4) == null ? 0 : Integer.parseInt(time.group(4));
    int seconds = time.group(5) == null ? 0 : Integer.parseInt(time.group(5));
    if (minutes < 60 && seconds < 60 && hours * 3600 + minutes * 60 + seconds <= MAX_OFFSET_SECONDS) {
      return false;
    }
    try {
      // Through time(), not DATE_TIME.parse: it also applies the year-0001 and Timestamp-range checks.
      time(time.group(1) + "Z");
      return true;
    } catch (UnreadableValueException otherwiseUnreadable) {
      return false;
    }
  }

  /**
   * A seq_pos, a user's events' order in a data folder: an integer that a long holds, in ASCII
   * digits (leading zeros and all), as the trainer reads it.
   */
  static long seqPos(String text) {
    if (!INTEGER.matcher(text).matches()) {
      throw new UnreadableValueException(UNREADABLE_SEQ_POS);
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException beyondLong) {
      throw new UnreadableValueException(UNREADABLE_SEQ_POS);
    }
  }

  /**
   * A price, 0 when empty (unknown); in a file separated by semicolons, a decimal comma (2,95) as
   * well as a point, since that is how such a spreadsheet writes numbers.
   */
  static double price(String text, char separator) {
    if (text.isEmpty()) {
      return 0;
    }
    String decimal = separator == ';' && DECIMAL_COMMA.matcher(text).matches() ? text.replace(',', '.') : text;
    if (!DECIMAL.matcher(decimal).matches()) {
      throw new UnreadableValueException("price must be a number such as 2.95"
          + (separator == ';' ? " or 2,95" : "") + " (or empty)");
    }
    double price = Double.parseDouble(decimal);
    if (!(price >= 0) || Double.isInfinite(price)) {
      throw new UnreadableValueException(NEGATIVE_PRICE);
    }
    return price;
  }
}
