package io.glassbox.model.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The evaluation command on the toy model, whose scores grow with the candidate's index for any
 * history, so every rank can be worked out by hand.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EvaluateCommandTest {
  private static final String CASES = String.join("\n",
      "split\tuser_id\thistory\ttargets\tnegatives",
      // Candidates 3..12 remain; item-12 scores highest: rank 0. Sampled: 12 vs {3, 4}: rank 0.
      "test\tu1\titem-01 item-02\titem-12\titem-03 item-04",
      // item-12 is excluded: item-10 is beaten by 11 only (rank 1), item-03 by 4..11 (rank 8).
      // Sampled: 10 vs {11, 1}: rank 1.
      "test\tu2\titem-12\titem-10 item-03\titem-11 item-01",
      // No target in the vocabulary: counted, not ranked.
      "test\tu3\tghost item-05\tghost-target\t",
      "valid\tu4\titem-01\titem-02\t",
      "");

  @TempDir Path directory;

  @Test
  void evaluate_toyModel_printsHandComputedMetricsAndWritesJsonAndRanks() throws IOException {
    Path cases = writeCases();
    Path json = directory.resolve("result.json");
    Path ranks = directory.resolve("ranks.tsv");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream progress = new ByteArrayOutputStream();

    int exit = run(out, progress, "--cases", cases.toString(), "--model-dir", modelDirectory().toString(),
        "--model-name", "toy", "--provider", "cpu", "--threads", "1",
        "--json", json.toString(), "--ranks", ranks.toString());

    assertEquals(0, exit, progress.toString(StandardCharsets.UTF_8));
    double third = 1 / log2(3);
    JsonNode result = new ObjectMapper().readTree(json.toFile());
    JsonNode full = result.get("full");
    assertEquals(2, full.get("cases").asInt());
    assertEquals(1.0, full.get("hr@5").asDouble(), 1e-9);
    assertEquals(1.0, full.get("hr@10").asDouble(), 1e-9);
    assertEquals((1 + third / (1 + third)) / 2, full.get("ndcg@5").asDouble(), 1e-9);
    assertEquals((1 + (third + 1 / log2(10)) / (1 + third)) / 2, full.get("ndcg@10").asDouble(), 1e-9);
    assertEquals(0.75, full.get("mrr").asDouble(), 1e-9);
    JsonNode sampled = result.get("sampled");
    assertEquals(2, sampled.get("cases").asInt());
    assertEquals((1 + third) / 2, sampled.get("ndcg@5").asDouble(), 1e-9);
    assertEquals(0.75, sampled.get("mrr").asDouble(), 1e-9);
    assertEquals(1, result.get("unknown_targets").asInt());
    assertEquals(1, result.get("cases_without_known_targets").asInt());
    assertEquals(1, result.get("unknown_history_items").asInt());
    assertEquals(List.of("user_id\tfull_ranks\tsampled_rank", "u1\t0\t0", "u2\t1 8\t1", "u3\t\t"),
        Files.readAllLines(ranks));
    String printed = out.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("full ranking, history excluded        1.0000  1.0000"), printed);
    assertTrue(printed.contains("metadata.json test_* (trainer)"), printed);
    assertTrue(progress.toString(StandardCharsets.UTF_8).contains("3/3 cases (100%)"), progress.toString());
  }

  @Test
  void evaluate_splitWithoutCases_failsWithAMessage() throws IOException {
    ByteArrayOutputStream progress = new ByteArrayOutputStream();

    int exit = run(new ByteArrayOutputStream(), progress, "--cases", writeCases().toString(),
        "--model-dir", modelDirectory().toString(), "--model-name", "toy", "--provider", "cpu", "--split", "train");

    assertEquals(1, exit);
    assertTrue(progress.toString(StandardCharsets.UTF_8).contains("no cases of split \"train\""));
  }

  /** The failure names the command's own way to pin a version, not the service's setting. */
  @Test
  void evaluate_newestVersionCorrupt_namesVersionOptionToPinAnother() throws IOException {
    Path models = modelDirectory();
    Path corrupt = Files.createDirectories(models.resolve("toy/v2"));
    try (Stream<Path> files = Files.list(models.resolve("toy/v1"))) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Files.copy(file, corrupt.resolve(file.getFileName().toString()));
      }
    }
    Files.writeString(corrupt.resolve("model.onnx"), "this is not an ONNX model");

    ByteArrayOutputStream progress = new ByteArrayOutputStream();

    int exit = run(new ByteArrayOutputStream(), progress, "--cases", writeCases().toString(),
        "--model-dir", models.toString(), "--model-name", "toy", "--provider", "cpu", "--threads", "1");

    assertEquals(1, exit);
    assertEquals("evaluate: model toy version folder " + corrupt.toAbsolutePath() + " could not be loaded: "
        + "model.onnx could not be loaded: it is not a valid ONNX protobuf file (an end-group tag without its "
        + "start); is it a complete ONNX file? To start anyway, pin one that loads with --version=<version> (older versions here: v1), or fix or remove "
        + "that folder (with no version pinned the newest folder is served)." + System.lineSeparator(),
        progress.toString(StandardCharsets.UTF_8));
  }

  /** Each model setting the command sets from an option is named by that option when refused. */
  @Test
  void evaluate_optionsTheModelServiceRefuses_oneLineNamingTheOption() throws IOException {
    Path cases = writeCases();
    Path models = modelDirectory();
    Map<List<String>, String> refusals = Map.of(
        List.of("--threads", "999"), "evaluate: --threads must be 0..256, got 999",
        List.of("--provider", "tpu"), "evaluate: --provider must be",
        List.of("--model-name", "a b"), "evaluate: --model-name must be",
        List.of("--version", "a b"), "evaluate: --version must be empty (newest) or",
        List.of("--model-dir", directory.resolve("none").toString()), "evaluate: model toy has no folder in the "
            + "model directory (" + directory.resolve("none/toy") + " does not exist; --model-dir names the directory)");
    for (Map.Entry<List<String>, String> refusal : refusals.entrySet()) {
      Map<String, String> options = new LinkedHashMap<>(Map.of("--cases", cases.toString(),
          "--model-dir", models.toString(), "--model-name", "toy", "--provider", "cpu"));
      options.put(refusal.getKey().get(0), refusal.getKey().get(1));
      List<String> args = new ArrayList<>();
      options.forEach((option, value) -> args.addAll(List.of(option, value)));
      ByteArrayOutputStream progress = new ByteArrayOutputStream();

      int exit = run(new ByteArrayOutputStream(), progress, args.toArray(String[]::new));

      String printed = progress.toString(StandardCharsets.UTF_8);
      assertEquals(1, exit, printed);
      assertTrue(printed.startsWith(refusal.getValue()) && printed.lines().count() == 1, printed);
    }
  }

  @Test
  void evaluate_timeThatIsNotUnixSeconds_quotedCut() throws IOException {
    Path cases = directory.resolve("long-time.tsv");
    Files.writeString(cases, "split\tuser_id\thistory\ttargets\tnegatives\ttime\ntest\tu1\titem-01\titem-02\t\t"
        + "9".repeat(300) + "x\n", StandardCharsets.UTF_8);
    ByteArrayOutputStream progress = new ByteArrayOutputStream();

    int exit = run(new ByteArrayOutputStream(), progress, "--cases", cases.toString());

    assertEquals(1, exit);
    assertEquals("evaluate: " + cases + " line 2: time must be Unix seconds, got \"" + "9".repeat(64)
        + "... (301 characters)\"" + System.lineSeparator(), progress.toString(StandardCharsets.UTF_8));
  }

  @Test
  void casesFile_readsSplitsAndRejectsAWrongHeader() throws IOException {
    Path cases = writeCases();

    assertEquals(3, EvaluationCasesFile.read(cases, Optional.of("test")).size());
    assertEquals(4, EvaluationCasesFile.read(cases, Optional.empty()).size());
    EvaluationCase first = EvaluationCasesFile.read(cases, Optional.of("valid")).get(0);
    assertEquals(new EvaluationCase("valid", "u4", List.of("item-01"), List.of("item-02"), List.of()), first);

    Path wrong = directory.resolve("wrong.tsv");
    Files.writeString(wrong, "user\thistory\n");
    assertThrows(EvaluationInputException.class, () -> EvaluationCasesFile.read(wrong, Optional.empty()));
  }

  /**
   * A repeats-counted case: item-01 is in baskets b1, b2, b3, item-02 in b1, b3, item-03 in b2
   * only. Targets: the three history items and two new ones (item-12 beats every new item;
   * item-07 is beaten by the 5 new items 08..12).
   */
  private static final String REPEAT_CASES = String.join("\n",
      "split\tuser_id\thistory\ttargets\tnegatives\ttime\thistory_baskets",
      "test\tu5\titem-01 item-02 item-01 item-03 item-02 item-01\titem-01 item-02 item-03 item-12 item-07\t\t0\t"
          + "b1 b1 b2 b2 b3 b3",
      "");

  /** Stands in for the served rule here (launcher's ServedBuyAgainRuleTest checks that one). */
  private static final EvaluateCommand.RegularItemsRule REGULAR = (history, baskets, minBaskets) -> {
    assertEquals(List.of("b1", "b1", "b2", "b2", "b3", "b3"), baskets);
    return minBaskets == 2 ? List.of("item-01", "item-02") : List.of("item-01");
  };

  @Test
  void evaluate_buyAgainSlots_placesRegularItemsFirstAndCountsRepeats() throws IOException {
    Path cases = directory.resolve("eval_cases_repeats.tsv");
    Files.writeString(cases, REPEAT_CASES, StandardCharsets.UTF_8);
    Path json = directory.resolve("result.json");
    Path ranks = directory.resolve("ranks.tsv");
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int exit = run(out, new ByteArrayOutputStream(), Optional.of(REGULAR), "--cases", cases.toString(),
        "--model-dir", modelDirectory().toString(), "--model-name", "toy", "--provider", "cpu",
        "--buy-again-slots", "1", "--json", json.toString(), "--ranks", ranks.toString());

    assertEquals(0, exit);
    // item-01 takes place 0; item-02 and item-03 are history items never recommended: misses,
    // ranked last (12 items + 1); item-12 comes right after the one placed item, item-07 after
    // it and the 5 better new items.
    assertEquals(List.of("user_id\tfull_ranks\tsampled_rank", "u5\t0 13 13 1 6\t"), Files.readAllLines(ranks));
    JsonNode full = new ObjectMapper().readTree(json.toFile()).get("full");
    double ideal = 1 + 1 / log2(3) + 1 / log2(4) + 1 / log2(5) + 1 / log2(6);
    assertEquals((1 + 1 / log2(3) + 1 / log2(8)) / ideal, full.get("ndcg@10").asDouble(), 1e-9);
    assertEquals(1.0, full.get("hr@10").asDouble(), 1e-9);
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("repeats, buy-again m=1 k=2            1.0000  1.0000"), out.toString());

    run(new ByteArrayOutputStream(), new ByteArrayOutputStream(), Optional.of(REGULAR), "--cases", cases.toString(),
        "--model-dir", modelDirectory().toString(), "--model-name", "toy", "--provider", "cpu",
        "--buy-again-slots", "10", "--ranks", ranks.toString());
    assertEquals("u5\t0 1 13 2 7\t", Files.readAllLines(ranks).get(1), "both regular items placed");

    run(new ByteArrayOutputStream(), new ByteArrayOutputStream(), Optional.of(REGULAR), "--cases", cases.toString(),
        "--model-dir", modelDirectory().toString(), "--model-name", "toy", "--provider", "cpu",
        "--buy-again-slots", "10", "--buy-again-min-baskets", "3", "--ranks", ranks.toString());
    assertEquals("u5\t0 13 13 1 6\t", Files.readAllLines(ranks).get(1), "k = 3: item-01 only");

    run(new ByteArrayOutputStream(), new ByteArrayOutputStream(), Optional.of(REGULAR), "--cases", cases.toString(),
        "--model-dir", modelDirectory().toString(), "--model-name", "toy", "--provider", "cpu",
        "--buy-again-slots", "0", "--ranks", ranks.toString());
    assertEquals("u5\t13 13 13 0 5\t", Files.readAllLines(ranks).get(1), "m = 0: new items, repeats counted");
  }

  @Test
  void evaluate_buyAgainWithoutTheServedRule_isAUsageError() throws IOException {
    Path cases = directory.resolve("eval_cases_repeats.tsv");
    Files.writeString(cases, REPEAT_CASES, StandardCharsets.UTF_8);
    ByteArrayOutputStream progress = new ByteArrayOutputStream();

    int exit = run(new ByteArrayOutputStream(), progress, Optional.empty(), "--cases", cases.toString(),
        "--model-dir", modelDirectory().toString(), "--model-name", "toy", "--provider", "cpu",
        "--buy-again-slots", "1");

    assertEquals(2, exit);
    assertTrue(progress.toString(StandardCharsets.UTF_8).contains("bin/glassbox evaluate-model"), progress.toString());
  }

  @Test
  void casesFile_historyBasketsMustAlignWithTheHistory() throws IOException {
    Path cases = directory.resolve("misaligned.tsv");
    Files.writeString(cases, REPEAT_CASES.replace("b1 b1 b2", "b1 b2"), StandardCharsets.UTF_8);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EvaluationCasesFile.read(cases, Optional.empty()));
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
  }

  private Path writeCases() throws IOException {
    Path cases = directory.resolve("eval_cases.tsv");
    Files.writeString(cases, CASES, StandardCharsets.UTF_8);
    return cases;
  }

  /** A model directory holding the toy model as {@code toy/v1}. */
  private Path modelDirectory() throws IOException {
    Path source = Path.of(System.getProperty("glassbox.repo.root"), "model-service/src/test/toy-model/v1");
    Path target = directory.resolve("models/toy/v1");
    Files.createDirectories(target);
    try (Stream<Path> files = Files.list(source)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Files.copy(file, target.resolve(file.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return directory.resolve("models");
  }

  private static int run(ByteArrayOutputStream out, ByteArrayOutputStream progress, String... args) {
    return run(out, progress, Optional.empty(), args);
  }

  private static int run(ByteArrayOutputStream out, ByteArrayOutputStream progress,
      Optional<EvaluateCommand.RegularItemsRule> rule, String... args) {
    PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream progressStream = new PrintStream(progress, true, StandardCharsets.UTF_8);
    CommandLine command = EvaluateCommand.commandLine(new EvaluateCommand(outStream, progressStream, rule));
    command.setErr(new java.io.PrintWriter(progressStream, true));
    return command.execute(args);
  }

  private static double log2(double value) {
    return Math.log(value) / Math.log(2);
  }
}
