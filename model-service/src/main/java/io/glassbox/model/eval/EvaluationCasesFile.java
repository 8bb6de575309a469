package io.glassbox.model.eval;

import io.glassbox.server.Descriptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads the evaluation cases file the trainer writes ({@code --write-eval-cases}; format in
 * trainer/README.md, "Evaluation cases file"): UTF-8, tab-separated, a header line
 * {@code split user_id history targets negatives [time]}, then one case per line with item ids
 * separated by single spaces; {@code negatives} may be empty; {@code time} (Unix seconds of the
 * held-out basket) is present in files written since the trend term exists; {@code
 * history_baskets} (the order of each history event, as the feature service counts orders, for
 * the buy-again rule) only in the repeats-counted cases file ({@code eval_cases_repeats.tsv}).
 */
public final class EvaluationCasesFile {
  static final List<String> HEADER = List.of("split", "user_id", "history", "targets", "negatives");
  static final List<String> HEADER_WITH_TIME =
      List.of("split", "user_id", "history", "targets", "negatives", "time");
  static final List<String> HEADER_WITH_BASKETS =
      List.of("split", "user_id", "history", "targets", "negatives", "time", "history_baskets");

  private EvaluationCasesFile() {}

  /** The cases of {@code split} (all splits if empty), in file order. */
  public static List<EvaluationCase> read(Path file, Optional<String> split) throws IOException {
    List<EvaluationCase> cases = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = reader.readLine();
      List<String> columns = header == null ? List.of() : Arrays.asList(header.split("\t", -1));
      if (!columns.equals(HEADER) && !columns.equals(HEADER_WITH_TIME) && !columns.equals(HEADER_WITH_BASKETS)) {
        throw new EvaluationInputException(file + ": the first line must be the header "
            + String.join("<TAB>", HEADER_WITH_BASKETS) + " (time and history_baskets optional), got "
            + EvaluationInputException.firstLine(header));
      }
      String line;
      int lineNumber = 1;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        if (line.isEmpty()) {
          continue;
        }
        String[] fields = line.split("\t", -1);
        if (fields.length != columns.size()) {
          throw new EvaluationInputException(file + " line " + lineNumber + ": expected "
              + columns.size() + " tab-separated fields, got " + fields.length);
        }
        if (split.isPresent() && !split.get().equals(fields[0])) {
          continue;
        }
        List<String> targets = ids(fields[3]);
        if (targets.isEmpty()) {
          throw new EvaluationInputException(file + " line " + lineNumber + ": a case needs at least one target");
        }
        OptionalLong time = OptionalLong.empty();
        if (fields.length > HEADER.size()) {
          try {
            time = OptionalLong.of(Long.parseLong(fields[5].trim()));
          } catch (NumberFormatException e) {
            throw new EvaluationInputException(file + " line " + lineNumber
                + ": time must be Unix seconds, got \"" + Descriptions.truncate(fields[5]) + "\"");
          }
        }
        List<String> baskets = fields.length > HEADER_WITH_TIME.size() ? ids(fields[6]) : List.of();
        try {
          cases.add(new EvaluationCase(fields[0], fields[1], ids(fields[2]), targets, ids(fields[4]), time, baskets));
        } catch (IllegalArgumentException e) {
          throw new EvaluationInputException(file + " line " + lineNumber + ": " + e.getMessage());
        }
      }
    }
    return cases;
  }

  private static List<String> ids(String field) {
    return field.isBlank() ? List.of() : List.of(field.trim().split(" +"));
  }
}
