package io.glassbox.launcher.load;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One load run: the open-loop schedule, a progress line every {@code reportEvery} (none when
 * zero), and the resident memory of the watched processes sampled before, during and after.
 */
public final class LoadRun {
  /** How often the watched processes' memory is sampled during the run. */
  static final Duration RSS_SAMPLE_PERIOD = Duration.ofMillis(250);
  /** How long after the last call is sent the run waits for answers, beyond the call deadline. */
  static final Duration DRAIN_SLACK = Duration.ofSeconds(5);

  private final LoadPlan plan;
  private final RssWatch rss;
  private final Duration reportEvery;
  private final PrintStream progress;

  public LoadRun(LoadPlan plan, RssWatch rss, Duration reportEvery, PrintStream progress) {
    this.plan = requireNonNull(plan, "plan");
    this.rss = requireNonNull(rss, "rss");
    this.reportEvery = requireNonNull(reportEvery, "reportEvery");
    this.progress = requireNonNull(progress, "progress");
  }

  public LoadSummary execute(OpenLoopScheduler.CallSender sender) throws InterruptedException {
    LoadRecorder recorder = new LoadRecorder(plan.timeout());
    OpenLoopScheduler scheduler = new OpenLoopScheduler(plan, Ticker.system(), recorder);
    ScheduledExecutorService background = Executors.newScheduledThreadPool(1,
        new ThreadFactoryBuilder().setNameFormat("load-monitor").setDaemon(true).build());
    long start = System.nanoTime();
    // Stopped early (Ctrl-C, a SIGTERM), the JVM runs its shutdown hooks and no more: what the
    // calls so far measured is said then, or the minutes run would say nothing.
    Thread stopped = new Thread(() -> progress.printf(Locale.ROOT,
        "load: stopped after %.1f s of %.1f s; what the calls so far measured:%n%s%n",
        (System.nanoTime() - start) / 1e9, plan.duration().toMillis() / 1e3,
        recorder.summary(plan.requestCount(), Duration.ofNanos(System.nanoTime() - start)).format()), "load-stopped");
    Runtime.getRuntime().addShutdownHook(stopped);
    try {
      if (!rss.isEmpty()) {
        rss.sample();
        background.scheduleAtFixedRate(rss::sample, RSS_SAMPLE_PERIOD.toMillis(),
            RSS_SAMPLE_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
      }
      if (!reportEvery.isZero()) {
        background.scheduleAtFixedRate(() -> report(recorder, scheduler, start),
            reportEvery.toMillis(), reportEvery.toMillis(), TimeUnit.MILLISECONDS);
      }
      scheduler.run(sender, plan.timeout().plus(DRAIN_SLACK));
    } finally {
      background.shutdownNow();
      background.awaitTermination(5, TimeUnit.SECONDS);
      try {
        Runtime.getRuntime().removeShutdownHook(stopped);
      } catch (IllegalStateException shuttingDown) {
        // The hook runs (or ran): the summary is said there.
      }
    }
    if (!rss.isEmpty()) {
      rss.sample();
    }
    return recorder.summary(plan.requestCount(), Duration.ofNanos(System.nanoTime() - start));
  }

  private void report(LoadRecorder recorder, OpenLoopScheduler scheduler, long start) {
    LoadRecorder.Interval i = recorder.takeInterval();
    progress.printf(Locale.ROOT, "[%6.1f s] answered %d, p50 %.1f ms, p99 %.1f ms, max %.1f ms, failed %d, in flight %d%n",
        (System.nanoTime() - start) / 1e9, i.answered(), i.p50Millis(), i.p99Millis(), i.maxMillis(),
        i.failures(), scheduler.inFlight());
  }
}
