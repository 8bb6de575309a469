package io.glassbox.model.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads the evaluation cases file the trainer writes ({@code --write-eval-cases}; format in
 * trainer/README.md, "Evaluation cases file"): UTF-8, tab-separated, a header line
 * {@code split user_id history targets negatives}, then one case per line with item ids
 * separated by single spaces; {@code negatives} may be empty.
 */
public final class EvaluationCasesFile {
  static final List<String> HEADER = List.of("split", "user_id", "history", "targets", "negatives");

  private EvaluationCasesFile() {}

  /** The cases of {@code split} (all splits if empty), in file order. */
  public static List<EvaluationCase> read(Path file, Optional<String> split) throws IOException {
    List<EvaluationCase> cases = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = reader.readLine();
      if (header == null || !Arrays.asList(header.split("\t", -1)).equals(HEADER)) {
        throw new IllegalArgumentException(file + ": the first line must be the header "
            + String.join("<TAB>", HEADER) + ", got \"" + header + "\"");
      }
      String line;
      int lineNumber = 1;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        if (line.isEmpty()) {
          continue;
        }
        String[] fields = line.split("\t", -1);
        if (fields.length != HEADER.size()) {
          throw new IllegalArgumentException(file + " line " + lineNumber + ": expected "
              + HEADER.size() + " tab-separated fields, got " + fields.length);
        }
        if (split.isPresent() && !split.get().equals(fields[0])) {
          continue;
        }
        List<String> targets = ids(fields[3]);
        if (targets.isEmpty()) {
          throw new IllegalArgumentException(file + " line " + lineNumber + ": a case needs at least one target");
        }
        cases.add(new EvaluationCase(fields[0], fields[1], ids(fields[2]), targets, ids(fields[4])));
      }
    }
    return cases;
  }

  private static List<String> ids(String field) {
    return field.isBlank() ? List.of() : List.of(field.trim().split(" +"));
  }
}
