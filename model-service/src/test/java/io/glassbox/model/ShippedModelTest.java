package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The model shipped in {@code models/uci-online-retail/<newest>} as the service loads it: ONNX
 * Runtime (Java, CPU) must reproduce the PyTorch outputs recorded in its {@code parity.json},
 * and the service's batching must not change any row's numbers.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShippedModelTest {
  private static final double PARITY_TOLERANCE = 1e-4;
  /** Different batch shapes may take different kernel paths; the numbers must agree to this. */
  private static final float BATCH_TOLERANCE = 1e-5f;

  private Path folder;
  private ModelRegistry registry;
  private Scorer scorer;

  @BeforeAll
  void load() {
    Optional<Path> shipped = ModelFolders.shippedModelVersion();
    assertTrue(shipped.isPresent(), "no model version under models/uci-online-retail; the trainer ships one there");
    folder = shipped.get();
    ModelConfig config = ModelServiceUnderTest.cpuConfig(folder.getParent().getParent(), "uci-online-retail");
    OrtEnvironment environment = OnnxRuntimeLibraries.environment();
    registry = new ModelRegistry(
        new ModelLoader(environment, new SessionFactory(environment, config, ModelServiceUnderTest.NO_GPU)), config);
    registry.reload(folder.getFileName().toString());
    scorer = new Scorer(registry);
  }

  @AfterAll
  void close() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void onnxRuntime_matchesThePyTorchOutputsInParityJson() throws Exception {
    JsonNode cases = new ObjectMapper().readTree(folder.resolve("parity.json").toFile()).get("cases");
    assertTrue(cases != null && cases.size() > 0, "parity.json holds no cases");
    double worstScore = 0;
    double worstAttention = 0;
    double worstContribution = 0;
    try (ModelRegistry.Lease lease = registry.lease()) {
      for (int k = 0; k < cases.size(); k++) {
        JsonNode parity = cases.get(k);
        long[][] history = longs(parity.get("history"));
        long[][] candidates = longs(parity.get("candidates"));
        int batch = history.length;
        int length = history[0].length;
        int count = candidates[0].length;
        ModelOutputs outputs = lease.model().run(
            flatten(history), flatten(candidates), batch, length, count, true, true);

        worstScore = Math.max(worstScore, maxAbsDiff(flatten(parity.get("scores")), outputs.scores()));
        worstAttention = Math.max(worstAttention, maxAbsDiff(flatten(parity.get("attention")), outputs.attention()));
        worstContribution = Math.max(worstContribution,
            maxAbsDiff(flatten(parity.get("contribution")), outputs.contribution()));
      }
    }
    String summary = String.format("max abs diff over %d cases: scores %.2e, attention %.2e, contribution %.2e",
        cases.size(), worstScore, worstAttention, worstContribution);
    System.out.println("parity " + folder.getFileName() + ": " + summary);
    assertTrue(worstScore <= PARITY_TOLERANCE, summary);
    assertTrue(worstAttention <= PARITY_TOLERANCE, summary);
    assertTrue(worstContribution <= PARITY_TOLERANCE, summary);
  }

  @Test
  void score_rowResultsDoNotDependOnTheOtherRowsInTheBatch() {
    Vocabulary vocabulary = registry.active().orElseThrow().vocabulary();
    int size = vocabulary.size();
    ScoreQuery.Row shortRow = new ScoreQuery.Row(ids(vocabulary, 3, 7, 0), ids(vocabulary, 5, 11, 1));
    ScoreQuery.Row emptyHistory = new ScoreQuery.Row(List.of(), ids(vocabulary, 40, 13, 2));
    ScoreQuery.Row longRow = new ScoreQuery.Row(ids(vocabulary, 300, 17, 3), ids(vocabulary, Math.min(size, 900), 1, 4));

    ScoredBatch.Row shortAlone = score(List.of(shortRow)).get(0);
    ScoredBatch.Row emptyAlone = score(List.of(emptyHistory)).get(0);
    List<ScoredBatch.Row> mixed = score(List.of(longRow, shortRow, emptyHistory, longRow));

    assertSameRow(shortAlone, mixed.get(1));
    assertSameRow(emptyAlone, mixed.get(2));
    assertSameRow(mixed.get(0), mixed.get(3));
  }

  @Test
  void shippedModel_isPaddedOnlyAsFarAsItsRowsNeed_withTheSameOutputsAsTheWholeWindow() throws Exception {
    try (ModelRegistry.Lease lease = registry.lease()) {
      LoadedModel model = lease.model();
      assertTrue(model.trimsPadding(), "the shipped model counts positions from the newest item");
      assertEquals(10, model.paddedLength(0));
      assertEquals(10, model.paddedLength(3));
      assertEquals(40, model.paddedLength(31));
      assertEquals(50, model.paddedLength(47));
      long[] whole = new long[50];
      long[] trimmed = new long[10];
      for (int i = 0; i < 3; i++) {
        whole[47 + i] = 11 + 5 * i;
        trimmed[7 + i] = 11 + 5 * i;
      }
      long[] candidates = {1, 2, 100, 2000};
      ModelOutputs a = model.run(whole, candidates, 1, 50, 4, true, true);
      ModelOutputs b = model.run(trimmed, candidates, 1, 10, 4, true, true);
      for (int c = 0; c < 4; c++) {
        assertEquals(a.score(0, c), b.score(0, c), BATCH_TOLERANCE, "score of candidate " + c);
        assertClose(ModelOutputs.slice(a.contribution(), a, 0, c, 47, 3),
            ModelOutputs.slice(b.contribution(), b, 0, c, 7, 3));
        assertClose(ModelOutputs.slice(a.attention(), a, 0, c, 47, 3),
            ModelOutputs.slice(b.attention(), b, 0, c, 7, 3));
      }
    }
  }

  @Test
  void mixedLengthBatch_runsEachRowAtItsOwnPaddedLength_withTheOutputsOfTheWholePaddedBatch() throws Exception {
    try (ModelRegistry.Lease lease = registry.lease()) {
      LoadedModel model = lease.model();
      int length = 50;
      int[] items = {45, 2, 0, 12};                 // padded to 50, 10, 10 and 20 positions
      long[] history = new long[items.length * length];
      for (int row = 0; row < items.length; row++) {
        for (int i = 0; i < items[row]; i++) {
          history[row * length + length - items[row] + i] = 1 + (row * 131L + i * 17L) % 3000;
        }
      }
      long[] candidates = new long[items.length * 6];
      for (int i = 0; i < candidates.length; i++) {
        candidates[i] = 1 + (i * 389L) % 3000;
      }
      InferenceInput input = new InferenceInput(history, candidates, items.length, length, 6, true, true);

      List<LengthGroup> groups = LengthGroup.of(input, LengthGroup.paddedLengths(input, model::paddedLength));
      assertEquals(List.of(10, 20, 50), groups.stream().map(g -> g.input().historyLength()).toList());
      assertEquals(List.of(List.of(1, 2), List.of(3), List.of(0)),
          groups.stream().map(g -> java.util.Arrays.stream(g.rows()).boxed().toList()).toList());

      ModelOutputs split = model.run(input);
      ModelOutputs whole = model.run(history, candidates, items.length, length, 6, true, true);
      assertEquals(length, split.historyLength());
      assertClose(whole.scores(), split.scores());
      assertClose(whole.attention(), split.attention());
      assertClose(whole.contribution(), split.contribution());
      // Row 1 (2 items) scored alone, padded to its own 10 positions: the very same numbers, so
      // an explanation's rank re-scored in another batch matches exactly.
      InferenceInput alone = input.rows(1, 2);
      ModelOutputs single = model.run(java.util.Arrays.copyOfRange(alone.history(), length - 10, length),
          alone.candidates(), 1, 10, 6, false, false);
      for (int c = 0; c < 6; c++) {
        assertEquals(single.score(0, c), split.score(1, c), "candidate " + c + " of row 1, bit for bit");
      }
      // The positions a short row's run never saw are padding: exactly 0, as the model gives it.
      for (int l = 0; l < length - 10; l++) {
        assertEquals(0f, split.attention()[(1 * 6) * length + l]);
        assertEquals(0f, split.contribution()[(1 * 6) * length + l]);
      }
    }
  }

  @Test
  void score_attentionSumsToOneOverTheUsedHistoryAndScoresAreFinite() {
    Vocabulary vocabulary = registry.active().orElseThrow().vocabulary();
    List<ScoredBatch.Row> rows = score(List.of(
        new ScoreQuery.Row(ids(vocabulary, 1, 3, 0), ids(vocabulary, 50, 7, 1)),
        new ScoreQuery.Row(ids(vocabulary, 200, 5, 2), ids(vocabulary, 50, 7, 3)),
        new ScoreQuery.Row(List.of(), ids(vocabulary, 50, 7, 4))));

    for (ScoredBatch.Row row : rows) {
      for (int c = 0; c < row.scores().length; c++) {
        assertTrue(Float.isFinite(row.scores()[c]), "score " + row.scores()[c]);
        float sum = 0;
        for (float weight : row.attention()[c]) {
          assertTrue(weight >= 0 && Float.isFinite(weight), "attention weight " + weight);
          sum += weight;
        }
        if (!row.historyItemIds().isEmpty()) {
          assertEquals(1f, sum, 1e-4f, "attention over the used history");
        }
      }
    }
  }

  private List<ScoredBatch.Row> score(List<ScoreQuery.Row> rows) {
    return scorer.score(new ScoreQuery(rows, true, true, ScoreQuery.UnknownItems.REJECT, Optional.empty())).rows();
  }

  /** {@code count} vocabulary ids, spread over the vocabulary by a stride, deterministic per seed. */
  private static List<String> ids(Vocabulary vocabulary, int count, int stride, int seed) {
    List<String> ids = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ids.add(vocabulary.idAt(1 + (int) ((seed * 7919L + (long) i * stride) % vocabulary.size())));
    }
    return ids;
  }

  private static void assertSameRow(ScoredBatch.Row expected, ScoredBatch.Row actual) {
    assertEquals(expected.historyItemIds(), actual.historyItemIds());
    assertEquals(expected.candidateItemIds(), actual.candidateItemIds());
    assertClose(expected.scores(), actual.scores());
    for (int c = 0; c < expected.scores().length; c++) {
      assertClose(expected.attention()[c], actual.attention()[c]);
      assertClose(expected.contribution()[c], actual.contribution()[c]);
    }
  }

  private static void assertClose(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], BATCH_TOLERANCE, "value " + i);
    }
  }

  private static long[][] longs(JsonNode matrix) {
    long[][] values = new long[matrix.size()][];
    for (int r = 0; r < values.length; r++) {
      values[r] = new long[matrix.get(r).size()];
      for (int c = 0; c < values[r].length; c++) {
        values[r][c] = matrix.get(r).get(c).asLong();
      }
    }
    return values;
  }

  private static long[] flatten(long[][] matrix) {
    int columns = matrix[0].length;
    long[] flat = new long[matrix.length * columns];
    for (int r = 0; r < matrix.length; r++) {
      System.arraycopy(matrix[r], 0, flat, r * columns, columns);
    }
    return flat;
  }

  /** Row-major values of a nested JSON array of numbers. */
  private static double[] flatten(JsonNode nested) {
    List<Double> values = new ArrayList<>();
    collect(nested, values);
    return values.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static void collect(JsonNode node, List<Double> values) {
    if (node.isArray()) {
      node.forEach(child -> collect(child, values));
    } else {
      values.add(node.asDouble());
    }
  }

  private static double maxAbsDiff(double[] expected, float[] actual) {
    assertEquals(expected.length, actual.length, "output size");
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
    }
    return worst;
  }
}
