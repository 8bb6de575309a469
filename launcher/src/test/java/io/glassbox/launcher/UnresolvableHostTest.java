package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A --target whose host does not resolve (a typo, a name of another network): the command says
 * so. Before, gRPC logged a WARNING with a 14-line stack trace, and the hint said "nothing answered
 * at … Is the suite up?".
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnresolvableHostTest {
  private static final String TARGET = "nosuchhost.invalid:50051";
  /** The hint, up to the resolver's own words (which differ between systems). */
  private static final String HINT = "the host of " + TARGET + " does not resolve (nosuchhost.invalid";
  private static final String WHAT_TO_DO = "): check its name in --target, or this machine's DNS.\n";

  @Test
  void recommendAndHealth_unresolvableHost_sayItDoesNotResolve_withoutGrpcsWarning() {
    Logger channelLog = Logger.getLogger("io.grpc.internal.ManagedChannelImpl");
    List<LogRecord> logged = new CopyOnWriteArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        logged.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    channelLog.addHandler(handler);
    try {
      CliRun recommend = CliRun.of("recommend", "--user", "12348", "--target", TARGET);
      CliRun health = CliRun.of("health", "--target", TARGET);

      assertEquals(1, recommend.exit(), recommend.err());
      assertTrue(recommend.err().startsWith("glassbox: UNAVAILABLE: could not connect to " + TARGET + " (its host does not resolve)\n"
          + "glassbox: " + HINT) && recommend.err().endsWith(WHAT_TO_DO), recommend.err());
      assertEquals(2, recommend.err().lines().count(), recommend.err());
      assertEquals(1, health.exit(), health.err());
      assertTrue(health.err().startsWith("glassbox health: " + TARGET + " is UNAVAILABLE\nglassbox health: " + HINT)
          && health.err().endsWith(WHAT_TO_DO), health.err());
      assertEquals(2, health.err().lines().count(), health.err());
      assertEquals(List.of(), logged.stream().map(LogRecord::getMessage).toList());
    } finally {
      channelLog.removeHandler(handler);
    }
  }
}
