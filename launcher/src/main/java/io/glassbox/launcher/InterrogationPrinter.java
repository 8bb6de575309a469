package io.glassbox.launcher;

import io.glassbox.api.v1.AdditionTrial;
import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.GetModelInsightsResponse;
import io.glassbox.api.v1.HistoryChange;
import io.glassbox.api.v1.HistoryItemEffect;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.RecencyBucket;
import io.glassbox.api.v1.WhatIfItem;
import io.glassbox.api.v1.WhatIfResponse;
import io.glassbox.api.v1.WhyNotResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Renders the gateway's ExplainItem, WhyNot and WhatIf answers, and the explain service's
 * GetModelInsights, as text for a person at a terminal.
 */
final class InterrogationPrinter {
  /** Rows of a list printed before the rest is only counted (all are in {@code --json}). */
  static final int SHOWN = 8;

  String explainItem(String userId, ExplainItemResponse response) {
    StringBuilder out = new StringBuilder();
    heading(out, "Item " + item(response.getItem()) + " for user " + userId, response.getModelVersion());
    out.append(String.format(Locale.ROOT, "  rank #%d among %d candidates (top %d: %s), score %.3f%n",
        response.getRank(), response.getRankedCandidateCount(), response.getTopK(),
        response.getRank() <= response.getTopK() ? "in" : "out", response.getScore()));
    if (!response.getRetrieved()) {
      out.append(String.format(Locale.ROOT, "  not among the %d items retrieved for this user: Recommend does not rank "
          + "it; scored beside them without its recent sales%n", response.getRankedCandidateCount() - 1));
    }
    reasons(out, response.getReasonsList());
    // The answer lists the effects strongest first either way; split by direction, each keeps that
    // order and its own cut, so the purchases holding the item back are not hidden below the rest.
    int rank = response.getRank();
    effects(out, "  Holding it up (without the purchase it ranks lower), strongest first:\n",
        response.getEffectsList().stream().filter(e -> e.getRankWithout() > rank).toList(), rank);
    effects(out, "  Holding it back (without the purchase it ranks higher), strongest first:\n",
        response.getEffectsList().stream().filter(e -> e.getRankWithout() < rank).toList(), rank);
    effects(out, "  Leaving its rank as it is (#" + rank + " without the purchase too), largest score change first:\n",
        response.getEffectsList().stream().filter(e -> e.getRankWithout() == rank).toList(), rank);
    return out.toString();
  }

  String whyNot(String userId, WhyNotResponse response) {
    StringBuilder out = new StringBuilder();
    heading(out, "Why not " + item(response.getItem()) + " for user " + userId, response.getModelVersion());
    out.append("  ").append(response.getText()).append('\n');
    out.append(String.format(Locale.ROOT, "  rank #%d among %d candidates, score %.3f", response.getRank(),
        response.getRankedCandidateCount(), response.getScore()));
    if (response.getInTopK()) {
      out.append(String.format(Locale.ROOT, "; already in the top %d%n", response.getTopK()));
      return out.toString();
    }
    out.append(String.format(Locale.ROOT, "; %.3f below #%d (%s)%n", response.getScoreGap(), response.getTopK(),
        response.getKthItemId()));
    if (response.getHoldingBackCount() > 0) {
      out.append("  Holding it back (without the purchase it ranks higher):\n");
      effects(out, response.getHoldingBackList(), response.getRank());
    }
    Map<String, String> titles = new HashMap<>();
    response.getHoldingBackList().forEach(e -> titles.put(e.getItemId(), e.getTitle()));
    response.getSingleAdditionsList().forEach(a -> titles.put(a.getItemId(), a.getTitle()));
    // Both searches are bounded (sets of the purchases holding it back; a pool of additions):
    // "smallest found", never "smallest".
    out.append("  Smallest removal found that brings it into the top ").append(response.getTopK()).append(": ")
        .append(response.hasSmallestChange() ? change(response.getSmallestChange(), titles)
            : response.getHoldingBackCount() == 0 ? "none: no purchase holds it back"
            : "none among the purchases holding it back")
        .append('\n');
    out.append("  Smallest addition found that does: ")
        .append(response.hasSmallestAddition() ? change(response.getSmallestAddition(), titles)
            : response.getAdditionsTried() == 0 ? "none: no purchase was tried"
            : String.format(Locale.ROOT, "none of the %d tried", response.getAdditionsTried()))
        .append('\n');
    List<AdditionTrial> trials = response.getSingleAdditionsList();
    if (!trials.isEmpty()) {
      out.append("  Single purchases tried, best first:\n");
      for (AdditionTrial trial : trials.subList(0, Math.min(SHOWN, trials.size()))) {
        out.append(String.format(Locale.ROOT, "    %s  rank #%d after buying it (%s)%n",
            named(trial.getItemId(), trial.getTitle()), trial.getRankAfter(), switch (trial.getSource()) {
              case ADDITION_SOURCE_CO_PURCHASE -> "bought with it";
              case ADDITION_SOURCE_HISTORY -> "bought before, again";
              case ADDITION_SOURCE_SIMILAR_TITLE -> "similar title";
              default -> "other";
            }));
      }
      more(out, trials.size());
    }
    return out.toString();
  }

  String whatIf(String userId, List<String> removed, List<String> added, WhatIfResponse response) {
    StringBuilder out = new StringBuilder();
    // A removal takes every purchase of the item, so an id given twice is named once; an addition
    // given twice is two purchases.
    String change = (removed.isEmpty() ? "" : "had not bought " + String.join(", ", removed.stream().distinct().toList()))
        + (removed.isEmpty() || added.isEmpty() ? "" : " and ")
        + (added.isEmpty() ? "" : (removed.isEmpty() ? "had also bought " : "had bought ") + String.join(", ", added));
    heading(out, "What if user " + userId + " " + change, response.getModelVersion());
    if (!response.getSummary().isEmpty()) {
      out.append("  ").append(response.getSummary()).append('\n');
    }
    out.append(String.format(Locale.ROOT, "  new top %d among %d candidates (old rank -> new rank):%n",
        response.getTopK(), response.getRankedCandidateCount()));
    for (WhatIfItem moved : response.getRankingList()) {
      whatIfItem(out, moved);
    }
    if (response.getLeftTopKCount() > 0) {
      out.append("  Left the top ").append(response.getTopK()).append(":\n");
      response.getLeftTopKList().forEach(moved -> whatIfItem(out, moved));
    }
    return out.toString();
  }

  String insights(GetModelInsightsResponse response) {
    StringBuilder out = new StringBuilder();
    heading(out, String.format(Locale.ROOT, "Model insights over %d customers, their top %d each",
        response.getUsersSampled(), response.getTopK()), response.getModelVersion());
    out.append(String.format(Locale.ROOT, "  %d customers with a record explained, %d items; with a model reason "
        + "(purchases or trend): %.3f%n", response.getUsersExplained(), response.getItemsExplained(),
        response.getAnyModelReasonCoverage()));
    out.append(String.format(Locale.ROOT, "  citing purchases: %.3f of items; necessary %.3f, sufficient %.3f "
            + "(%d of those items in the top %d with no purchases at all too); %.2f purchases cited per reason%n",
        response.getModelReasonCoverage(), response.getNecessaryRate(), response.getSufficientRate(),
        response.getSufficientWithNoPurchases(), response.getTopK(), response.getMeanEvidenceSize()));
    out.append(String.format(Locale.ROOT, "  necessary reasons citing one purchase: %d; %d of them with other "
            + "purchases that alone take the item out too (%.2f others on average)%n",
        response.getSingleNecessaryReasons(), response.getSingleNecessaryWithOthers(),
        response.getMeanOtherNecessaryPurchases()));
    if (response.hasRecentPurchasesWindow()) {
      out.append(String.format(Locale.ROOT, "  citing recent sales (%d days): %.3f of items; necessary %.3f%n",
          response.getRecentPurchasesWindow().getSeconds() / 86_400, response.getTrendReasonCoverage(),
          response.getTrendNecessaryRate()));
    }
    if (response.getRecencyCount() > 0) {
      out.append("  Contribution by a purchase's place, latest first (mean, mean of |x|, share of citations):\n");
      for (RecencyBucket bucket : response.getRecencyList().subList(0, Math.min(SHOWN, response.getRecencyCount()))) {
        out.append(String.format(Locale.ROOT, "    %2d  %+.3f  %.3f  %5.1f%%  %s%n", bucket.getPositionFromEnd(),
            bucket.getMeanContribution(), bucket.getMeanAbsContribution(), 100 * bucket.getCitedShare(),
            "#".repeat((int) Math.round(40 * bucket.getCitedShare()))));
      }
      more(out, response.getRecencyCount());
    }
    if (response.getTopDriverItemsCount() > 0) {
      out.append("  Purchases cited most often:\n");
      response.getTopDriverItemsList().forEach(pair -> out.append(String.format(Locale.ROOT, "    %4dx  %s%n",
          pair.getCount(), item(pair.getHistoryItem()))));
    }
    if (response.getTopPairsCount() > 0) {
      out.append("  Citations most often made (purchase -> recommended item):\n");
      response.getTopPairsList().forEach(pair -> out.append(String.format(Locale.ROOT, "    %4dx  %s -> %s%n",
          pair.getCount(), item(pair.getHistoryItem()), item(pair.getRecommendedItem()))));
    }
    return out.toString();
  }

  private static void heading(StringBuilder out, String what, String modelVersion) {
    out.append(what);
    if (!modelVersion.isEmpty()) {
      out.append(" (model ").append(modelVersion).append(')');
    }
    out.append('\n');
  }

  private static String item(Item item) {
    return named(item.getItemId(), item.getTitle());
  }

  /** "TITLE [id]", or "[id]" when the catalogue has no title (its title is then the id itself). */
  private static String named(String id, String title) {
    return title == null || title.isEmpty() || title.equals(id) ? "[" + id + "]" : title + " [" + id + "]";
  }

  private static void reasons(StringBuilder out, List<Reason> reasons) {
    if (reasons.isEmpty()) {
      out.append("  No reason: no purchase and no trend moves it enough to be cited.\n");
      return;
    }
    out.append("  Reasons:\n");
    reasons.forEach(reason -> out.append("    - ").append(reason.getText()).append('\n'));
  }

  private static void effects(StringBuilder out, String heading, List<HistoryItemEffect> effects, int rank) {
    if (!effects.isEmpty()) {
      out.append(heading);
      effects(out, effects, rank);
    }
  }

  private static void effects(StringBuilder out, List<HistoryItemEffect> effects, int rank) {
    for (HistoryItemEffect effect : effects.subList(0, Math.min(SHOWN, effects.size()))) {
      out.append(String.format(Locale.ROOT, "    %s  without it: rank #%d, %s; its contribution %+.3f%n",
          named(effect.getItemId(), effect.getTitle()), effect.getRankWithout(), scoreChange(effect, rank),
          effect.getContribution()));
    }
    more(out, effects.size());
  }

  /**
   * The score change without the purchase; where its sign disagrees with the rank's move (the item
   * ranks lower though its score rose), says why: the other items' scores moved more.
   */
  private static String scoreChange(HistoryItemEffect effect, int rank) {
    String change = String.format(Locale.ROOT, "score change %+.3f", effect.getScoreChange());
    if (effect.getRankWithout() > rank && effect.getScoreChange() > 0) {
      return change + ", but others rise more";
    }
    if (effect.getRankWithout() < rank && effect.getScoreChange() < 0) {
      return change + ", but others fall more";
    }
    return change;
  }

  private static void more(StringBuilder out, int count) {
    if (count > SHOWN) {
      out.append(String.format(Locale.ROOT, "    ... %d more (--json prints all)%n", count - SHOWN));
    }
  }

  private static String change(HistoryChange change, Map<String, String> titles) {
    String named = Stream.concat(
            change.getRemoveItemIdsList().stream().map(id -> "remove " + named(id, titles.get(id))),
            change.getAddItemIdsList().stream().map(id -> "buy " + named(id, titles.get(id))))
        .collect(Collectors.joining(", "));
    return String.format(Locale.ROOT, "%s -> rank #%d, score %.3f", named, change.getRankAfter(),
        change.getScoreAfter());
  }

  private static void whatIfItem(StringBuilder out, WhatIfItem moved) {
    if (moved.getRankAfter() == 0) {
      // Added as a purchase by the what-if: no longer ranked.
      out.append(String.format(Locale.ROOT, "  %s -> bought  %s  score %.3f%n", rank(moved.getRankBefore()),
          item(moved.getItem()), moved.getScoreBefore()));
    } else {
      out.append(String.format(Locale.ROOT, "  %s -> %s  %s  score %.3f -> %.3f%n", rank(moved.getRankBefore()),
          rank(moved.getRankAfter()), item(moved.getItem()), moved.getScoreBefore(), moved.getScoreAfter()));
    }
    if (!moved.getText().isEmpty()) {
      out.append("       - ").append(moved.getText()).append('\n');
    }
  }

  private static String rank(int rank) {
    return String.format(Locale.ROOT, "%4s", "#" + rank);
  }
}
