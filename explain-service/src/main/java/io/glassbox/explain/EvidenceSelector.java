package io.glassbox.explain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Picks the history items worth testing as evidence for one target: the distinct items with the
 * largest positive contribution to its score. An item the user bought several times counts with
 * the sum of its contributions, since removing it removes every occurrence.
 */
final class EvidenceSelector {
  private EvidenceSelector() {}

  /**
   * The candidates, strongest first: at most {@code max} distinct ids of {@code historyIds} whose
   * summed contribution is positive; ties go to the more recently bought item.
   *
   * @param historyIds history item ids, oldest first
   * @param contribution each history item's additive share of the target's score, aligned with
   *     {@code historyIds}
   */
  static List<String> select(List<String> historyIds, List<Float> contribution, int max) {
    if (historyIds.size() != contribution.size()) {
      throw new IllegalArgumentException("contribution has " + contribution.size()
          + " entries for " + historyIds.size() + " history items");
    }
    Map<String, Double> total = new LinkedHashMap<>();
    Map<String, Integer> lastPosition = new HashMap<>();
    for (int i = 0; i < historyIds.size(); i++) {
      float share = contribution.get(i);
      if (!Float.isFinite(share)) {
        continue;
      }
      total.merge(historyIds.get(i), (double) share, Double::sum);
      lastPosition.put(historyIds.get(i), i);
    }
    List<String> positive = new ArrayList<>();
    total.forEach((id, sum) -> {
      if (sum > 0) {
        positive.add(id);
      }
    });
    positive.sort(Comparator.<String>comparingDouble(total::get).reversed()
        .thenComparing(Comparator.<String>comparingInt(lastPosition::get).reversed()));
    return List.copyOf(positive.subList(0, Math.min(max, positive.size())));
  }
}
