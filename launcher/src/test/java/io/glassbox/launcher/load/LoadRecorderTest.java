package io.glassbox.launcher.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoadRecorderTest {
  private static final long MS = 1_000_000L;

  @Test
  void summary_givesPercentilesOfEveryAnsweredCall() {
    LoadRecorder recorder = new LoadRecorder(Duration.ofMillis(900));
    for (int ms = 1; ms <= 1000; ms++) {
      recorder.answered(ms * MS, ms % 10 == 0 ? CallOutcome.failed("UNAVAILABLE") : CallOutcome.ok(false, false));
    }

    LoadSummary summary = recorder.summary(1000, Duration.ofSeconds(1));

    // HdrHistogram with 3 significant digits: within 0.1 %.
    assertEquals(500, summary.p50Millis(), 0.5);
    assertEquals(900, summary.p90Millis(), 0.9);
    assertEquals(990, summary.p99Millis(), 1.0);
    assertEquals(1000, summary.maxMillis(), 1.0);
    assertEquals(1000, summary.answered());
    // OK answers (not every tenth) up to 900 ms.
    assertEquals(810, summary.okInDeadline());
  }

  @Test
  void takeInterval_reportsOnlyWhatCameSinceTheLastOne_whileTheSummaryKeepsEverything() {
    LoadRecorder recorder = new LoadRecorder(Duration.ofSeconds(1));
    recorder.answered(10 * MS, CallOutcome.ok(false, false));
    recorder.answered(20 * MS, CallOutcome.failed("INTERNAL"));
    LoadRecorder.Interval first = recorder.takeInterval();
    recorder.answered(400 * MS, CallOutcome.ok(false, false));
    recorder.unanswered(CallOutcome.SHED);
    LoadRecorder.Interval second = recorder.takeInterval();

    assertEquals(2, first.answered());
    assertEquals(1, first.failures());
    assertEquals(20, first.maxMillis(), 0.1);
    assertEquals(1, second.answered());
    assertEquals(1, second.failures());
    assertEquals(400, second.p50Millis(), 0.5);
    LoadSummary summary = recorder.summary(4, Duration.ofSeconds(1));
    assertEquals(3, summary.answered());
    assertEquals(400, summary.maxMillis(), 0.5);
    assertEquals(2, summary.failed());
  }

  @Test
  void summary_ofNothing_isEmptyNotAnError() {
    LoadSummary summary = new LoadRecorder(Duration.ofSeconds(1)).summary(5, Duration.ZERO);

    assertEquals(0, summary.p99Millis());
    assertEquals(5, summary.failed());
  }
}
