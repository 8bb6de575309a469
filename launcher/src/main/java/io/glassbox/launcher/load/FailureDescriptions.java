package io.glassbox.launcher.load;

import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many failed calls each description had, per status code, in bounded memory: descriptions
 * that differ only in their numbers (a deadline's elapsed time, a port) count as one, said as the
 * first seen, and past {@value #MOST_PER_CODE} of a code the rest count as one "other" (R115's
 * review: one entry per distinct description grew without end over a long overloaded run).
 */
final class FailureDescriptions {
  static final int MOST_PER_CODE = 64;
  static final String OTHER = "(other descriptions)";

  private record Counted(String first, LongAdder calls) {}

  private final Map<String, Map<String, Counted>> byCode = new ConcurrentHashMap<>();

  void count(String code, String description) {
    Map<String, Counted> counts = byCode.computeIfAbsent(code, c -> new ConcurrentHashMap<>());
    String shape = description.replaceAll("\\d+", "#");
    Counted counted = counts.get(shape);
    if (counted == null) {
      counted = counts.size() >= MOST_PER_CODE ? counts.computeIfAbsent(OTHER, o -> new Counted(OTHER, new LongAdder()))
          : counts.computeIfAbsent(shape, s -> new Counted(description, new LongAdder()));
    }
    counted.calls().increment();
  }

  /** The description most failed calls of each code had, by the code. */
  Map<String, String> mostFrequent() {
    Map<String, String> most = new TreeMap<>();
    byCode.forEach((code, counts) -> counts.values().stream()
        .max(Comparator.comparingLong((Counted counted) -> counted.calls().sum()))
        .ifPresent(counted -> most.put(code, counted.first())));
    return most;
  }
}
