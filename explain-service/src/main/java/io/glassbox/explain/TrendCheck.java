package io.glassbox.explain;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the model's trend term really carries an item, for a {@code REASON_KIND_TREND} reason:
 * the full record is re-scored against every candidate with the item's recent purchases set to 0
 * (one row per item with purchases, all items in one batch), and the item's rank without its
 * trend term must meet the {@link MinimumEffect}. Nothing is checked when the caller sent no
 * recent purchases (the served score had no trend term).
 */
final class TrendCheck {
  private TrendCheck() {}

  /**
   * A trend reason that holds up.
   *
   * @param purchases the item's purchases in the window, >= 1
   * @param window the window they were counted over
   * @param removal the item's rank and score with and without its trend term
   * @param necessary removing the trend term takes it out of the top-k
   * @param topK the top-k the rule refers to
   * @param rankedCount how many candidates the ranks are counted among
   */
  record Cited(long purchases, Duration window, Measurement removal, boolean necessary, int topK, int rankedCount) {}

  /** A verdict per item, in order: present when its trend term meets the minimum effect. */
  static List<Optional<Cited>> check(List<String> items, CounterfactualScorer.Session session, MinimumEffect rule) {
    List<Optional<Cited>> verdicts = new ArrayList<>(Collections.nCopies(items.size(), Optional.empty()));
    RecentPurchases recent = session.recent();
    if (recent.window().isEmpty()) {
      return verdicts;
    }
    session.score(List.of(Counterfactual.BASELINE));
    CounterfactualScores scores = session.scores();
    List<Integer> checked = new ArrayList<>();
    List<RecentPurchases> variants = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String item = items.get(i);
      if (recent.count(item) > 0 && scores.score(item, Counterfactual.BASELINE).isPresent()) {
        checked.add(i);
        variants.add(recent.withoutTrendOf(item));
      }
    }
    if (variants.isEmpty()) {
      return verdicts;
    }
    List<Map<String, Float>> rows = session.scoreRecentVariants(variants);
    com.google.protobuf.Duration window = recent.window().get();
    for (int j = 0; j < checked.size(); j++) {
      String item = items.get(checked.get(j));
      Map<String, Float> without = rows.get(j);
      if (!without.containsKey(item)) {
        continue;
      }
      Measurement removal = new Measurement(
          scores.rank(item, Counterfactual.BASELINE).orElseThrow(),
          Measurement.rankOf(without, item).orElseThrow(),
          scores.score(item, Counterfactual.BASELINE).orElseThrow(),
          without.get(item));
      if (rule.isMetBy(removal)) {
        verdicts.set(checked.get(j), Optional.of(new Cited(recent.count(item),
            Duration.ofSeconds(window.getSeconds(), window.getNanos()), removal, rule.isNecessary(removal),
            rule.topK(), scores.rankedCount())));
      }
    }
    return verdicts;
  }
}
