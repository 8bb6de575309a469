package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

class LogCaptureTest {
  /**
   * A line logged on another thread (a deadline's timer, say) is found under that thread's request
   * id, even when the test reads it first: logback fills a line's MDC on the first thread that asks
   * for it, which would be the test's, with no id. No console appender reads it before here (the
   * logger is not additive), as none does under the gateway's test pattern.
   */
  @Test
  void linesOf_aLineLoggedOnAnotherThread_isFoundUnderThatThreadsRequestId() throws InterruptedException {
    Logger logger = (Logger) LoggerFactory.getLogger(LogCaptureTest.class);
    logger.setAdditive(false);
    try (LogCapture logged = LogCapture.of(LogCaptureTest.class, Level.INFO)) {
      Thread timer = new Thread(() -> {
        MDC.put(RequestIds.MDC_KEY, "timer-call");
        try {
          logger.info("served");
        } finally {
          MDC.remove(RequestIds.MDC_KEY);
        }
      });
      timer.start();
      timer.join();

      assertEquals(List.of("served"), logged.linesOf("timer-call").stream().map(ILoggingEvent::getFormattedMessage)
          .toList(), logged.lines().toString());
    } finally {
      logger.setAdditive(true);
    }
  }
}
