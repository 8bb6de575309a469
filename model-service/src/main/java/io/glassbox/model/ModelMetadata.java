package io.glassbox.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The parts of a version folder's {@code metadata.json} the service relies on. Fields the
 * service does not use (inputs, outputs, settings) are left to humans reading the file.
 */
public record ModelMetadata(
    String modelName,
    String version,
    String dataset,
    Instant trainedAt,
    int maxHistoryLength,
    int vocabularySize,
    int opset,
    Map<String, Double> metrics,
    Optional<TrendTerm> trend,
    Optional<TitleSimilarity> titleSimilarity,
    Map<String, TestUsers> testUsers) {

  public ModelMetadata {
    metrics = Map.copyOf(metrics);
    testUsers = Map.copyOf(testUsers);
    requireNonNull(trend, "trend");
    requireNonNull(titleSimilarity, "titleSimilarity");
  }

  /** {@code "title_similarity": {"weight": >= 0, "file": "title_vectors.tsv"}}: see {@link TitleTerm}. */
  public record TitleSimilarity(double weight, String file) {}

  /**
   * {@code "test_users": {"test": {"count": >= 0, "sha256": 64 hex digits}, ...}}: the held-out test
   * cases (one per user; the digest covers each user's history and held-out basket) a group of
   * test figures in {@code metrics} is a mean over, keyed by the figures' name prefix.
   */
  public record TestUsers(int count, String sha256) {}

  /**
   * Reads and checks metadata.json from {@code in}; a problem becomes a {@link ModelLoadException}
   * naming the field.
   */
  static ModelMetadata read(InputStream in, ObjectMapper json) {
    JsonNode root;
    try {
      root = json.readTree(in);
    } catch (IOException e) {
      // Where, never what: Jackson's message quotes the file's text, and metadata.json may be a
      // link to any file the service can read, which would reach the admin caller.
      throw new ModelLoadException("metadata.json is not valid JSON" + where(e), e);
    }
    if (root == null || !root.isObject()) {
      throw new ModelLoadException("metadata.json must hold a JSON object");
    }
    return new ModelMetadata(
        text(root, "model_name"),
        text(root, "version"),
        text(root, "dataset"),
        instant(root, "trained_at"),
        positiveInt(root, "max_history_length"),
        positiveInt(root, "vocabulary_size"),
        positiveInt(root, "opset"),
        metrics(root),
        trend(root),
        titleSimilarity(root),
        testUsers(root));
  }

  /** The title term's weight and its vectors' file, a plain name inside the version folder. */
  private static Optional<TitleSimilarity> titleSimilarity(JsonNode root) {
    JsonNode node = root.get("title_similarity");
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    JsonNode weight = node.get("weight");
    JsonNode file = node.get("file");
    if (!node.isObject() || weight == null || !weight.isNumber() || !(weight.asDouble() >= 0)
        || Double.isInfinite(weight.asDouble())
        || file == null || !file.isTextual() || !file.asText().matches("[A-Za-z0-9._-]+")
        || file.asText().startsWith(".")) {
      throw new ModelLoadException("metadata.json field \"title_similarity\" must be an object "
          + "with a finite number \"weight\" >= 0 and \"file\", a file name in the version folder");
    }
    return Optional.of(new TitleSimilarity(weight.asDouble(), file.asText()));
  }

  /** {@code "trend": {"window_days": > 0 and <= 366, "weight": >= 0}}; absent = no trend term. */
  private static Optional<TrendTerm> trend(JsonNode root) {
    JsonNode node = root.get("trend");
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    JsonNode days = node.get("window_days");
    JsonNode weight = node.get("weight");
    if (!node.isObject() || days == null || !days.isNumber() || weight == null || !weight.isNumber()) {
      throw new ModelLoadException("metadata.json field \"trend\" must be an object with numbers "
          + "\"window_days\" and \"weight\"");
    }
    try {
      long seconds = Math.round(days.asDouble() * 86_400);
      return Optional.of(new TrendTerm(Duration.ofSeconds(seconds), weight.asDouble()));
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException("metadata.json field \"trend\": " + e.getMessage());
    }
  }

  private static String text(JsonNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || !node.isTextual() || node.asText().isBlank()) {
      throw new ModelLoadException("metadata.json field \"" + field + "\" must be a non-empty string");
    }
    return node.asText();
  }

  private static Instant instant(JsonNode root, String field) {
    String value = text(root, field);
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException withoutOffset) {
      try {
        return Instant.parse(value);
      } catch (DateTimeParseException e) {
        throw new ModelLoadException("metadata.json field \"" + field
            + "\" must be an ISO-8601 time with offset, e.g. 2026-11-22T04:00:00Z, got \"" + value + "\"");
      }
    }
  }

  private static int positiveInt(JsonNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || !node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 1) {
      throw new ModelLoadException("metadata.json field \"" + field + "\" must be a positive integer");
    }
    return node.asInt();
  }

  private static Map<String, Double> metrics(JsonNode root) {
    JsonNode node = root.get("metrics");
    Map<String, Double> metrics = new TreeMap<>();
    if (node == null || node.isNull()) {
      return metrics;
    }
    if (!node.isObject()) {
      throw new ModelLoadException("metadata.json field \"metrics\" must be an object of name -> number");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      // Metrics are informational; a non-numeric entry (e.g. a note) is left out, not fatal.
      if (entry.getValue().isNumber()) {
        metrics.put(entry.getKey(), entry.getValue().asDouble());
      }
    }
    return metrics;
  }

  /**
   * Like {@link #metrics}, informational: an entry that is not a count and a digest is left out
   * (its figures' users are then unknown), not fatal.
   */
  private static Map<String, TestUsers> testUsers(JsonNode root) {
    JsonNode node = root.get("test_users");
    Map<String, TestUsers> users = new TreeMap<>();
    if (node == null || !node.isObject()) {
      return users;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      JsonNode count = entry.getValue().get("count");
      JsonNode sha256 = entry.getValue().get("sha256");
      if (count != null && count.isIntegralNumber() && count.canConvertToInt() && count.asInt() >= 0
          && sha256 != null && sha256.isTextual() && sha256.asText().matches("[0-9a-f]{64}")) {
        users.put(entry.getKey(), new TestUsers(count.asInt(), sha256.asText()));
      }
    }
    return users;
  }

  /** " (line L, column C)" of a parse error, or " (unreadable)": never the text that failed. */
  private static String where(IOException e) {
    if (e instanceof JsonProcessingException parse && parse.getLocation() != null) {
      return " (line " + parse.getLocation().getLineNr() + ", column " + parse.getLocation().getColumnNr() + ")";
    }
    return " (unreadable)";
  }
}
