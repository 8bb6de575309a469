package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the history evidence to cite for an item. The rounds are shared by all items of a
 * request:
 *
 * <ol>
 *   <li>{@link #leaveOneOut}: the full record and the record without each distinct item of the
 *       model window (one row each, whatever the number of items explained), scored against a
 *       shortlist (the items explained and the best-ranked candidates): cheap, and only used to
 *       pick what to verify;
 *   <li>{@link #options}: per item, the window items whose removal alone lowers its score,
 *       strongest first (furthest rank drop, then largest score drop), at most
 *       {@code maxEvidence}; the candidate sets are their prefixes (just the strongest one when
 *       its removal alone already takes the item out of the top-k). {@link #removalRows} scores
 *       the record without each set against every candidate, so every rank is exact;
 *   <li>{@link #chooseEvidence}: the smallest set whose removal is necessary, else the set whose
 *       removal drops the item furthest (ties: the smaller set); only sets that meet the
 *       {@link MinimumEffect};
 *   <li>{@link #judge}: with the record reduced to the chosen set ({@link #sufficiencyRow}),
 *       the reason's numbers: ranks, necessity, sufficiency.
 * </ol>
 */
final class EvidenceSearch {
  private final MinimumEffect rule;
  private final int maxEvidence;

  EvidenceSearch(MinimumEffect rule, int maxEvidence) {
    this.rule = requireNonNull(rule, "rule");
    if (maxEvidence < 1) {
      throw new IllegalArgumentException("maxEvidence must be >= 1, got " + maxEvidence);
    }
    this.maxEvidence = maxEvidence;
  }

  MinimumEffect rule() {
    return rule;
  }

  /** Shortlist size for the leave-one-out round: at least this many best-ranked candidates. */
  static final int SHORTLIST = 50;

  /**
   * Runs every round for {@code items} on one session (record and every ranked candidate,
   * {@code session}'s candidates best first) and returns a judgement per item, in order.
   */
  List<Judgement> search(List<String> items, List<String> window, CounterfactualScorer.Session session) {
    CounterfactualScorer.Session shortlist = session.narrowedTo(shortlist(session.candidates(), items));
    shortlist.score(leaveOneOut(window));
    session.adoptVersion(shortlist);
    return verify(items, window, shortlist.scores(), session);
  }

  /**
   * The rounds after the leave-one-out one: {@code leaveOneOut} holds its rows (on a shortlist
   * or on every candidate); the rows that back the reasons are scored on {@code session}.
   */
  List<Judgement> verify(
      List<String> items, List<String> window, CounterfactualScores leaveOneOut,
      CounterfactualScorer.Session session) {
    List<List<List<String>>> options = new ArrayList<>(items.size());
    Set<Counterfactual> removals = new LinkedHashSet<>(List.of(Counterfactual.BASELINE));
    for (String item : items) {
      List<List<String>> forItem = options(item, window, leaveOneOut);
      options.add(forItem);
      removals.addAll(removalRows(forItem));
    }
    session.score(List.copyOf(removals));
    List<Optional<List<String>>> chosen = new ArrayList<>(items.size());
    Set<Counterfactual> sufficiency = new LinkedHashSet<>();
    for (int i = 0; i < items.size(); i++) {
      Optional<List<String>> evidence = chooseEvidence(items.get(i), options.get(i), session.scores());
      chosen.add(evidence);
      evidence.ifPresent(e -> sufficiency.add(sufficiencyRow(e)));
    }
    session.score(List.copyOf(sufficiency));
    List<Judgement> judgements = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      String item = items.get(i);
      judgements.add(chosen.get(i)
          .map(e -> judge(item, e, session.scores()))
          .orElseGet(Judgement.NotCited::new));
    }
    return judgements;
  }

  /** The best {@link #SHORTLIST} (at least 3 x the items) candidates and the items themselves. */
  private static List<String> shortlist(List<String> candidates, List<String> items) {
    Set<String> shortlist = new LinkedHashSet<>(
        candidates.subList(0, Math.min(candidates.size(), Math.max(SHORTLIST, 3 * items.size()))));
    shortlist.addAll(items);
    return List.copyOf(shortlist);
  }

  /** The baseline, then the record without each distinct item of {@code window}. */
  static List<Counterfactual> leaveOneOut(List<String> window) {
    List<Counterfactual> rows = new ArrayList<>();
    rows.add(Counterfactual.BASELINE);
    for (String item : new LinkedHashSet<>(window)) {
      rows.add(Counterfactual.without(List.of(item)));
    }
    return rows;
  }

  /** The window items whose removal alone lowers the item's score, strongest first. */
  static List<Effect> helpers(String itemId, List<String> window, CounterfactualScores scores) {
    List<Effect> helpers = new ArrayList<>();
    for (String historyItem : new LinkedHashSet<>(window)) {
      scores.measure(itemId, Counterfactual.without(List.of(historyItem)))
          .filter(m -> m.scoreDrop() > 0)
          .ifPresent(m -> helpers.add(new Effect(historyItem, m)));
    }
    helpers.sort(Effect.STRONGEST_FIRST);
    return helpers;
  }

  /** Candidate evidence sets for the item, smallest first; empty when nothing helps it. */
  List<List<String>> options(String itemId, List<String> window, CounterfactualScores scores) {
    List<Effect> helpers = helpers(itemId, window, scores);
    if (helpers.isEmpty()) {
      return List.of();
    }
    if (rule.isNecessary(helpers.get(0).removal())) {
      return List.of(List.of(helpers.get(0).itemId()));
    }
    return prefixes(helpers.stream().map(Effect::itemId).toList());
  }

  /** The first 1, 2, ... {@code maxEvidence} items of {@code ordered}. */
  List<List<String>> prefixes(List<String> ordered) {
    List<List<String>> options = new ArrayList<>();
    List<String> prefix = new ArrayList<>();
    for (String item : ordered.subList(0, Math.min(maxEvidence, ordered.size()))) {
      prefix.add(item);
      options.add(List.copyOf(prefix));
    }
    return options;
  }

  /** The rows that measure removing each of {@code options} from the record, exactly. */
  static List<Counterfactual> removalRows(List<List<String>> options) {
    return options.stream().map(Counterfactual::without).toList();
  }

  /** The row that measures whether {@code evidence} alone keeps the item in the top-k. */
  static Counterfactual sufficiencyRow(List<String> evidence) {
    return Counterfactual.only(evidence);
  }

  /**
   * The set to cite among {@code options} (their {@link #removalRows} in {@code scores}): the
   * smallest whose removal is necessary, else the one whose removal drops the item furthest;
   * empty when none meets the minimum effect.
   */
  Optional<List<String>> chooseEvidence(String itemId, List<List<String>> options, CounterfactualScores scores) {
    List<String> best = null;
    int bestRankWithout = 0;
    for (List<String> option : options) {
      Optional<Measurement> removal = scores.measure(itemId, Counterfactual.without(option));
      if (removal.isEmpty() || !rule.isMetBy(removal.get())) {
        continue;
      }
      if (rule.isNecessary(removal.get())) {
        return Optional.of(option);
      }
      if (best == null || removal.get().rankWithout() > bestRankWithout) {
        best = option;
        bestRankWithout = removal.get().rankWithout();
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * The reason {@code evidence} supports, from its removal row and its {@link #sufficiencyRow}
   * in {@code scores}; not cited when the removal does not meet the minimum effect.
   */
  Judgement judge(String itemId, List<String> evidence, CounterfactualScores scores) {
    Optional<Measurement> removal = scores.measure(itemId, Counterfactual.without(evidence));
    if (removal.isEmpty() || !rule.isMetBy(removal.get())) {
      return new Judgement.NotCited();
    }
    int rankOnly = scores.rank(itemId, sufficiencyRow(evidence)).orElse(0);
    return new Judgement.Cited(evidence, removal.get(), rankOnly, rule.isNecessary(removal.get()),
        rule.isSufficient(rankOnly), rule.topK(), scores.rankedCount());
  }

  /**
   * What removing one history item did to an item.
   *
   * @param itemId the removed history item
   * @param removal the item's rank and score with and without it
   */
  record Effect(String itemId, Measurement removal) {
    static final Comparator<Effect> STRONGEST_FIRST = Comparator
        .comparingInt((Effect e) -> e.removal().rankWithout()).reversed()
        .thenComparing(Comparator.comparingDouble((Effect e) -> e.removal().scoreDrop()).reversed());
  }
}
