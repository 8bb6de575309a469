package io.glassbox.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The lines one logger logs at {@code level} and above while open (the tests' logging shows WARN
 * and above, so a test that looks for INFO or DEBUG lines lowers the logger's level meanwhile);
 * closing restores the level and stops capturing.
 */
public final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final Level levelBefore;
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  private LogCapture(Class<?> source, Level level) {
    logger = (Logger) LoggerFactory.getLogger(source);
    levelBefore = logger.getLevel();
    logged.start();
    logger.setLevel(level);
    logger.addAppender(logged);
  }

  /** Captures what {@code source}'s logger logs at {@code level} and above. */
  public static LogCapture of(Class<?> source, Level level) {
    return new LogCapture(source, level);
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

  @Override
  public void close() {
    logger.detachAppender(logged);
    logger.setLevel(levelBefore);
  }
}
