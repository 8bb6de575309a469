package io.glassbox.explain;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the model's trend term really carries an item, for a {@code REASON_KIND_TREND} reason:
 * the item's rank when its recent purchases are set to 0 must meet the {@link MinimumEffect}.
 * That rank comes from one row for all items: the full record scored against every candidate
 * with every count 0 ({@link CounterfactualScorer.Session#trendlessScores}). A candidate's score
 * is its model score plus its own trend term, so in a row where only the item's count is 0 the
 * item scores its trendless score and every other candidate its baseline score: exactly the
 * numbers compared here. Nothing is checked when the caller sent no recent purchases (the served
 * score had no trend term).
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
  record Cited(long purchases, Duration window, Optional<Instant> asOf, Measurement removal, boolean necessary,
      int topK, int rankedCount) {}

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
    for (int i = 0; i < items.size(); i++) {
      if (recent.count(items.get(i)) > 0 && scores.score(items.get(i), Counterfactual.BASELINE).isPresent()) {
        checked.add(i);
      }
    }
    if (checked.isEmpty()) {
      return verdicts;
    }
    Map<String, Float> baseline = scores.scores(Counterfactual.BASELINE);
    Map<String, Float> trendless = session.trendlessScores();
    com.google.protobuf.Duration window = recent.window().get();
    for (int i : checked) {
      String item = items.get(i);
      Float without = trendless.get(item);
      if (without == null) {
        continue;
      }
      Measurement removal = new Measurement(
          scores.rank(item, Counterfactual.BASELINE).orElseThrow(), rankAmongOthers(baseline, item, without),
          baseline.get(item), without);
      if (rule.isMetBy(removal)) {
        verdicts.set(i, Optional.of(new Cited(recent.count(item),
            Duration.ofSeconds(window.getSeconds(), window.getNanos()), recent.asOf(), removal, rule.isNecessary(removal),
            rule.topK(), scores.rankedCount())));
      }
    }
    return verdicts;
  }

  /** 1 plus the number of candidates other than {@code item} that score higher than {@code score}. */
  static int rankAmongOthers(Map<String, Float> scores, String item, float score) {
    int higher = 0;
    for (Map.Entry<String, Float> other : scores.entrySet()) {
      if (other.getValue() > score && !other.getKey().equals(item)) {
        higher++;
      }
    }
    return higher + 1;
  }
}
