package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
 *   <li>{@link #screenedOptions}: per item, the sets of its strongest helpers that a
 *       {@link RemovalScreen} predicts take it out of the top-k (smallest first) or drop it
 *       furthest; {@link #removalRows} scores the record without each set against every
 *       candidate, so every rank is exact;
 *   <li>{@link #choose}: the smallest set whose removal is necessary, else the set whose removal
 *       drops the item furthest; only sets that meet the {@link MinimumEffect};
 *   <li>{@link #judge}: with the record reduced to the chosen set ({@link #sufficiencyRow}),
 *       the reason's numbers: ranks, necessity, sufficiency.
 * </ol>
 *
 * <p>ExplainItem runs the same search for an item of the top-k, beside the others Recommend
 * explains, so it gets the reason Recommend gave it; an item below the top-k is searched on its
 * own ({@link #searchAlone}), from leave-one-out rows on every candidate.
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
   * Finds the evidence of {@code items} on one session (the record and every ranked candidate):
   * the leave-one-out rows on a shortlist screen which sets of window items to measure
   * ({@link #screenedOptions}); one batch measures them all exactly against every candidate,
   * removal and sufficiency (with the session's baseline, and whatever else the session has
   * pending). Returns a judgement per item, in order.
   *
   * @param window the history the model read with the full record; evidence is drawn from it
   */
  List<Judgement> search(List<String> items, List<String> window, CounterfactualScorer.Session session) {
    return search(items, window, session, session.candidates(), Optional.empty());
  }

  /**
   * As {@link #search(List, List, CounterfactualScorer.Session)}, on a session whose leave-one-out
   * rows already cover every candidate, given best first ({@code bestFirst}, which the shortlist
   * is taken from): those rows count the other purchases each necessary alone exactly (a
   * shortlist's rows count at most as many: a candidate off it can only push the item lower).
   */
  List<Judgement> searchBeside(
      List<String> items, List<String> window, CounterfactualScorer.Session session, List<String> bestFirst) {
    return search(items, window, session, bestFirst, Optional.of(session.scores()));
  }

  private List<Judgement> search(
      List<String> items, List<String> window, CounterfactualScorer.Session session, List<String> bestFirst,
      Optional<CounterfactualScores> everyCandidate) {
    CounterfactualScorer.Session shortlist = session.narrowedTo(shortlist(bestFirst, items));
    shortlist.score(leaveOneOut(window));
    session.adoptVersion(shortlist);
    List<String> distinct = List.copyOf(new LinkedHashSet<>(window));
    RemovalScreen screen = RemovalScreen.fromLeaveOneOut(distinct, shortlist.scores());
    List<List<List<String>>> own = new ArrayList<>(items.size());
    for (String item : items) {
      own.add(screenedOptions(item, screen, shortlist.scores()));
    }
    // Every row measures every item: another item's set made only of this item's helpers is a
    // candidate for it too, at no cost.
    List<List<List<String>>> options = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      Set<String> helpers = Set.copyOf(screen.helpers(items.get(i), Integer.MAX_VALUE));
      Set<List<String>> pooled = new LinkedHashSet<>(own.get(i));
      own.stream().flatMap(List::stream).filter(helpers::containsAll).forEach(pooled::add);
      options.add(List.copyOf(pooled));
    }
    return measureAndJudge(items, window, own, options, session, everyCandidate.orElse(shortlist.scores()));
  }

  /**
   * The sets worth an exact row for {@code item}, from the screen's predictions over its
   * strongest helpers: the {@value #NECESSARY_TRIES} most promising (predicted to take it out of
   * the top-k, smallest first, then furthest; else the furthest predicted drop), and the set
   * predicted to drop it furthest (the fallback when none is necessary); none when the item is
   * not ranked or nothing helps it.
   */
  List<List<String>> screenedOptions(
      String item, RemovalScreen screen, CounterfactualScores scores) {
    java.util.OptionalInt rank = scores.rank(item, Counterfactual.BASELINE);
    if (rank.isEmpty()) {
      return List.of();
    }
    List<RemovalScreen.Prediction> predictions = screen.predict(item, maxEvidence);
    if (predictions.isEmpty()) {
      return List.of();
    }
    int topK = rule.topK();
    boolean inTopK = rank.getAsInt() <= topK;
    // Predicted to take it out of the top-k first, smallest first; then furthest predicted drop.
    Comparator<RemovalScreen.Prediction> mostPromising = Comparator
        .comparing((RemovalScreen.Prediction p) -> !(inTopK && p.predictedRankWithout() > topK))
        .thenComparingInt(p -> inTopK && p.predictedRankWithout() > topK ? p.itemIds().size() : 0)
        .thenComparing(Comparator.comparingInt(RemovalScreen.Prediction::predictedRankWithout).reversed())
        .thenComparingInt(p -> p.itemIds().size());
    Set<List<String>> chosen = new LinkedHashSet<>();
    predictions.stream().sorted(mostPromising).limit(NECESSARY_TRIES).forEach(p -> chosen.add(p.itemIds()));
    predictions.stream()
        .max(Comparator.comparingInt(RemovalScreen.Prediction::predictedRankWithout)
            .thenComparing(Comparator.comparingInt((RemovalScreen.Prediction p) -> p.itemIds().size()).reversed()))
        .ifPresent(p -> chosen.add(p.itemIds()));
    return List.copyOf(chosen);
  }

  /**
   * Most promising sets measured per item, besides the furthest predicted drop. Measured on 200
   * customers: 2 added 50 % more removal rows for +0.003 coverage and +0.005 PN@10.
   */
  static final int NECESSARY_TRIES = 1;

  /**
   * Measures every option of every item exactly (one batch: the record without each set and the
   * record reduced to each set, against every candidate), chooses per item ({@link #choose},
   * among its own options and the other items' options made of its helpers only), and judges
   * the chosen sets (their sufficiency rows were in that batch).
   */
  private List<Judgement> measureAndJudge(
      List<String> items, List<String> window, List<List<List<String>>> measured,
      List<List<List<String>>> options, CounterfactualScorer.Session session, CounterfactualScores singles) {
    Set<Counterfactual> rows = new LinkedHashSet<>(List.of(Counterfactual.BASELINE));
    measured.forEach(forItem -> rows.addAll(removalRows(forItem)));
    // Each set's sufficiency row rides along with the removals: the chosen sets' rows are then
    // scored without a call of their own. They are short (the set alone), and the model service
    // runs rows of a shorter padded length as an inference of their own, so they cost little.
    measured.forEach(forItem -> forItem.forEach(set -> rows.add(sufficiencyRow(set))));
    // And the record reduced to nothing: a set is sufficient vacuously when no purchases are too.
    rows.add(Counterfactual.NO_PURCHASES);
    session.score(List.copyOf(rows));
    List<Optional<List<String>>> chosen = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      // Every option is one of the measured sets, so its sufficiency row is scored already.
      chosen.add(choose(items.get(i), options.get(i), session.scores()));
    }
    List<Judgement> judgements = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      String item = items.get(i);
      judgements.add(chosen.get(i)
          .map(e -> withOthersNecessary(judge(item, strongestFirst(item, e, singles), session.scores()),
              item, window, singles))
          .orElseGet(Judgement.NotCited::new));
    }
    return judgements;
  }

  /**
   * {@code evidence} in the order a reason names it: the purchase whose removal alone lowers the
   * item's score most first ({@code singles} holds the leave-one-out rows; a candidate's score does
   * not depend on the other candidates, so a shortlist's rows serve). A chosen set may come from
   * another item's options, in that item's order: this way the same set reads the same in
   * Recommend and ExplainItem.
   */
  static List<String> strongestFirst(String itemId, List<String> evidence, CounterfactualScores singles) {
    return evidence.stream()
        .sorted(Comparator.comparingDouble((String h) -> singles.score(itemId, Counterfactual.without(List.of(h)))
            .map(Float::doubleValue).orElse(Double.MAX_VALUE)))
        .toList();
  }

  /**
   * Among {@code options} (each measured in {@code scores}): the smallest set whose removal
   * takes the item out of the top-k (ties: the one that drops it furthest), else the set whose
   * removal drops it furthest (ties: the smaller); then the larger score drop. Only sets that
   * meet the minimum effect.
   */
  Optional<List<String>> choose(String itemId, List<List<String>> options, CounterfactualScores scores) {
    List<String> best = null;
    Measurement bestRemoval = null;
    for (List<String> option : options) {
      Optional<Measurement> removal = scores.measure(itemId, Counterfactual.without(option));
      if (removal.isEmpty() || !rule.isMetBy(removal.get())) {
        continue;
      }
      if (best == null || better(option, removal.get(), best, bestRemoval)) {
        best = option;
        bestRemoval = removal.get();
      }
    }
    return Optional.ofNullable(best);
  }

  private boolean better(List<String> option, Measurement removal, List<String> best, Measurement bestRemoval) {
    boolean necessary = rule.isNecessary(removal);
    if (necessary != rule.isNecessary(bestRemoval)) {
      return necessary;
    }
    if (necessary && option.size() != best.size()) {
      return option.size() < best.size();
    }
    if (removal.rankWithout() != bestRemoval.rankWithout()) {
      return removal.rankWithout() > bestRemoval.rankWithout();
    }
    if (option.size() != best.size()) {
      return option.size() < best.size();
    }
    return removal.scoreDrop() > bestRemoval.scoreDrop();
  }

  /**
   * The evidence of one item searched on its own, from leave-one-out rows on every candidate
   * ({@code leaveOneOut}): the prefixes of its strongest helpers ({@link #options}) measured and
   * judged on {@code session}. For an item below the shortlist, which the shortlist's screen ranks
   * too far down to tell its sets apart.
   */
  Judgement searchAlone(
      String item, List<String> window, CounterfactualScores leaveOneOut, CounterfactualScorer.Session session) {
    List<List<List<String>>> options = List.of(options(item, window, leaveOneOut));
    return measureAndJudge(List.of(item), window, options, options, session, leaveOneOut).get(0);
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
   * The reason {@code evidence} supports, from its removal row and its {@link #sufficiencyRow}
   * in {@code scores}; not cited when the removal does not meet the minimum effect.
   */
  Judgement judge(String itemId, List<String> evidence, CounterfactualScores scores) {
    Optional<Measurement> removal = scores.measure(itemId, Counterfactual.without(evidence));
    if (removal.isEmpty() || !rule.isMetBy(removal.get())) {
      return new Judgement.NotCited();
    }
    int rankOnly = scores.rank(itemId, sufficiencyRow(evidence)).orElse(0);
    int rankWithNoPurchases = scores.has(Counterfactual.NO_PURCHASES)
        ? scores.rank(itemId, Counterfactual.NO_PURCHASES).orElse(0) : 0;
    return new Judgement.Cited(evidence, removal.get(), rankOnly, rule.isNecessary(removal.get()),
        rule.isSufficient(rankOnly), rule.topK(), scores.rankedCount(), 0, false, rankWithNoPurchases);
  }

  /**
   * {@code judgement} with how many other purchases of {@code window}, each left out alone, also
   * take the item out of the top-k, when it is a necessary reason citing one purchase: said
   * beside it, since "without it, it would drop out" of an item at the edge of the top-k is true
   * of many purchases (over 200 customers of the embedded data, 402 of 602 such reasons had at
   * least one, 5.04 on average; in a sample of 20 customers every one at #10 did). Counted on the leave-one-out rows
   * ({@code singles}); when they cover fewer candidates than {@code judgement} ranks among (a
   * shortlist), the count is a lower bound, never an overcount (a candidate off the shortlist can
   * only push the item lower), and marked so: the text then says "at least". Counting exactly
   * would score those rows on every candidate: measured on 206 customers of the embedded data, 5x
   * the leave-one-out call (median 75 ms instead of 15 ms) for no count that changed (735 reasons).
   */
  Judgement withOthersNecessary(
      Judgement judgement, String itemId, List<String> window, CounterfactualScores singles) {
    if (!(judgement instanceof Judgement.Cited cited) || !cited.necessary() || cited.itemIds().size() != 1) {
      return judgement;
    }
    String evidence = cited.itemIds().get(0);
    int others = 0;
    for (String historyItem : new LinkedHashSet<>(window)) {
      if (!historyItem.equals(evidence) && singles.rank(itemId, Counterfactual.without(List.of(historyItem)))
          .orElse(0) > rule.topK()) {
        others++;
      }
    }
    return cited.withOthersNecessary(others, others > 0 && singles.rankedCount() < cited.rankedCount());
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
