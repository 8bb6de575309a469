package io.glassbox.launcher.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OpenLoopSchedulerTest {
  private static final long MS = 1_000_000L;
  private static final Duration NO_GRACE = Duration.ofMillis(20);

  private static LoadPlan plan(double rate, int cap, Duration timeout) {
    return new LoadPlan(rate, Duration.ofSeconds(1), cap, timeout);
  }

  @Test
  void run_sendsEveryCallAtItsDueTime() throws InterruptedException {
    VirtualTicker ticker = new VirtualTicker();
    LoadRecorder recorder = new LoadRecorder(Duration.ofMillis(100));
    List<Long> sendTimes = new ArrayList<>();

    long sent = new OpenLoopScheduler(plan(50, 10, Duration.ofMillis(100)), ticker, recorder).run((i, done) -> {
      sendTimes.add(ticker.nanoTime() - ticker.start());
      done.accept(CallOutcome.ok(false, false));
    }, NO_GRACE);

    assertEquals(50, sent);
    for (int i = 0; i < 50; i++) {
      assertEquals(i * 20 * MS, sendTimes.get(i), "call " + i);
    }
    LoadSummary summary = recorder.summary(50, Duration.ofSeconds(1));
    assertEquals(Map.of("OK", 50L), summary.byStatus());
    assertEquals(50, summary.okInDeadline());
    assertTrue(summary.allOkInDeadline());
    assertEquals(0, summary.maxSendLagMillis());
  }

  @Test
  void run_keepsSendingWhileAnswersLag_andCountsCallsNeverAnswered() throws InterruptedException {
    VirtualTicker ticker = new VirtualTicker();
    LoadRecorder recorder = new LoadRecorder(Duration.ofSeconds(1));
    List<Consumer<CallOutcome>> pending = new ArrayList<>();
    List<Long> sendTimes = new ArrayList<>();

    // Each answer arrives when the fifth call after it is sent: 50 ms late at 100 calls/s.
    long sent = new OpenLoopScheduler(plan(100, 1000, Duration.ofSeconds(1)), ticker, recorder).run((i, done) -> {
      sendTimes.add(ticker.nanoTime() - ticker.start());
      pending.add(done);
      if (i >= 5) {
        pending.get((int) i - 5).accept(CallOutcome.ok(false, false));
      }
    }, NO_GRACE);

    assertEquals(100, sent);
    assertEquals(99 * 10 * MS, sendTimes.get(99), "the schedule did not wait for answers");
    LoadSummary summary = recorder.summary(100, Duration.ofSeconds(1));
    assertEquals(Map.of("OK", 95L, CallOutcome.NO_ANSWER, 5L), summary.byStatus());
    assertEquals(50.0, summary.p50Millis(), 0.1);
    assertEquals(50.0, summary.maxMillis(), 0.1);
    assertEquals(95, summary.answered());
    assertEquals(5, summary.failed());
  }

  @Test
  void run_whenTheClientStalls_countsLatencyFromTheDueTime() throws InterruptedException {
    // The sleep before call 10 (due at 100 ms) ends 300 ms late: calls 10..40 all leave at 400 ms.
    VirtualTicker ticker = new VirtualTicker().stallAt(100 * MS, 300 * MS);
    LoadRecorder recorder = new LoadRecorder(Duration.ofMillis(100));
    List<Long> sendTimes = new ArrayList<>();

    new OpenLoopScheduler(plan(100, 1000, Duration.ofMillis(100)), ticker, recorder).run((i, done) -> {
      sendTimes.add(ticker.nanoTime() - ticker.start());
      done.accept(CallOutcome.ok(false, false));
    }, NO_GRACE);

    assertEquals(400 * MS, sendTimes.get(10));
    assertEquals(400 * MS, sendTimes.get(40));
    assertEquals(410 * MS, sendTimes.get(41));
    LoadSummary summary = recorder.summary(100, Duration.ofSeconds(1));
    assertEquals(300.0, summary.maxMillis(), 0.5, "the stall is in the histogram, not omitted");
    assertEquals(300.0, summary.maxSendLagMillis(), 0.001);
    // Calls 10..29 were answered 300..110 ms after they were due: past the 100 ms deadline.
    assertEquals(80, summary.okInDeadline());
    assertFalse(summary.allOkInDeadline());
  }

  @Test
  void run_atTheConcurrencyCap_shedsDueCallsInsteadOfQueueingThem() throws InterruptedException {
    VirtualTicker ticker = new VirtualTicker();
    LoadRecorder recorder = new LoadRecorder(Duration.ofSeconds(1));
    List<Consumer<CallOutcome>> pending = new ArrayList<>();
    List<Long> sent = new ArrayList<>();

    // No call is ever answered: the first three fill the cap, every later one is shed.
    OpenLoopScheduler scheduler = new OpenLoopScheduler(plan(10, 3, Duration.ofSeconds(1)), ticker, recorder);
    scheduler.run((i, done) -> {
      sent.add(i);
      pending.add(done);
    }, NO_GRACE);

    assertEquals(List.of(0L, 1L, 2L), sent);
    LoadSummary summary = recorder.summary(10, Duration.ofSeconds(1));
    assertEquals(Map.of(CallOutcome.SHED, 7L, CallOutcome.NO_ANSWER, 3L), summary.byStatus());
    assertEquals(3, summary.sent());
    assertEquals(10, summary.failed());
  }

  @Test
  void run_freesCapacityAsAnswersCome() throws InterruptedException {
    VirtualTicker ticker = new VirtualTicker();
    LoadRecorder recorder = new LoadRecorder(Duration.ofSeconds(1));
    List<Consumer<CallOutcome>> pending = new ArrayList<>();
    List<Long> sent = new ArrayList<>();

    new OpenLoopScheduler(plan(10, 2, Duration.ofSeconds(1)), ticker, recorder).run((i, done) -> {
      sent.add(i);
      pending.add(done);
      if (pending.size() == 2) { // the second call in flight lets the first one finish
        pending.remove(0).accept(CallOutcome.ok(false, false));
      }
    }, NO_GRACE);

    assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), sent);
  }

  @Test
  void summary_countsErrorsByStatusAndDegradedAnswers() throws InterruptedException {
    VirtualTicker ticker = new VirtualTicker();
    LoadRecorder recorder = new LoadRecorder(Duration.ofSeconds(1));
    List<CallOutcome> cycle = List.of(CallOutcome.ok(false, false), CallOutcome.ok(true, false),
        CallOutcome.ok(true, true), CallOutcome.failed("UNAVAILABLE"), CallOutcome.failed("DEADLINE_EXCEEDED"));

    new OpenLoopScheduler(plan(100, 10, Duration.ofSeconds(1)), ticker, recorder)
        .run((i, done) -> done.accept(cycle.get((int) (i % cycle.size()))), NO_GRACE);

    LoadSummary summary = recorder.summary(100, Duration.ofSeconds(1));
    assertEquals(Map.of("OK", 60L, "UNAVAILABLE", 20L, "DEADLINE_EXCEEDED", 20L), summary.byStatus());
    assertEquals(60, summary.okInDeadline());
    assertEquals(40, summary.explanationsDegraded());
    assertEquals(20, summary.rankingDegraded());
    assertEquals(40, summary.failed());
    assertTrue(summary.format().contains("by status: DEADLINE_EXCEEDED 20, OK 60, UNAVAILABLE 20"), summary.format());
  }

  @Test
  void run_ignoresASecondCompletionOfTheSameCall() throws InterruptedException {
    VirtualTicker ticker = new VirtualTicker();
    LoadRecorder recorder = new LoadRecorder(Duration.ofSeconds(1));

    new OpenLoopScheduler(plan(10, 10, Duration.ofSeconds(1)), ticker, recorder).run((i, done) -> {
      done.accept(CallOutcome.ok(false, false));
      done.accept(CallOutcome.failed("CANCELLED"));
    }, NO_GRACE);

    assertEquals(Map.of("OK", 10L), recorder.summary(10, Duration.ofSeconds(1)).byStatus());
  }
}
