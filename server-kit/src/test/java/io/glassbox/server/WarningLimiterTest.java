package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class WarningLimiterTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final WarningLimiter limiter = new WarningLimiter(Duration.ofSeconds(60), now::get);

  @Test
  void firstWarning_passes_repeatsWithinTheInterval_areHeldBack_andCountedInTheNext() {
    assertEquals(0, limiter.tryAcquire());
    assertEquals(-1, limiter.tryAcquire());
    now.addAndGet(TimeUnit.SECONDS.toNanos(59));
    assertEquals(-1, limiter.tryAcquire());

    now.addAndGet(TimeUnit.SECONDS.toNanos(1));

    assertEquals(2, limiter.tryAcquire());
    assertEquals(-1, limiter.tryAcquire());
  }

  @Test
  void log_passesAtItsLevel_holdsBackAtDebug_andTheNextSaysHowManyWereHeldBack() {
    Logger logger = (Logger) LoggerFactory.getLogger("warning-limiter-test");
    logger.setLevel(Level.DEBUG);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    try {
      for (int i = 0; i < 3; i++) {
        limiter.log(logger, org.slf4j.event.Level.ERROR, "store {} full", "redis");
      }
      now.addAndGet(TimeUnit.SECONDS.toNanos(60));
      limiter.log(logger, org.slf4j.event.Level.ERROR, "store {} full", "redis");
    } finally {
      logger.detachAppender(logged);
    }

    assertEquals(List.of(Level.ERROR, Level.DEBUG, Level.DEBUG, Level.ERROR),
        logged.list.stream().map(ILoggingEvent::getLevel).toList());
    assertEquals(List.of("store redis full", "store redis full", "store redis full",
            "store redis full (and 2 more since the last one)"),
        logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
  }

  /** A limiter given what its held-back warnings are says so in the count, where they went. */
  @Test
  void log_withWhatIsHeldBack_saysItInTheCount() {
    WarningLimiter calls = new WarningLimiter(Duration.ofSeconds(60), "calls failed this way, each at DEBUG", now::get);
    org.slf4j.Logger logger = LoggerFactory.getLogger(WarningLimiterTest.class);
    try (LogCapture logged = LogCapture.of(WarningLimiterTest.class, Level.DEBUG)) {
      calls.log(logger, org.slf4j.event.Level.INFO, "call failed");
      calls.log(logger, org.slf4j.event.Level.INFO, "call failed");
      now.addAndGet(TimeUnit.SECONDS.toNanos(60));
      calls.log(logger, org.slf4j.event.Level.INFO, "call failed");

      assertEquals(List.of("call failed", "call failed", "call failed (and 1 more calls failed this way, each at DEBUG)"),
          logged.lines().stream().map(ILoggingEvent::getFormattedMessage).toList());
    }
  }

  /**
   * What the held-back ones are is text, not an SLF4J pattern: its braces and backslashes are
   * printed as they are, and take none of the line's arguments.
   */
  @Test
  void log_whatIsHeldBackHoldsPatternCharacters_isPrintedAsItIs() {
    WarningLimiter calls = new WarningLimiter(Duration.ofSeconds(60), "calls like \\{} or {}", now::get);
    org.slf4j.Logger logger = LoggerFactory.getLogger(WarningLimiterTest.class);
    try (LogCapture logged = LogCapture.of(WarningLimiterTest.class, Level.DEBUG)) {
      calls.log(logger, org.slf4j.event.Level.WARN, "call {} failed", "c1");
      calls.log(logger, org.slf4j.event.Level.WARN, "call {} failed", "c2");
      now.addAndGet(TimeUnit.SECONDS.toNanos(60));
      calls.log(logger, org.slf4j.event.Level.WARN, "call {} failed", "c3");

      assertEquals("call c3 failed (and 1 more calls like \\{} or {})", logged.lines().get(2).getFormattedMessage());
    }
  }
}
