package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** How feedback --time reads its value, and what it says of one it cannot read. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class EventTimeConverterTest {
  private static final String OUT_OF_RANGE =
      "timestamp's UTC offset is out of range: ISO-8601 offsets run from -18:00 to +18:00, their minutes and seconds"
      + " from 00 to 59, got '";
  private final EventTimeConverter converter = new EventTimeConverter();

  /**
   * Before, an offset of 25 hours got "must be unix seconds or ISO-8601", as though the rest were
   * wrong; minutes past 59 did until import's CsvValues said the same of them.
   */
  @Test
  void convert_offsetBeyondEighteenHours_saysTheOffsetIsOutOfRange() {
    for (String value : List.of("2011-12-09T12:00:00+25:00", "2011-12-09 12:00 -1900", "2011-12-09T12:00:00 +18:30",
        "2011-12-09T12:00:00.5+99", "2011-12-09T12:00:00+01:60")) {
      assertEquals(OUT_OF_RANGE + value + "'", refusal(value));
    }
    CliRun feedback = CliRun.of("feedback", "--user", "12348", "--item", "20727",
        "--time", "2011-12-09T12:00:00+25:00");
    assertTrue(feedback.err().startsWith("Invalid value for option '--time': " + OUT_OF_RANGE
        + "2011-12-09T12:00:00+25:00'"), feedback.err());
  }

  @Test
  void convert_otherUnreadableTimes_keepTheirMessages_andEighteenHoursIsRead() {
    // Wrong elsewhere too (month 13, hour 25): not an offset out of range.
    for (String value : List.of("2011-13-09T12:00:00+25:00", "2011-12-09T25:00:00+01:00", "soon")) {
      assertEquals("timestamp must be unix seconds or ISO-8601 such as 2011-12-09T12:50:00Z, got '" + value + "'",
          refusal(value));
    }
    assertTrue(refusal("2011-12-09 12:00").startsWith("timestamp has no UTC offset, so its moment is unknown"));
    assertEquals(OffsetDateTime.parse("2011-12-09T12:00:00+18:00").toInstant(),
        converter.convert("2011-12-09T12:00:00+18:00"));
    assertEquals(OffsetDateTime.parse("2011-12-09T12:00:00-18:00").toInstant(),
        converter.convert("2011-12-09T12:00:00-1800"));
  }

  private String refusal(String value) {
    return assertThrows(CommandLine.TypeConversionException.class, () -> converter.convert(value), value).getMessage();
  }
}
