package io.glassbox.model.bench;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.inject.Guice;
import com.google.inject.Injector;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreRow;
import io.glassbox.model.InferenceEngine;
import io.glassbox.model.LoadedModel;
import io.glassbox.model.ModelConfig;
import io.glassbox.model.ModelMain;
import io.glassbox.model.ModelModule;
import io.glassbox.model.ModelRegistry;
import io.glassbox.model.ScoreQuery;
import io.glassbox.model.Scorer;
import io.glassbox.model.Vocabulary;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.Retries;
import io.glassbox.server.ServerSettings;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Served Score vs the in-process floor, batching off and on, at 1, 8, 32 and 64 concurrent
 * callers, side by side in one run.
 *
 * <p>Every call is the gateway's ranking call: one user (history of the model's full length)
 * against 500 candidates, contributions only when asked (second argument). The <b>floor</b>
 * calls {@link Scorer#score} in the same process (the same id mapping, padding and ONNX Runtime
 * run, no gRPC, no batching); <b>served</b> starts the real model service ({@link ModelMain}) on
 * a loopback port and calls it through the kind of channel the gateway uses, one service with
 * {@code GLASSBOX_MODEL_BATCHING=false} and one with it on. A served call's latency ends where
 * the gateway's continuation would start: when the transport thread that read the reply hands it
 * on, not when the caller thread waiting for it has been woken. All three are up at once: each
 * is warmed up, then every cell is run on the three in turn, in two rounds (the second in
 * reverse order), for a fixed time each; a cell pools its two runs. Throughput is completed
 * calls per second, latencies are per call. The served/floor ratio at one caller is then taken
 * again round by round (see {@link #lowLoadRatios}), since the machine's speed drifts between
 * cells. Model, provider and threads come from the usual GLASSBOX_* settings.
 *
 * <p>Run from the repository root (see model-service/README.md):
 * {@code java -cp <classpath> io.glassbox.model.bench.ServingBenchmark [seconds per cell]
 * [contribution: false (default, the gateway's ranking call) | true (with the heatmap)]}.
 */
public final class ServingBenchmark {
  private static final int[] CALLERS = {1, 8, 32, 64};
  private static final int CANDIDATES = 500;

  private ServingBenchmark() {}

  /** One measured cell. */
  private record Cell(double callsPerSecond, double p50Millis, double p99Millis, long calls) {
    /** One cell from several runs of it: their latencies pooled, their calls over their time. */
    static Cell pooled(List<Run> runs) {
      long[] all = runs.stream().flatMapToLong(run -> Arrays.stream(run.latencies())).sorted().toArray();
      double elapsed = runs.stream().mapToDouble(Run::seconds).sum();
      if (all.length == 0) {
        return new Cell(0, Double.NaN, Double.NaN, 0);
      }
      return new Cell(all.length / elapsed, all[all.length / 2] / 1e6,
          all[Math.min(all.length - 1, (int) (all.length * 0.99))] / 1e6, all.length);
    }
  }

  /** One timed run of a cell: every call's latency (ns) and the run's wall time. */
  private record Run(long[] latencies, double seconds) {}

  /** What one caller does once; returns when (System.nanoTime) the result was ready. */
  private interface Call {
    long run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3.0;
    // The gateway asks for contributions only when its caller wants the heatmap.
    boolean contribution = args.length > 1 && Boolean.parseBoolean(args[1]);
    ConfigSource environment = ConfigSource.fromEnvironment();
    ModelConfig floorConfig = ModelConfig.load(environment.with(Map.of(ModelConfig.BATCHING_KEY, "false")));
    Injector injector = Guice.createInjector(new ModelModule(floorConfig));
    List<AutoCloseable> resources = new ArrayList<>();
    try (ModelRegistry registry = injector.getInstance(ModelRegistry.class);
        InferenceEngine engine = injector.getInstance(InferenceEngine.class)) {
      LoadedModel model = registry.loadConfiguredVersion();
      Vocabulary vocabulary = model.vocabulary();
      List<String> history = ids(vocabulary, model.maxHistoryLength(), 0);
      List<String> candidates = ids(vocabulary, CANDIDATES, 1);
      ScoreQuery query = new ScoreQuery(List.of(new ScoreQuery.Row(history, candidates)), false, contribution,
          ScoreQuery.UnknownItems.REJECT, Optional.empty());
      ScoreRequest request = ScoreRequest.newBuilder()
          .addRows(ScoreRow.newBuilder().addAllHistoryItemIds(history).addAllCandidateItemIds(candidates))
          .setIncludeContribution(contribution)
          .setOmitUnchangedCandidateIds(true)       // as the gateway asks
          .build();
      System.out.printf(Locale.ROOT, "model %s version %s on %s, intra-op threads %d, %d processors; "
              + "1 x %d candidates, contribution %s; batching worker spin %d µs; %.1f s per cell and round, "
              + "2 rounds%n",
          model.modelName(), model.version(), model.device(), floorConfig.effectiveIntraOpThreads(),
          Runtime.getRuntime().availableProcessors(), CANDIDATES, contribution ? "on" : "off",
          floorConfig.batcherSpin().toNanos() / 1000, seconds);
      Scorer scorer = injector.getInstance(Scorer.class);
      // All three modes are up at once and measured in turn, cell by cell, so that a slower
      // stretch of a noisy machine falls on all of them alike.
      Map<String, Call> modes = new LinkedHashMap<>();
      modes.put(FLOOR, () -> {
        scorer.score(query);
        return System.nanoTime();
      });
      modes.put(OFF, served(environment, false, request, resources));
      modes.put(ON, served(environment, true, request, resources));
      print(measureAll(modes, seconds));
      printLowLoad(lowLoadRatios(modes));
    } finally {
      for (int i = resources.size() - 1; i >= 0; i--) {
        resources.get(i).close();
      }
    }
  }

  private static final String FLOOR = "floor (in-process)";
  private static final String OFF = "served, batching off";
  private static final String ON = "served, batching on";

  /** Starts a model service on loopback ports; its channel and server go to {@code resources}. */
  private static Call served(ConfigSource environment, boolean batching, ScoreRequest request,
                             List<AutoCloseable> resources) {
    // The admission limit is set above the most callers: this measures the serving engine, and
    // at the default limit (64) a 64-caller cell is refused while the previous cell's last
    // calls are still releasing their slots.
    int admitted = 4 * Arrays.stream(CALLERS).max().orElseThrow();
    GrpcServer server = ModelMain.start(environment.with(Map.of(
        ModelConfig.PORT_KEY, "0", ModelConfig.ADMIN_PORT_KEY, "0", ServerSettings.METRICS_PORT_KEY, "0",
        ModelConfig.BATCHING_KEY, Boolean.toString(batching),
        ServerSettings.MAX_CONCURRENT_CALLS_KEY, Integer.toString(admitted))));
    resources.add(server);
    // The channel the gateway calls the model service through (DownstreamChannels): its retry
    // policy, interceptors and replies handled on the transport thread.
    ManagedChannel channel = ClientChannels.forTarget("127.0.0.1:" + server.port(), ClientSettings.plaintext(),
        Retries.idempotentReads(ModelServiceGrpc.getScoreMethod()), ClientChannels.Callbacks.ON_TRANSPORT);
    resources.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    ModelServiceGrpc.ModelServiceFutureStub stub = ModelServiceGrpc.newFutureStub(channel);
    // A call ends when its reply is there for the gateway's continuation: on the transport
    // thread that read it, not when the waiting caller thread has been woken.
    return () -> Futures.transform(stub.withDeadlineAfter(30, TimeUnit.SECONDS).score(request),
        reply -> System.nanoTime(), MoreExecutors.directExecutor()).get();
  }

  /**
   * Warms every mode up (the JIT compiles the served path only after thousands of calls: with a
   * one-second warm-up the first served cells measured the interpreter), then measures each
   * number of callers on every mode in turn, twice (the second round in reverse order), and
   * pools both rounds per cell.
   */
  private static Map<String, Cell[]> measureAll(Map<String, Call> modes, double seconds) throws Exception {
    for (Call call : modes.values()) {
      measure(call, 8, WARM_UP_SECONDS);
      measure(call, 1, WARM_UP_SECONDS);
    }
    List<String> names = new ArrayList<>(modes.keySet());
    Map<String, Cell[]> results = new LinkedHashMap<>();
    names.forEach(name -> results.put(name, new Cell[CALLERS.length]));
    for (int i = 0; i < CALLERS.length; i++) {
      Map<String, List<Run>> rounds = new LinkedHashMap<>();
      for (int round = 0; round < 2; round++) {
        List<String> order = new ArrayList<>(names);
        if (round == 1) {
          Collections.reverse(order);
        }
        for (String name : order) {
          measure(modes.get(name), CALLERS[i], Math.min(1.0, seconds / 3));   // settle
          rounds.computeIfAbsent(name, n -> new ArrayList<>()).add(measure(modes.get(name), CALLERS[i], seconds));
        }
      }
      for (String name : names) {
        results.get(name)[i] = Cell.pooled(rounds.get(name));
      }
    }
    return results;
  }

  /** Short rounds of the one-caller cell behind the served/floor ratio, each mode in every round. */
  private static final int LOW_LOAD_ROUNDS = 12;

  /**
   * The served/floor p50 ratio at one caller, per round of {@value #LOW_LOAD_ROUNDS} one-second
   * rounds that run the three modes back to back (starting with a different one each time): a
   * ratio within a round compares runs a second apart, where the pooled cells above compare runs
   * up to a minute apart on a machine whose speed drifts. Returns each served mode's ratios.
   */
  private static Map<String, double[]> lowLoadRatios(Map<String, Call> modes) throws Exception {
    List<String> order = new ArrayList<>(modes.keySet());
    Map<String, double[]> ratios = new LinkedHashMap<>();
    ratios.put(ON, new double[LOW_LOAD_ROUNDS]);
    ratios.put(OFF, new double[LOW_LOAD_ROUNDS]);
    for (int round = 0; round < LOW_LOAD_ROUNDS; round++) {
      Collections.rotate(order, 1);
      Map<String, Double> p50 = new HashMap<>();
      for (String name : order) {
        p50.put(name, Cell.pooled(List.of(measure(modes.get(name), 1, 1.0))).p50Millis());
      }
      for (Map.Entry<String, double[]> served : ratios.entrySet()) {
        served.getValue()[round] = p50.get(served.getKey()) / p50.get(FLOOR);
      }
    }
    return ratios;
  }

  private static void printLowLoad(Map<String, double[]> ratios) {
    System.out.printf(Locale.ROOT, "%nserved/floor p50 at 1 caller, per round of %d one-second rounds "
        + "(goal <= 1.3x):%n", LOW_LOAD_ROUNDS);
    for (Map.Entry<String, double[]> entry : ratios.entrySet()) {
      double[] sorted = entry.getValue().clone();
      Arrays.sort(sorted);
      System.out.printf(Locale.ROOT, "  %-22s median %.2fx, range %.2f-%.2fx, rounds at or under 1.3x: %d of %d%n",
          entry.getKey(), (sorted[(sorted.length - 1) / 2] + sorted[sorted.length / 2]) / 2, sorted[0],
          sorted[sorted.length - 1], Arrays.stream(sorted).filter(r -> r <= 1.3).count(), sorted.length);
    }
  }

  /** Seconds each mode runs at 8 and then at 1 caller before anything is measured. */
  private static final double WARM_UP_SECONDS = 5.0;

  private static Run measure(Call call, int callers, double seconds) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      long start = System.nanoTime();
      long end = start + (long) (seconds * 1e9);
      List<Future<long[]>> futures = new ArrayList<>();
      for (int c = 0; c < callers; c++) {
        futures.add(pool.submit(() -> {
          long[] latencies = new long[1024];
          int count = 0;
          while (System.nanoTime() < end) {
            long before = System.nanoTime();
            long done = call.run();
            if (count == latencies.length) {
              latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = done - before;
          }
          return Arrays.copyOf(latencies, count);
        }));
      }
      List<long[]> parts = new ArrayList<>();
      for (Future<long[]> future : futures) {
        parts.add(future.get());
      }
      return new Run(parts.stream().flatMapToLong(Arrays::stream).toArray(),
          (System.nanoTime() - start) / 1e9);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void print(Map<String, Cell[]> results) {
    System.out.printf(Locale.ROOT, "%n%-22s %7s %10s %9s %9s %8s%n",
        "mode", "callers", "calls/s", "p50 ms", "p99 ms", "calls");
    for (Map.Entry<String, Cell[]> entry : results.entrySet()) {
      for (int i = 0; i < CALLERS.length; i++) {
        Cell cell = entry.getValue()[i];
        System.out.printf(Locale.ROOT, "%-22s %7d %10.1f %9.2f %9.2f %8d%n", entry.getKey(),
            CALLERS[i], cell.callsPerSecond(), cell.p50Millis(), cell.p99Millis(), cell.calls());
      }
    }
    Cell[] floor = results.get(FLOOR);
    Cell[] off = results.get(OFF);
    Cell[] on = results.get(ON);
    System.out.printf(Locale.ROOT, "%nserved/floor p50 at 1 caller, pooled cells above: batching off %.2fx, "
        + "on %.2fx%n", off[0].p50Millis() / floor[0].p50Millis(), on[0].p50Millis() / floor[0].p50Millis());
    for (int i = 1; i < CALLERS.length; i++) {
      System.out.printf(Locale.ROOT, "batching throughput gain at %d callers: %.2fx%s%n", CALLERS[i],
          on[i].callsPerSecond() / off[i].callsPerSecond(), CALLERS[i] == 32 ? " (goal > 1x)" : "");
    }
  }

  private static List<String> ids(Vocabulary vocabulary, int count, int seed) {
    List<String> ids = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ids.add(vocabulary.idAt(1 + (int) ((seed * 104_729L + i * 7_919L) % vocabulary.size())));
    }
    return ids;
  }
}
