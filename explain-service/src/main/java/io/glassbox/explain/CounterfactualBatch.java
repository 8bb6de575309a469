package io.glassbox.explain;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The rows of one counterfactual scoring call: row 0 is the full history (the baseline, so that
 * every rank is computed from the same call), each other row is the history with one set of items
 * removed (every occurrence). Identical removals share one row.
 */
final class CounterfactualBatch {
  private final List<Set<String>> removals;
  private final Map<Set<String>, Integer> rowByRemoval;

  private CounterfactualBatch(List<Set<String>> removals) {
    this.removals = List.copyOf(removals);
    Map<Set<String>, Integer> rows = new HashMap<>();
    for (int i = 0; i < this.removals.size(); i++) {
      rows.put(this.removals.get(i), i);
    }
    this.rowByRemoval = Map.copyOf(rows);
  }

  /**
   * For each target's candidate evidence: a row without the whole set and a row without each
   * single item.
   */
  static CounterfactualBatch forCandidates(Collection<List<String>> candidatesPerTarget) {
    Rows rows = new Rows();
    for (List<String> candidates : candidatesPerTarget) {
      if (candidates.isEmpty()) {
        continue;
      }
      rows.add(candidates);
      candidates.forEach(id -> rows.add(List.of(id)));
    }
    return new CounterfactualBatch(rows.removals);
  }

  /** A row without each of {@code sets}. */
  static CounterfactualBatch forRemovals(Collection<List<String>> sets) {
    Rows rows = new Rows();
    sets.forEach(rows::add);
    return new CounterfactualBatch(rows.removals);
  }

  /** Number of rows, the baseline included. */
  int size() {
    return removals.size();
  }

  /** The history of every row, in row order. */
  List<List<String>> histories(List<String> history) {
    List<List<String>> rows = new ArrayList<>(removals.size());
    for (Set<String> removed : removals) {
      rows.add(removed.isEmpty()
          ? history
          : history.stream().filter(id -> !removed.contains(id)).toList());
    }
    return rows;
  }

  /**
   * What removing {@code removed} did to {@code target}, from the scores of this batch's rows
   * (one map of slate item id to score per row). Empty when the target was not scored.
   *
   * @throws IllegalArgumentException if this batch has no row for {@code removed}
   */
  Optional<Measurement> measure(String target, Collection<String> removed, List<Map<String, Float>> scores) {
    if (scores.size() != removals.size()) {
      throw new IllegalArgumentException("expected " + removals.size() + " scored rows, got " + scores.size());
    }
    Integer row = rowByRemoval.get(Set.copyOf(removed));
    if (row == null) {
      throw new IllegalArgumentException("no row removes " + removed);
    }
    Map<String, Float> baseline = scores.get(0);
    Map<String, Float> without = scores.get(row);
    OptionalInt rank = Measurement.rankOf(baseline, target);
    OptionalInt rankWithout = Measurement.rankOf(without, target);
    if (rank.isEmpty() || rankWithout.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Measurement(
        rank.getAsInt(), rankWithout.getAsInt(), baseline.get(target), without.get(target)));
  }

  /** Collects distinct removals, the baseline first. */
  private static final class Rows {
    private final List<Set<String>> removals = new ArrayList<>(List.of(Set.of()));
    private final Set<Set<String>> seen = new LinkedHashSet<>(List.of(Set.of()));

    void add(Collection<String> removed) {
      Set<String> key = Set.copyOf(removed);
      if (seen.add(key)) {
        removals.add(key);
      }
    }
  }
}
