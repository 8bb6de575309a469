package io.glassbox.model.eval;

import io.glassbox.model.Vocabulary;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * The training purchases the trainer counts recent popularity from ({@code trend_events.tsv},
 * written by {@code python3 -m glassbox_trainer evaluate --write-eval-cases}): a header
 * {@code item_id<TAB>time}, then one purchase per line, Unix seconds. Counting here follows the
 * trainer exactly: purchases at times t with {@code request - window <= t < request}.
 */
public final class TrendEvents {
  private final long[][] times;

  private TrendEvents(long[][] times) {
    this.times = times;
  }

  /** Reads {@code file}; items outside {@code vocabulary} are ignored (they cannot be scored). */
  public static TrendEvents read(Path file, Vocabulary vocabulary) throws IOException {
    int size = vocabulary.size();
    long[][] times = new long[size + 1][];
    int[] counts = new int[size + 1];
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = reader.readLine();
      if (!"item_id\ttime".equals(header)) {
        throw new EvaluationInputException(file + ": the first line must be item_id<TAB>time, got "
            + EvaluationInputException.firstLine(header));
      }
      String line;
      int lineNumber = 1;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        int tab = line.indexOf('\t');
        if (tab < 0) {
          throw new EvaluationInputException(file + " line " + lineNumber + ": expected item_id<TAB>time");
        }
        int index = vocabulary.indexOf(line.substring(0, tab));
        if (index == Vocabulary.UNKNOWN) {
          continue;
        }
        long time;
        try {
          time = Long.parseLong(line.substring(tab + 1).trim());
        } catch (NumberFormatException e) {
          throw new EvaluationInputException(file + " line " + lineNumber + ": time must be Unix seconds");
        }
        if (times[index] == null) {
          times[index] = new long[8];
        } else if (counts[index] == times[index].length) {
          times[index] = Arrays.copyOf(times[index], counts[index] * 2);
        }
        times[index][counts[index]++] = time;
      }
    }
    for (int index = 1; index <= size; index++) {
      times[index] = times[index] == null ? new long[0] : Arrays.copyOf(times[index], counts[index]);
      Arrays.sort(times[index]);
    }
    return new TrendEvents(times);
  }

  /** Purchases of every vocabulary index (0 unused) in {@code [request - window, request)}. */
  public long[] counts(long requestSeconds, Duration window) {
    long from = requestSeconds - window.getSeconds();
    long[] counts = new long[times.length];
    for (int index = 1; index < times.length; index++) {
      counts[index] = lowerBound(times[index], requestSeconds) - lowerBound(times[index], from);
    }
    return counts;
  }

  private static int lowerBound(long[] sorted, long value) {
    int found = Arrays.binarySearch(sorted, value);
    if (found < 0) {
      return -found - 1;
    }
    while (found > 0 && sorted[found - 1] == value) {
      found--;
    }
    return found;
  }
}
