package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** The shipped logback.xml's line (outside containers: bin/glassbox up, a service's own main). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LogFormatTest {
  /**
   * A line starts with its date, time and zone offset (ISO 8601), as the container pattern's do,
   * so that it can be placed in time beside other logs. Before, it said only "04:19:24.033": no
   * date, and no zone to compare it with a server's in another.
   */
  @Test
  void logLine_startsWithAnIsoTimestampWithItsZoneOffset_thenLevelLoggerRequestIdAndMessage() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    OutputStreamAppender<ILoggingEvent> stderr = (OutputStreamAppender<ILoggingEvent>) root.getAppender("STDERR");
    Instant when = Instant.parse("2026-12-07T04:19:24.033Z");
    LoggingEvent event = new LoggingEvent(Logger.FQCN, (Logger) LoggerFactory.getLogger(LogFormatTest.class),
        Level.WARN, "refused {} calls", null, new Object[] {3});
    event.setTimeStamp(when.toEpochMilli());

    String line = new String(stderr.getEncoder().encode(event), StandardCharsets.UTF_8);

    assertTrue(line.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2})"
        + " WARN  LogFormatTest \\[\\] - refused 3 calls\\R"), line);
    assertEquals(when, OffsetDateTime.parse(line.substring(0, line.indexOf(' '))).toInstant(), line);
  }
}
