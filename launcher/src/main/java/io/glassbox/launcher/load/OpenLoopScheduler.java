package io.glassbox.launcher.load;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Sends calls on a fixed schedule whatever the answers do (an open loop): call {@code i} is due
 * at {@code start + i / rate} and is sent then, or at once if the scheduler is already late;
 * its latency is counted from that due time, so time a call spent waiting to be sent is not
 * omitted (coordinated omission). When the concurrency cap is reached, a due call is not sent
 * but counted as {@link CallOutcome#SHED}, so the schedule never slows down to match the server.
 */
public final class OpenLoopScheduler {
  /** Sends one call and reports how it ended by calling {@code done} exactly once, from any thread. */
  @FunctionalInterface
  public interface CallSender {
    void send(long index, Consumer<CallOutcome> done);
  }

  private final LoadPlan plan;
  private final Ticker ticker;
  private final LoadRecorder recorder;
  private final Object lock = new Object();
  private int inFlight;

  public OpenLoopScheduler(LoadPlan plan, Ticker ticker, LoadRecorder recorder) {
    this.plan = requireNonNull(plan, "plan");
    this.ticker = requireNonNull(ticker, "ticker");
    this.recorder = requireNonNull(recorder, "recorder");
  }

  /**
   * Runs the whole schedule, then waits up to {@code drainGrace} (real time) for the calls still in
   * flight; those are counted as {@link CallOutcome#NO_ANSWER}. Returns the number of calls sent.
   */
  public long run(CallSender sender, Duration drainGrace) throws InterruptedException {
    long start = ticker.nanoTime();
    long planned = plan.requestCount();
    long sent = 0;
    for (long i = 0; i < planned; i++) {
      long due = start + plan.dueOffsetNanos(i);
      ticker.sleepUntil(due);
      if (!tryAcquire()) {
        recorder.unanswered(CallOutcome.SHED);
        continue;
      }
      recorder.sent(ticker.nanoTime() - due);
      sent++;
      sender.send(i, new Completion(due));
    }
    int unanswered = awaitInFlight(drainGrace);
    for (int i = 0; i < unanswered; i++) {
      recorder.unanswered(CallOutcome.NO_ANSWER);
    }
    return sent;
  }

  /** Calls in flight right now. */
  public int inFlight() {
    synchronized (lock) {
      return inFlight;
    }
  }

  private boolean tryAcquire() {
    synchronized (lock) {
      if (inFlight >= plan.concurrencyCap()) {
        return false;
      }
      inFlight++;
      return true;
    }
  }

  /** Waits for the calls in flight; returns how many never ended and stops counting them. */
  private int awaitInFlight(Duration grace) throws InterruptedException {
    long deadline = System.nanoTime() + grace.toNanos();
    synchronized (lock) {
      for (long left = grace.toNanos(); inFlight > 0 && left > 0; left = deadline - System.nanoTime()) {
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      int abandoned = inFlight;
      inFlight = Integer.MIN_VALUE / 2; // late completions after this are ignored
      return abandoned;
    }
  }

  /** Ends one call once; late or repeated completions change nothing. */
  private final class Completion implements Consumer<CallOutcome> {
    private final long due;
    private boolean done;

    Completion(long due) {
      this.due = due;
    }

    @Override
    public void accept(CallOutcome outcome) {
      long now = ticker.nanoTime();
      synchronized (lock) {
        if (done || inFlight < 0) {
          return;
        }
        done = true;
        inFlight--;
        recorder.answered(now - due, outcome);
        lock.notifyAll();
      }
    }
  }
}
