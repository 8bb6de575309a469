package io.glassbox.model.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.inject.Guice;
import com.google.inject.Injector;
import io.glassbox.model.LoadedModel;
import io.glassbox.model.ModelConfig;
import io.glassbox.model.ModelLoadException;
import io.glassbox.model.ModelModule;
import io.glassbox.model.ModelRegistry;
import io.glassbox.model.ModelVersionNotFoundException;
import io.glassbox.model.Scorer;
import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.ReadFailures;
import io.glassbox.server.Descriptions;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Evaluates a model version the way the service runs it: loads the version folder with the
 * service's loader and execution-provider choice, scores the trainer's held-out cases through
 * the Score path, and prints HR@5/10, NDCG@5/10 and MRR for full ranking (history excluded) and
 * for the sampled protocol (first target vs the case's negatives), next to what the trainer
 * recorded in metadata.json.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Ranking metrics of a model version, computed through the model-service's scoring path.")
public final class EvaluateCommand implements Callable<Integer> {
  /** What stops an evaluation for the caller to fix: its input (EvaluationInputException's message says how). */
  public static final List<Class<? extends RuntimeException>> INPUT_MISTAKES = List.of(EvaluationInputException.class);
  /** The model service's settings this command sets, each by the option that sets it. */
  private static final Map<String, String> OPTION_OF_SETTING = Map.of(ModelConfig.DIRECTORY_KEY, "--model-dir",
      ModelConfig.NAME_KEY, "--model-name", ModelConfig.VERSION_KEY, "--version",
      ModelConfig.PROVIDER_KEY, "--provider", ModelConfig.THREADS_KEY, "--threads");

  @Option(names = "--cases", required = true,
      description = "Evaluation cases file written by the trainer (--write-eval-cases).")
  Path casesFile;

  @Option(names = "--model-dir",
      description = "Model directory (default: " + ModelConfig.DEFAULT_DIRECTORY + " in the installation).")
  Path modelDirectory;

  @Option(names = "--model-name", defaultValue = ModelConfig.DEFAULT_NAME,
      description = "Model name (default: ${DEFAULT-VALUE}).")
  String modelName;

  @Option(names = "--version", defaultValue = "", description = "Version folder (default: the newest).")
  String version;

  @Option(names = "--split", defaultValue = "test",
      description = "Which cases to use: a split name from the file, or 'all' (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--provider", defaultValue = "auto",
      description = "Execution provider: auto, cpu or cuda (default: ${DEFAULT-VALUE}).")
  String provider;

  @Option(names = "--threads", defaultValue = "0",
      description = "ONNX Runtime intra-op threads; 0 = one per physical core (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--limit", defaultValue = "0", description = "Evaluate only the first N cases (0 = all).")
  int limit;

  @Option(names = "--trend-events",
      description = "trend_events.tsv from the trainer's evaluate command: score as served, "
          + "with the version's trend term over these purchases before each case's time.")
  private Path trendEventsFile;

  @Option(names = "--buy-again-slots",
      description = "Count repeat purchases (every held-out item is a target) and put the first M "
          + "places to the case's regular items, as the gateway serves them (M = 0: the new-item "
          + "ranking with repeats counted). Needs a cases file with history_baskets "
          + "(eval_cases_repeats.tsv) and bin/glassbox evaluate-model, which has the served rule.")
  private Integer buyAgainSlots;

  @Option(names = "--buy-again-min-baskets", defaultValue = "2",
      description = "With --buy-again-slots: the distinct orders that make an item regular (default: ${DEFAULT-VALUE}).")
  private int buyAgainMinBaskets;

  @Option(names = "--json", description = "Also write the results as JSON to this file.")
  Path jsonFile;

  @Option(names = "--ranks", description = "Also write per-case ranks (user_id, full_ranks, sampled_rank) as TSV.")
  Path ranksFile;

  @CommandLine.Spec
  private CommandLine.Model.CommandSpec spec;

  private final PrintStream out;
  private final PrintStream progress;
  private final Optional<RegularItemsRule> regularItemsRule;

  EvaluateCommand(PrintStream out, PrintStream progress) {
    this(out, progress, Optional.empty());
  }

  /**
   * @param regularItemsRule the buy-again rule the serving path uses (the feature service's), for
   *     {@code --buy-again-slots}; empty where it is not on the classpath
   */
  public EvaluateCommand(PrintStream out, PrintStream progress, Optional<RegularItemsRule> regularItemsRule) {
    this.out = out;
    this.progress = progress;
    this.regularItemsRule = regularItemsRule;
  }

  public static void main(String[] args) {
    System.exit(commandLine(new EvaluateCommand(System.out, System.err)).execute(args));
  }

  /**
   * The command line of {@code evaluate} run by itself: a mistake in the input (an unreadable or
   * malformed file, an option naming what is not there) is one line, as bin/glassbox
   * evaluate-model prints it, not a stack trace.
   */
  static CommandLine commandLine(EvaluateCommand evaluate) {
    CommandLine command = new CommandLine(evaluate);
    command.setExecutionExceptionHandler((e, failed, parsed) -> {
      if (!(e instanceof IOException) && !(e instanceof EvaluationInputException)) {
        throw e;
      }
      failed.getErr().println(failed.getCommandName() + ": "
          + (e instanceof IOException unreadable ? ReadFailures.describe(unreadable) : e.getMessage()));
      return 1;
    });
    return command;
  }

  /**
   * Runs a step of the model service's own start (reading its settings, loading the version): a
   * mistake in what the options name is refused in the service's words, with each setting named
   * by the option that sets it here.
   */
  private static <T> T withOptionNames(Supplier<T> step) {
    try {
      return step.get();
    } catch (ConfigException | ModelLoadException | ModelVersionNotFoundException e) {
      String message = e.getMessage();
      for (Map.Entry<String, String> setting : OPTION_OF_SETTING.entrySet()) {
        message = message.replace(setting.getKey(), setting.getValue());
      }
      throw new EvaluationInputException(message);
    }
  }

  /**
   * The buy-again rule: a case's regular items, in rule order, from its history (oldest first)
   * and the order of each history event.
   */
  @FunctionalInterface
  public interface RegularItemsRule {
    List<String> regularItems(List<String> history, List<String> historyBaskets, int minBaskets);
  }

  /** The first places of a case under the buy-again merge, or none with 0 slots. */
  private Evaluator.FirstPlaces buyAgainPlaces() {
    if (buyAgainSlots < 0 || buyAgainMinBaskets < 2) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--buy-again-slots must be >= 0 and --buy-again-min-baskets >= 2");
    }
    if (buyAgainSlots == 0) {
      return evaluationCase -> List.of();
    }
    RegularItemsRule rule = regularItemsRule.orElseThrow(() -> new CommandLine.ParameterException(
        spec.commandLine(), "--buy-again-slots needs the served buy-again rule: run it as "
            + "bin/glassbox evaluate-model"));
    return evaluationCase -> {
      if (evaluationCase.historyBaskets().isEmpty() && !evaluationCase.history().isEmpty()) {
        throw new EvaluationInputException("case of user " + Descriptions.truncate(evaluationCase.userId()) + " has no "
            + "history_baskets; use the trainer's eval_cases_repeats.tsv");
      }
      List<String> regular = rule.regularItems(
          evaluationCase.history(), evaluationCase.historyBaskets(), buyAgainMinBaskets);
      return regular.subList(0, Math.min(buyAgainSlots, regular.size()));
    };
  }

  @Override
  public Integer call() throws Exception {
    // Checked before the model loads: a usage error should not wait for it.
    Evaluator.FirstPlaces firstPlaces = buyAgainSlots == null ? null : buyAgainPlaces();
    List<EvaluationCase> cases = EvaluationCasesFile.read(casesFile,
        split.equals("all") ? Optional.empty() : Optional.of(split));
    if (limit > 0 && cases.size() > limit) {
      cases = cases.subList(0, limit);
    }
    if (cases.isEmpty()) {
      progress.println("no cases of split \"" + split + "\" in " + casesFile);
      return 1;
    }
    Map<String, String> settings = new HashMap<>();
    settings.put(ModelConfig.DIRECTORY_KEY, (modelDirectory != null
        ? modelDirectory : ConfigSource.fromEnvironment().shipped(ModelConfig.DEFAULT_DIRECTORY)).toString());
    settings.put(ModelConfig.NAME_KEY, modelName);
    settings.put(ModelConfig.VERSION_KEY, version);
    settings.put(ModelConfig.PROVIDER_KEY, provider);
    settings.put(ModelConfig.THREADS_KEY, Integer.toString(threads));
    settings.put(ModelConfig.BATCHING_KEY, "false");   // one caller: nothing to merge
    ModelConfig config = withOptionNames(() -> ModelConfig.load(ConfigSource.of(settings)));
    Injector injector = Guice.createInjector(new ModelModule(config));
    try (ModelRegistry registry = injector.getInstance(ModelRegistry.class)) {
      LoadedModel model = withOptionNames(registry::loadConfiguredVersion);
      Optional<TrendEvents> trendEvents = Optional.empty();
      if (trendEventsFile != null) {
        trendEvents = Optional.of(TrendEvents.read(trendEventsFile, model.vocabulary()));
      }
      Evaluator evaluator = new Evaluator(injector.getInstance(Scorer.class), model, trendEvents);
      progress.printf(Locale.ROOT, "evaluating %d %s cases on %s version %s (%s, %d items, %d cases per batch)%n",
          cases.size(), split, model.modelName(), model.version(), model.device(),
          model.vocabulary().size(), evaluator.casesPerBatch());
      ProgressLine line = new ProgressLine(progress);
      Evaluator.Summary summary = firstPlaces == null ? evaluator.evaluate(cases, line::update)
          : evaluator.evaluateRepeatsCounted(cases, firstPlaces, line::update);
      line.finish();
      print(model, summary);
      if (jsonFile != null) {
        writeJson(model, summary);
      }
      if (ranksFile != null) {
        writeRanks(summary);
      }
      return 0;
    }
  }

  private void print(LoadedModel model, Evaluator.Summary summary) {
    out.printf(Locale.ROOT, "model %s version %s, %s split, cases file %s%n",
        model.modelName(), model.version(), split, casesFile.getFileName());
    // The parts of the score this run uses: the model, and the version's terms it applies. The
    // trainer records the model alone, model + trend and model + trend + title (the served
    // score); a version with a title term scored without counts matches none of them.
    boolean title = model.titleTerm().isPresent();
    boolean modelAlone = trendEventsFile == null && !title;
    String terms = "model" + (trendEventsFile == null ? "" : " + trend") + (title ? " + title" : "");
    if (buyAgainSlots != null) {
      out.printf(Locale.ROOT, "every held-out item a target (repeat purchases counted); new items by %s%n",
          modelAlone ? "the model score" : "the served score (" + terms + ")");
    }
    out.printf(Locale.ROOT, "%-36s %7s %7s %7s %7s %7s %7s%n", "protocol", "HR@5", "HR@10", "NDCG@5", "NDCG@10", "MRR", "cases");
    String prefix = title ? "title_" : trendEventsFile == null ? "" : "trend_";
    row(fullLabel(modelAlone ? "full ranking, history excluded" : "full ranking, " + terms),
        summary.full().means(), summary.full().cases());
    if (summary.sampled().cases() > 0) {
      row("sampled negatives (first target)", summary.sampled().means(), summary.sampled().cases());
    }
    Map<String, Double> recorded = new LinkedHashMap<>();
    for (String metric : List.of("hr@5", "hr@10", "ndcg@5", "ndcg@10", "mrr")) {
      Double value = model.metadata().metrics().get(prefix + split + "_" + metric);
      if (value != null) {
        recorded.put(metric, value);
      }
    }
    // metadata.json holds new-item metrics only; the trainer's repeats-counted figures are in
    // trainer/results/<dataset>.json, time_aware.<split>.results.repeats_counted/*.
    if (!recorded.isEmpty() && buyAgainSlots == null && (trendEventsFile != null || !title)) {
      row("metadata.json " + prefix + split + "_* (trainer)", recorded, -1);
    }
    if (summary.casesWithoutKnownTargets() > 0 || summary.unknownTargets() > 0 || summary.unknownHistoryItems() > 0) {
      out.printf(Locale.ROOT, "outside the vocabulary: %d targets (%d cases left with none), %d history items%n",
          summary.unknownTargets(), summary.casesWithoutKnownTargets(), summary.unknownHistoryItems());
    }
  }

  /** The label of the full-ranking row: {@code newItems} unless repeat purchases are counted. */
  private String fullLabel(String newItems) {
    if (buyAgainSlots == null) {
      return newItems;
    }
    return buyAgainSlots == 0 ? "repeats counted, new items only"
        : String.format(Locale.ROOT, "repeats, buy-again m=%d k=%d", buyAgainSlots, buyAgainMinBaskets);
  }

  private void row(String label, Map<String, Double> means, int cases) {
    out.printf(Locale.ROOT, "%-36s %7s %7s %7s %7s %7s %7s%n", label,
        format(means.get("hr@5")), format(means.get("hr@10")), format(means.get("ndcg@5")),
        format(means.get("ndcg@10")), format(means.get("mrr")), cases < 0 ? "" : Integer.toString(cases));
  }

  private static String format(Double value) {
    return value == null ? "-" : String.format(Locale.ROOT, "%.4f", value);
  }

  private void writeJson(LoadedModel model, Evaluator.Summary summary) throws Exception {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("model_name", model.modelName());
    json.put("version", model.version());
    json.put("execution_provider", model.device().name());
    json.put("split", split);
    json.put("cases_file", casesFile.toString());
    if (buyAgainSlots != null) {
      json.put("repeats_counted", true);
      json.put("buy_again_slots", buyAgainSlots);
      json.put("buy_again_min_baskets", buyAgainMinBaskets);
    }
    json.put("full", withCases(summary.full()));
    json.put("sampled", withCases(summary.sampled()));
    json.put("unknown_targets", summary.unknownTargets());
    json.put("cases_without_known_targets", summary.casesWithoutKnownTargets());
    json.put("unknown_history_items", summary.unknownHistoryItems());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(jsonFile.toFile(), json);
  }

  private static Map<String, Object> withCases(RankingMetrics metrics) {
    Map<String, Object> values = new LinkedHashMap<>(metrics.means());
    values.put("cases", metrics.cases());
    return values;
  }

  private void writeRanks(Evaluator.Summary summary) throws Exception {
    try (BufferedWriter writer = Files.newBufferedWriter(ranksFile, StandardCharsets.UTF_8)) {
      writer.write("user_id\tfull_ranks\tsampled_rank\n");
      for (Evaluator.CaseResult result : summary.results()) {
        writer.write(result.evaluationCase().userId() + "\t"
            + result.fullRanks().stream().map(String::valueOf).collect(Collectors.joining(" ")) + "\t"
            + (result.sampledRank().isPresent() ? Integer.toString(result.sampledRank().getAsInt()) : "")
            + "\n");
      }
    }
  }

  /** A progress line on stderr, at most every two seconds, with rate and time left. */
  static final class ProgressLine {
    private static final long INTERVAL_NANOS = 2_000_000_000L;
    private final PrintStream stream;
    private final long started = System.nanoTime();
    private long lastPrinted;
    private int done;

    ProgressLine(PrintStream stream) {
      this.stream = stream;
    }

    void update(int casesDone, int casesTotal) {
      done = casesDone;
      long now = System.nanoTime();
      if (now - lastPrinted >= INTERVAL_NANOS || casesDone == casesTotal) {
        lastPrinted = now;
        double seconds = Math.max(1e-9, (now - started) / 1e9);
        double rate = casesDone / seconds;
        stream.printf(Locale.ROOT, "  %d/%d cases (%.0f%%), %.0f cases/s, %.0f s left%n", casesDone, casesTotal,
            100.0 * casesDone / casesTotal, rate, (casesTotal - casesDone) / Math.max(rate, 1e-9));
      }
    }

    void finish() {
      stream.printf(Locale.ROOT, "done: %d cases in %.1f s%n", done, (System.nanoTime() - started) / 1e9);
    }
  }
}
