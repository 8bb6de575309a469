package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * so, once, and the hint only what to check. Before, gRPC logged a WARNING with a 14-line stack trace, and the hint said "nothing answered
 * at … Is the suite up?".
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnresolvableHostTest {
  private static final String TARGET = "nosuchhost.invalid:50051";
  private static final String REASON = "could not connect to " + TARGET + " (its host does not resolve)";
  private static final String WHAT_TO_DO = "check the host's name in --target, or this machine's DNS.";

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

      // The reason was said twice: on the status line and again in the hint ("the host of … does not
      // resolve (nosuchhost.invalid: Name or service not known): check its name …"); health said it
      // in the hint alone, under "… is UNAVAILABLE".
      assertEquals(1, recommend.exit(), recommend.err());
      assertEquals("glassbox: UNAVAILABLE: " + REASON + "\nglassbox: " + WHAT_TO_DO + "\n", recommend.err());
      assertEquals(1, health.exit(), health.err());
      assertEquals("glassbox health: UNAVAILABLE: " + REASON + "\nglassbox health: " + WHAT_TO_DO + "\n", health.err());
      for (CliRun run : List.of(recommend, health)) {
        assertEquals(1, CliRun.timesSaid(run.err(), "resolve"), run.err());
      }
      assertEquals(List.of(), logged.stream().map(LogRecord::getMessage).toList());
    } finally {
      channelLog.removeHandler(handler);
    }
  }
}
