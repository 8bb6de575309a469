package io.glassbox.model.bench;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.glassbox.model.LoadedModel;
import io.glassbox.model.ModelConfig;
import io.glassbox.model.ModelModule;
import io.glassbox.model.ModelRegistry;
import io.glassbox.model.ScoreQuery;
import io.glassbox.model.Scorer;
import io.glassbox.model.Vocabulary;
import io.glassbox.server.ConfigSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Latency of {@link Scorer#score} (id mapping, padding, inference, slicing; no gRPC) for the two
 * shapes the suite sends: one user against 500 candidates (the gateway's ranking call) and a
 * 40 x 200 counterfactual batch (the explain-service's re-scoring), both with attention and
 * contribution. The model and execution provider come from the usual GLASSBOX_* settings.
 *
 * <p>Run from the repository root: {@code java -cp <model-service classpath>
 * io.glassbox.model.bench.ScoreBenchmark [iterations]}.
 */
public final class ScoreBenchmark {
  private ScoreBenchmark() {}

  public static void main(String[] args) {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    ModelConfig config = ModelConfig.load(ConfigSource.fromEnvironment());
    Injector injector = Guice.createInjector(new ModelModule(config));
    try (ModelRegistry registry = injector.getInstance(ModelRegistry.class)) {
      LoadedModel model = registry.loadConfiguredVersion();
      Scorer scorer = injector.getInstance(Scorer.class);
      Vocabulary vocabulary = model.vocabulary();
      int historyLength = model.maxHistoryLength();
      System.out.printf("model %s version %s on %s, history %d, vocabulary %d, %d cores, %d iterations%n",
          model.modelName(), model.version(), model.device(), historyLength, vocabulary.size(),
          Runtime.getRuntime().availableProcessors(), iterations);

      List<String> history = ids(vocabulary, historyLength, 0);
      ScoreQuery ranking = query(List.of(new ScoreQuery.Row(history, ids(vocabulary, 500, 1))));
      List<String> candidates = ids(vocabulary, 200, 2);
      List<ScoreQuery.Row> counterfactual = new ArrayList<>();
      for (int r = 0; r < 40; r++) {
        // Each row leaves out one more history item, as the explain-service does.
        List<String> reduced = new ArrayList<>(history);
        reduced.remove(r % reduced.size());
        counterfactual.add(new ScoreQuery.Row(reduced, candidates));
      }
      ScoreQuery counterfactuals = query(counterfactual);

      report("1 x 500", scorer, ranking, iterations);
      report("40 x 200", scorer, counterfactuals, Math.max(1, iterations / 5));
    }
  }

  private static ScoreQuery query(List<ScoreQuery.Row> rows) {
    return new ScoreQuery(rows, true, true, ScoreQuery.UnknownItems.REJECT, Optional.empty());
  }

  private static List<String> ids(Vocabulary vocabulary, int count, int seed) {
    List<String> ids = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ids.add(vocabulary.idAt(1 + (int) ((seed * 104_729L + i * 7_919L) % vocabulary.size())));
    }
    return ids;
  }

  private static void report(String shape, Scorer scorer, ScoreQuery query, int iterations) {
    for (int i = 0; i < Math.max(20, iterations / 5); i++) {
      scorer.score(query);
    }
    long[] nanos = new long[iterations];
    for (int i = 0; i < iterations; i++) {
      long start = System.nanoTime();
      scorer.score(query);
      nanos[i] = System.nanoTime() - start;
    }
    Arrays.sort(nanos);
    System.out.printf("%-9s p50 %7.3f ms  p99 %7.3f ms  mean %7.3f ms  (%d runs)%n", shape,
        millis(nanos[nanos.length / 2]), millis(nanos[Math.min(nanos.length - 1, (int) (nanos.length * 0.99))]),
        millis(Arrays.stream(nanos).sum() / nanos.length), iterations);
  }

  private static double millis(long nanos) {
    return nanos / 1e6;
  }
}
