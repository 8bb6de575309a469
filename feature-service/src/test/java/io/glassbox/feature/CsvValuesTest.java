package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CsvValuesTest {
  private static final Instant NOON = Instant.parse("2011-12-09T12:50:00Z");
  @Test
  void time_unixSecondsAndIsoWithAnyOffsetForm_areTheSameMoment() {
    for (String text : new String[] {"1323435000", "2011-12-09T12:50:00Z", "2011-12-09T12:50Z",
        "2011-12-09 12:50:00+00:00", "2011-12-09 13:50:00+01:00", "2011-12-09T13:50:00+0100", "2011-12-09 13:50+01",
        "2011-12-09 07:50:00-05", "2011-12-09t12:50:00z", "+1323435000", "2011-12-09T12:50:00.000000000Z",
        // Shopify's exports: one space before the offset (test_import_format reads the same).
        "2011-12-09 13:50:00 +0100", "2011-12-09T07:50 -05:00", "2011-12-09 12:50:00 Z"}) {
      assertEquals(NOON, CsvValues.time(text), text);
    }
    assertEquals(NOON.plusMillis(250), CsvValues.time("2011-12-09 12:50:00.25+00:00"));
    assertEquals(NOON.minusSeconds(30), CsvValues.time("2011-12-09 13:50:00+01:00:30"));
  }

  @Test
  void time_withoutOffset_isRefusedSayingHowToWriteIt() {
    for (String text : new String[] {"2011-12-09 12:50:00", "2011-12-09T12:50"}) {
      CsvValues.UnreadableValueException e =
          assertThrows(CsvValues.UnreadableValueException.class, () -> CsvValues.time(text));
      assertEquals(CsvValues.NO_OFFSET, e.getMessage());
    }
  }

  /**
   * A local time in a named zone: its moment there; in a daylight-saving gap as many minutes
   * later as the gap is long, in an overlap the earlier moment (the trainer's test_import_format
   * reads the same times to the same seconds). Unix seconds and times with an offset ignore it.
   */
  @Test
  void time_withoutOffset_inANamedZone_isItsMomentThere() {
    LocalTimeZone london = LocalTimeZone.named("Europe/London", "GLASSBOX_DATA_TIME_ZONE");

    assertEquals(1323435000, CsvValues.time("2011-12-09 12:50:00", london).getEpochSecond());
    assertEquals(1307620200, CsvValues.time("2011-06-09 12:50:00", london).getEpochSecond());
    assertEquals(1301189400, CsvValues.time("2011-03-27 01:30:00", london).getEpochSecond());
    assertEquals(1319934600, CsvValues.time("2011-10-30 01:30:00", london).getEpochSecond());
    assertEquals(1307623800, CsvValues.time("2011-06-09T12:50:00Z", london).getEpochSecond());
    assertEquals(1323435000, CsvValues.time("1323435000", london).getEpochSecond());
  }

  @Test
  void time_withoutOffset_noZoneNamed_saysWhichSettingNamesIt() {
    CsvValues.UnreadableValueException e = assertThrows(CsvValues.UnreadableValueException.class,
        () -> CsvValues.time("2011-12-09 12:50:00", LocalTimeZone.none("GLASSBOX_DATA_TIME_ZONE")));

    assertEquals("timestamp has no UTC offset, so its moment is unknown: write one, such as 2011-12-09T12:50:00Z (UTC)"
        + " or 2011-12-09 12:50:00+01:00, or name the time zone of the file's times"
        + " (GLASSBOX_DATA_TIME_ZONE=Europe/London, say)", e.getMessage());
  }

  /** tz database names only, as Python's zoneinfo takes them: no offsets, prefixes or paths. */
  @Test
  void localTimeZone_notATzDatabaseName_isRefusedNamingTheSetting() {
    // The last ones: legacy names only one side's tz database holds (test_import_format refuses the same).
    for (String name : new String[] {"+01:00", "Z", "UTC+01:00", "GMT+1", "Mars/Olympus", "../etc/passwd",
        "/usr/share/zoneinfo/UTC", "Europe/London ", "europe/london", "SystemV/EST5", "EST", "GMT+0", "ROC",
        "posix/Europe/London", "right/Europe/London", "localtime", "Factory", "US/Eastern"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> LocalTimeZone.named(name, "GLASSBOX_DATA_TIME_ZONE"), name);
      assertEquals("GLASSBOX_DATA_TIME_ZONE must be a time zone name such as Europe/London or UTC, got \"" + name + "\"",
          e.getMessage());
    }
    assertEquals(Optional.empty(), LocalTimeZone.named("", "GLASSBOX_DATA_TIME_ZONE").zone());
    assertEquals(Optional.of(ZoneId.of("Etc/GMT-1")), LocalTimeZone.named("Etc/GMT-1", "GLASSBOX_DATA_TIME_ZONE").zone());
    assertEquals(Optional.of(ZoneId.of("America/Argentina/Buenos_Aires")),
        LocalTimeZone.named("America/Argentina/Buenos_Aires", "GLASSBOX_DATA_TIME_ZONE").zone());
    assertEquals(Optional.of(ZoneId.of("UTC")), LocalTimeZone.named("UTC", "GLASSBOX_DATA_TIME_ZONE").zone());
    assertThrows(IllegalArgumentException.class,
        () -> new LocalTimeZone(Optional.of(ZoneId.of("+01:00")), "GLASSBOX_DATA_TIME_ZONE"));
  }

  @Test
  void time_notADateTime_isUnreadable() {
    for (String text : new String[] {"12/09/2011 12:50", "2011-12-09", "2011-02-30T10:00:00Z", "2011-12-09  12:50Z",
        "2011-12-09T12:50:00 UTC", "2011-12-09T12:50:00+01:00Z", "yesterday", "", "99999999999999",
        // One offset at most, with two digits of hours.
        "2011-12-09T12:50:00ZZ", "2011-12-09T12:50:00Z+00", "2011-12-09T13:50:00+01:00+01", "2011-12-09T13:50+1",
        "1_323_435_000",
        // One space before the offset, no more, and none inside it.
        "2011-12-09 13:50:00  +0100", "2011-12-09 13:50:00 + 0100", "2011-12-09 +01",
        // Longs no Instant holds, and one beyond a long.
        "9000000000000000000", "-9000000000000000000", "99999999999999999999"}) {
      CsvValues.UnreadableValueException e =
          assertThrows(CsvValues.UnreadableValueException.class, () -> CsvValues.time(text), text);
      assertEquals(CsvValues.UNREADABLE_TIME, e.getMessage(), text);
    }
  }

  /**
   * A time that reads but for its offset, beyond 18 hours or with minutes past 59, is refused
   * saying so, in the words of feedback --time; before, as unreadable, as though the rest were wrong.
   */
  @Test
  void time_offsetOutOfRange_saysOffsetsRunFromMinusToPlusEighteenHours() {
    for (String text : new String[] {"2011-12-09T12:00:00+25:00", "2011-12-09T12:00:00-19:00",
        "2011-12-09T12:00:00+05:60", "2011-12-09 12:00:00 +1830"}) {
      assertEquals("timestamp's UTC offset is out of range: ISO-8601 offsets run from -18:00 to +18:00, their minutes"
          + " and seconds from 00 to 59", assertThrows(CsvValues.UnreadableValueException.class,
              () -> CsvValues.time(text), text).getMessage(), text);
    }
    // Wrong elsewhere too: unreadable, whatever the offset.
    assertEquals(CsvValues.UNREADABLE_TIME, assertThrows(CsvValues.UnreadableValueException.class,
        () -> CsvValues.time("2011-02-30T12:00:00+25:00")).getMessage());
  }

  /**
   * Every case of csv-timestamps.tsv, which the trainer's test_import_format reads too: a field,
   * trimmed as every reader trims one (CsvImport, DatasetReader), is the same moment or the same
   * refusal for the feature service as for the trainer.
   */
  @Test
  void time_theCasesSharedWithTheTrainer_readAsTheTableSays() {
    List<TimestampCase> cases = SharedTable.cases("csv-timestamps.tsv").stream().map(TimestampCase::of).toList();
    assertTrue(cases.size() > 100, "csv-timestamps.tsv holds " + cases.size() + " cases");
    assertAll(cases.stream().map(c -> () -> assertEquals(c.expected(), outcome(c.field(), c.zone()),
        () -> "field \"" + SharedTable.written(c.field()) + "\""
            + c.zone().zone().map(zone -> " in " + zone).orElse(""))));
  }

  /**
   * Unix seconds as Long.parseLong reads them, leading zeros and all; past a long's digits,
   * unreadable (test_import_format reads the same).
   */
  @Test
  void time_unixSecondsWithThousandsOfDigits_areReadByTheirValue() {
    assertEquals(NOON, CsvValues.time("0".repeat(5000) + "1323435000"));
    assertEquals(CsvValues.UNREADABLE_TIME, assertThrows(CsvValues.UnreadableValueException.class,
        () -> CsvValues.time("9".repeat(5000))).getMessage());
  }

  /**
   * Every case of csv-seq-pos.tsv, which the trainer's test_import_format reads too: a field,
   * trimmed as DatasetReader trims it, is the same integer or refused for the feature service as
   * for the trainer.
   */
  @Test
  void seqPos_theCasesSharedWithTheTrainer_readAsTheTableSays() {
    List<List<String>> cases = SharedTable.cases("csv-seq-pos.tsv");
    assertTrue(cases.size() > 40, "csv-seq-pos.tsv holds " + cases.size() + " cases");
    assertAll(cases.stream().map(c -> () -> {
      assertEquals(2, c.size(), () -> "not a case: " + c);
      String field = SharedTable.field(c.get(1));
      String outcome;
      try {
        outcome = Long.toString(CsvValues.seqPos(field.trim()));
      } catch (CsvValues.UnreadableValueException e) {
        assertEquals(CsvValues.UNREADABLE_SEQ_POS, e.getMessage());
        outcome = "refused";
      }
      assertEquals(c.get(0), outcome, () -> "field \"" + SharedTable.written(field) + "\"");
    }));
  }

  @Test
  void price_decimalCommaOnlyInAFileSeparatedBySemicolons() {
    assertEquals(3.5, CsvValues.price("3,50", ';'));
    assertEquals(0.75, CsvValues.price(",75", ';'));
    assertEquals(3.5, CsvValues.price("3.50", ';'));
    assertEquals(0, CsvValues.price("", ','));
    assertEquals(2.95, CsvValues.price("2.95", ','));
    // With commas between fields, "3,50" may as well be 350 with a thousands separator.
    assertEquals("price must be a number such as 2.95 (or empty)",
        assertThrows(CsvValues.UnreadableValueException.class, () -> CsvValues.price("3,50", ',')).getMessage());
    assertEquals("price must be a number such as 2.95 or 2,95 (or empty)",
        assertThrows(CsvValues.UnreadableValueException.class, () -> CsvValues.price("1.234,50", ';')).getMessage());
    assertEquals(CsvValues.NEGATIVE_PRICE,
        assertThrows(CsvValues.UnreadableValueException.class, () -> CsvValues.price("-1", ';')).getMessage());
    assertEquals(CsvValues.NEGATIVE_PRICE,
        assertThrows(CsvValues.UnreadableValueException.class, () -> CsvValues.price("1e999", ',')).getMessage());
    assertEquals(250, CsvValues.price("2.5e2", ','));
    // What Java reads as a number and the trainer would not: refused.
    for (String text : new String[] {"2.95f", "2.95d", "0x1p3", "Infinity", "NaN", "1_000", "."}) {
      assertEquals("price must be a number such as 2.95 (or empty)", assertThrows(
          CsvValues.UnreadableValueException.class, () -> CsvValues.price(text, ','), text).getMessage(), text);
    }
  }

  /**
   * A line of csv-timestamps.tsv: the outcome (a moment, or unreadable, no-offset,
   * offset-out-of-range, before-1970), the field as a file holds it, and the zone of times without
   * an offset.
   */
  private record TimestampCase(String outcome, String field, LocalTimeZone zone) {
    private static final Set<String> REFUSALS = Set.of("unreadable", "no-offset", "offset-out-of-range", "before-1970");

    static TimestampCase of(List<String> columns) {
      assertTrue(columns.size() == 2 || columns.size() == 3, () -> "not a case: " + columns);
      return new TimestampCase(columns.get(0), SharedTable.field(columns.get(1)), columns.size() == 3
          ? LocalTimeZone.named(columns.get(2), LocalTimeZone.DATA_FOLDER_SETTING) : TestData.NO_ZONE);
    }

    /** The outcome as {@link #outcome} writes it: a moment as Instant.toString writes it. */
    String expected() {
      return REFUSALS.contains(outcome) ? outcome : Instant.parse(outcome).toString();
    }
  }

  /** What a data folder or an import makes of a field: the moment, or which refusal. */
  private static String outcome(String field, LocalTimeZone zone) {
    Instant when;
    try {
      when = CsvValues.time(field.trim(), zone);
    } catch (CsvValues.UnreadableValueException e) {
      return e.getMessage().equals(CsvValues.UNREADABLE_TIME) ? "unreadable"
          : e.getMessage().equals(CsvValues.OFFSET_OUT_OF_RANGE) ? "offset-out-of-range"
          : e.getMessage().startsWith(CsvValues.NO_OFFSET) ? "no-offset" : e.getMessage();
    }
    return EventTimeLimit.tooEarly(when) != null ? "before-1970" : when.toString();
  }
}
