package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Store failures as status codes, and as log lines an outage under load does not flood. */
class StoreCallsTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger(StoreCalls.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private Level levelBefore;

  @BeforeEach
  void captureLog() {
    levelBefore = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void restoreLog() {
    logger.detachAppender(logged);
    logger.setLevel(levelBefore);
  }

  @Test
  void redisDown_everyCallIsUnavailable_butAtMostOneWarningAMinute_theRestAtDebug() {
    for (int i = 0; i < 50; i++) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> StoreCalls.call(() -> {
        throw new StoreUnavailableException("Redis redis://localhost:6379 cannot be reached", null);
      }));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      assertEquals("the feature store is unavailable; retry shortly", e.getStatus().getDescription());
    }

    // Another test in this JVM may have had the minute's warning: at most one, then.
    long warnings = logged.list.stream().filter(event -> event.getLevel() == Level.WARN).count();
    assertTrue(warnings <= 1, logged.list.toString());
    assertEquals(50 - warnings, logged.list.stream().filter(event -> event.getLevel() == Level.DEBUG).count());
    assertTrue(logged.list.stream().allMatch(event -> event.getFormattedMessage()
        .startsWith("Feature store unavailable: Redis redis://localhost:6379 cannot be reached")));
  }
}
