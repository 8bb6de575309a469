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
import java.util.List;
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
    assertTrue(printed.contains("full ranking, history excluded      1.0000  1.0000"), printed);
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

  @Test
  void casesFile_readsSplitsAndRejectsAWrongHeader() throws IOException {
    Path cases = writeCases();

    assertEquals(3, EvaluationCasesFile.read(cases, Optional.of("test")).size());
    assertEquals(4, EvaluationCasesFile.read(cases, Optional.empty()).size());
    EvaluationCase first = EvaluationCasesFile.read(cases, Optional.of("valid")).get(0);
    assertEquals(new EvaluationCase("valid", "u4", List.of("item-01"), List.of("item-02"), List.of()), first);

    Path wrong = directory.resolve("wrong.tsv");
    Files.writeString(wrong, "user\thistory\n");
    assertThrows(IllegalArgumentException.class, () -> EvaluationCasesFile.read(wrong, Optional.empty()));
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
    PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream progressStream = new PrintStream(progress, true, StandardCharsets.UTF_8);
    return new CommandLine(new EvaluateCommand(outStream, progressStream)).execute(args);
  }

  private static double log2(double value) {
    return Math.log(value) / Math.log(2);
  }
}
