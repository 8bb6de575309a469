package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class EventTimeLimitTest {
  private static final Instant NOW = Instant.parse("2026-12-05T07:00:00.250Z");
  private final EventTimeLimit limit =
      new EventTimeLimit(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(5));

  @Test
  void problem_upToTheSkewAhead_isNone() {
    assertNull(limit.problem(Instant.parse("2011-12-09T12:50:00Z"), limit.now()));
    assertNull(limit.problem(NOW, limit.now()));
    assertNull(limit.problem(NOW.plus(Duration.ofMinutes(5)), limit.now()));
  }

  @Test
  void problem_fromTheUnixEpochOn_isNone() {
    assertNull(limit.problem(Instant.EPOCH, limit.now()));
    assertNull(limit.problem(Instant.ofEpochSecond(500), limit.now()));
  }

  @Test
  void problem_beforeTheUnixEpoch_saysItIsLikelyAZeroDate() {
    assertEquals("0001-01-01T00:00:00Z is before 1970-01-01T00:00:00Z: no shop event is that old (is it the"
        + " sending program's zero date? Go's and .NET's are 0001-01-01T00:00:00Z)",
        limit.problem(Instant.parse("0001-01-01T00:00:00Z"), limit.now()));
    assertEquals("1969-12-31T23:59:59.999999999Z is before 1970-01-01T00:00:00Z: no shop event is that old (is it"
        + " the sending program's zero date? Go's and .NET's are 0001-01-01T00:00:00Z)",
        limit.problem(Instant.EPOCH.minusNanos(1), limit.now()));
  }

  @Test
  void problem_pastTheSkew_namesTheTimeTheClockAndTheSetting() {
    assertEquals("2026-12-05T07:05:01.250Z lies in the future: this server's clock reads 2026-12-05T07:00:00Z,"
        + " and events may be stamped at most 300 s ahead of it (GLASSBOX_FEATURE_MAX_CLOCK_SKEW)",
        limit.problem(NOW.plus(Duration.ofSeconds(301)), limit.now()));
  }
}
