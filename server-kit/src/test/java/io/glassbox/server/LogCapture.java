package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * The lines one logger logs at {@code level} and above while open (the tests' logging shows WARN
 * and above, so a test that looks for INFO or DEBUG lines lowers the logger's level meanwhile);
 * closing restores the level and stops capturing.
 */
public final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final Level levelBefore;
  /**
   * Reads each line's MDC as it is logged, on the logging thread: logback fills it on the first
   * thread that asks, and a test that read the line first would find its own MDC, no request id.
   */
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>() {
    @Override
    protected void append(ILoggingEvent event) {
      event.prepareForDeferredProcessing();
      super.append(event);
    }
  };

  private LogCapture(String loggerName, Level level) {
    logger = (Logger) LoggerFactory.getLogger(loggerName);
    levelBefore = logger.getLevel();
    logged.start();
    logger.setLevel(level);
    logger.addAppender(logged);
  }

  /** Captures what {@code source}'s logger logs at {@code level} and above. */
  public static LogCapture of(Class<?> source, Level level) {
    return new LogCapture(source.getName(), level);
  }

  /**
   * Captures what every logger logs at {@code level} and above, third-party libraries' too (their
   * java.util.logging arrives through the bridge under their own names).
   */
  public static LogCapture everything(Level level) {
    return new LogCapture(Logger.ROOT_LOGGER_NAME, level);
  }

  /** The lines so far, oldest first. */
  public List<ILoggingEvent> lines() {
    synchronized (logged) {
      return List.copyOf(logged.list);
    }
  }

  /** The lines so far logged under {@code requestId} ({@link RequestIds#MDC_KEY}). */
  public List<ILoggingEvent> linesOf(String requestId) {
    return lines().stream().filter(line -> requestId.equals(line.getMDCPropertyMap().get(RequestIds.MDC_KEY))).toList();
  }

  /**
   * The lines logged under {@code requestId}, waiting up to 5 s for the first: a call that ran
   * out of its own deadline has its answer before the server it called logs.
   */
  public List<ILoggingEvent> awaitLinesOf(String requestId) throws InterruptedException {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (linesOf(requestId).isEmpty() && System.nanoTime() < giveUp) {
      Thread.sleep(20);
    }
    return linesOf(requestId);
  }

  /**
   * The one line logged under {@code requestId}, waiting for it as {@link #awaitLinesOf} does;
   * fails the test, listing every line so far, when there is none or more than one.
   */
  public ILoggingEvent awaitOnlyLineOf(String requestId) throws InterruptedException {
    List<ILoggingEvent> lines = awaitLinesOf(requestId);
    assertEquals(1, lines.size(), "lines of call " + requestId + ": " + lines());
    return lines.get(0);
  }

  @Override
  public void close() {
    logger.detachAppender(logged);
    logger.setLevel(levelBefore);
  }
}
