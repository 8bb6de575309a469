package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** How every duration option (load's, health --wait) reads its value. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DurationConverterTest {
  private final DurationConverter converter = new DurationConverter();

  /**
   * Minutes and hours as well as ms, s and ISO-8601: health --wait 24h was refused as "not a
   * positive duration", while its help said "up to 24h".
   */
  @Test
  void convert_minutesAndHours_areTakenWithTheOtherUnits() {
    Map<String, Duration> read = Map.of("90m", Duration.ofMinutes(90), "1h", Duration.ofHours(1),
        "24h", Duration.ofHours(24), "1440m", Duration.ofHours(24), "1h30m", Duration.ofMinutes(90),
        "0m", Duration.ZERO, "500ms", Duration.ofMillis(500), "30s", Duration.ofSeconds(30),
        "PT5M", Duration.ofMinutes(5), "0s", Duration.ZERO);

    read.forEach((value, duration) -> assertEquals(duration, converter.convert(value), value));
  }

  @Test
  void convert_noDuration_isRefusedWithExamples() {
    for (String value : List.of("soon", "h", "m", "30", "1m30h", "-5m", "1.5h", "99999999999999999h")) {
      CommandLine.TypeConversionException refused =
          assertThrows(CommandLine.TypeConversionException.class, () -> converter.convert(value), value);

      assertEquals("'" + value + "' is not a positive duration like 500ms, 30s, 5m, 1h or PT5M", refused.getMessage());
    }
  }
}
