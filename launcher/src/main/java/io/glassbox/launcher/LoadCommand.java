package io.glassbox.launcher;

import io.glassbox.feature.FeatureConfig;
import io.glassbox.launcher.load.LoadPlan;
import io.glassbox.launcher.load.LoadRun;
import io.glassbox.launcher.load.LoadSummary;
import io.glassbox.launcher.load.LoopbackTarget;
import io.glassbox.launcher.load.RecommendSender;
import io.glassbox.launcher.load.RssWatch;
import io.glassbox.server.ConfigSource;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Open-loop load against a gateway on this machine: calls sent on a fixed schedule whatever the
 * answers do, latency counted from each call's due time, errors by status, answers in deadline
 * and degraded flags, and optionally the resident memory of the suite's processes.
 */
@Command(name = "load", description = {
    "Open-loop load on a gateway on this machine: Recommend at a fixed rate for real customers of the"
        + " data folder " + FeatureConfig.DATA_DIR_KEY + " names (default the embedded dataset) or of --users; prints a latency histogram (from each call's due time), errors by status,"
        + " answers within the deadline and degraded flags.",
    "Exit status: 0 when every planned call was answered OK within its deadline, 1 otherwise, 2 on bad options."})
final class LoadCommand implements Callable<Integer> {
  @Option(names = "--rate", defaultValue = "20", description = "Calls per second (default ${DEFAULT-VALUE}, at most 5000).")
  double rate;

  @Option(names = "--duration", defaultValue = "30s", converter = DurationConverter.class,
      description = "How long calls are started for: 500ms, 30s, 5m, 1h, PT5M (default ${DEFAULT-VALUE}, at most 1 h).")
  Duration duration;

  @Option(names = "--warmup", defaultValue = "0s", converter = DurationConverter.class,
      description = "Calls at the same rate for this long first, not counted (cold JVMs are slow for their first seconds);"
          + " 1 s to 1 h, or 0s for none (default ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(names = "--concurrency", defaultValue = "256",
      description = "Most calls in flight; a call due while this many are in flight is shed and counted (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--timeout", defaultValue = "1s", converter = DurationConverter.class,
      description = "Deadline of each call, and the bound of an answer 'in deadline'" + TimeoutConverter.CONNECTING
          + " (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Spec CommandLine.Model.CommandSpec spec;

  /** --target (host:port or dns:///host:port, loopback only), --limit, --users. */
  @Mixin GatewayCallOptions call;

  @Option(names = "--locale", defaultValue = "en-US", description = UserCallOptions.LOCALE_HELP)
  String locale;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the user draw (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--report-every", defaultValue = "10s", converter = DurationConverter.class,
      description = "Progress line interval; 0s for none (default ${DEFAULT-VALUE}).")
  Duration reportEvery;

  @Option(names = "--rss", paramLabel = "NAME=PID|NAME=@PIDFILE",
      description = "Record the resident memory (before, after, peak) of a process; a PID file is re-read at every sample,"
          + " so a restarted process is followed. Repeatable.")
  List<String> rss = new ArrayList<>();

  @Override
  public Integer call() throws IOException, InterruptedException {
    LoadPlan plan;
    Optional<LoadPlan> warmupPlan;
    RssWatch watch;
    try {
      plan = new LoadPlan(rate, duration, concurrency, timeout);
      warmupPlan = warmup.isZero() ? Optional.empty() : Optional.of(warmupPlan());
      LoopbackTarget.require(call.target);
      watch = RssWatch.of(rss);
    } catch (IllegalArgumentException e) {
      System.err.println("glassbox load: " + e.getMessage());
      return 2;
    }
    ConfigSource settings = call.settings.get();
    UserIds.Drawn drawn = call.drawnCustomers(settings);
    List<String> users = drawn.users();
    ManagedChannel channel = CliCalls.channel(call.target, settings);
    try {
      // Not connected, every call would wait out its deadline and count as a failure of the suite.
      if (!CliCalls.connected(channel, call.target, timeout, "glassbox load")) {
        return 1;
      }
      RecommendSender sender = new RecommendSender(channel, users, seed, call.limit, locale, timeout,
          status -> CallHints.oneLine(status, call.target, settings));
      System.out.printf(Locale.ROOT, "load: Recommend at %s calls/s for %.1f s (%d calls), cap %d in flight,"
              + " deadline %d ms, %d users from %s, target %s%n",
          rate, duration.toMillis() / 1e3, plan.requestCount(), concurrency, timeout.toMillis(), users.size(),
          drawn.origin(), call.target);
      if (warmupPlan.isPresent()) {
        LoadSummary warm = new LoadRun(warmupPlan.get(), RssWatch.of(List.of()), Duration.ZERO, System.out).execute(sender);
        System.out.printf(Locale.ROOT, "warm-up: %d calls, %d OK, p99 %.1f ms (not counted below)%n",
            warm.planned(), warm.ok(), warm.p99Millis());
      }
      LoadSummary summary = new LoadRun(plan, watch, reportEvery, System.out).execute(sender);
      System.out.println(summary.format(sender.mostFrequentDescriptions()));
      watch.report().forEach(System.out::println);
      if (summary.ok() == 0) {
        // Not one answer: usually no suite at the target or no key, which the hints name. (Some
        // failures among answers are what a load or fault drill measures, and get no hint.)
        sender.firstFailure().ifPresent(failure -> {
          System.err.println("glassbox load: not one call succeeded; the first failure:");
          // A hint asking the server more waits no longer than one call may: the calls' deadlines have passed.
          CliCalls.printFailure(System.err, "glassbox load", failure, call.target, timeoutAsTyped(),
              Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS), settings);
        });
      }
      return summary.allOkInDeadline() ? 0 : 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * --timeout as the user typed it ("--timeout 1s"), or its default: a hint that names it can be
   * pasted back. Said in milliseconds, "1s" read "--timeout 1000ms".
   */
  private String timeoutAsTyped() {
    CommandLine.Model.OptionSpec option = spec.findOption("--timeout");
    List<String> typed = option.originalStringValues();
    return "--timeout " + (typed.isEmpty() ? option.defaultValue() : typed.get(typed.size() - 1));
  }

  /**
   * The warm-up's plan: the run's rate, cap and deadline for {@code --warmup}, checked as the run's
   * own before anything is sent. Built only once warming up, PT3000000H or 500ms was a stack trace.
   */
  private LoadPlan warmupPlan() {
    try {
      return new LoadPlan(rate, warmup, concurrency, timeout);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--warmup: " + e.getMessage(), e);
    }
  }
}
