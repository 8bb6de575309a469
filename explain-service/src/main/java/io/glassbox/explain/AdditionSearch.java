package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import io.glassbox.api.v1.AdditionSource;
import io.glassbox.texts.ReasonTexts;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * WhyNot's addition search: the smallest addition to the user's record (one purchase, else two)
 * that brings an item into the top-k. Additions are not enumerable, so the search tries a small,
 * stated pool: the item's co-purchase neighbours (the shop's own "bought together" statistics),
 * the items whose titles the model's title similarity term finds most alike its own
 * and the window purchases that add most to its score (bought again, they become the most recent
 * purchase). Every trial is measured exactly, as serving would score it: the record with the
 * purchase appended (the model re-reads its window, the oldest item sliding out), against the
 * caller's candidates less the added items (a bought item is not recommended), every candidate
 * with the caller's recent purchases. Singles are one batched Score call; pairs of the strongest
 * singles, when needed, one more.
 */
final class AdditionSearch {
  /** Most single items tried. */
  static final int MAX_POOL = 20;
  /** Co-purchase neighbours that come first in the pool. */
  static final int CO_PURCHASE_FIRST = 8;
  /** Items with similar titles that come next. */
  static final int SIMILAR_TITLES_FIRST = 6;
  /** Most window purchases in the pool. */
  static final int HISTORY_ITEMS = 6;
  /** Pairs are formed from this many of the best singles: at most 10 pairs. */
  static final int PAIR_SEEDS = 5;

  private AdditionSearch() {}

  /** An item of the pool and where it came from. */
  record Candidate(String itemId, AdditionSource source) {
    Candidate {
      requireNonNull(itemId, "itemId");
      requireNonNull(source, "source");
    }
  }

  /**
   * One tried addition.
   *
   * @param added the items added, in purchase order (the last is the most recent)
   * @param rank the item's 1-based place after it ({@link SlateOrder#place}), among the candidates other than the added ones
   * @param score the item's score after it
   */
  record Trial(List<String> added, int rank, float score) {
    Trial {
      added = List.copyOf(added);
    }
  }

  /**
   * What the search found.
   *
   * @param smallest the smallest addition that brings the item into the top-k, if any
   * @param singles every single item tried, best rank first
   * @param tried how many additions were scored (singles and pairs)
   * @param pairedBest how many of the best singles were tried two at a time (0: no pairs)
   */
  record Result(Optional<Trial> smallest, List<Trial> singles, int tried, int pairedBest) {
    static final Result NOTHING_TRIED = new Result(Optional.empty(), List.of(), 0, 0);

    Result {
      requireNonNull(smallest, "smallest");
      singles = List.copyOf(singles);
    }

    /** What was tried, the singles counted by their source in {@code pool}: what the text says. */
    ReasonTexts.AdditionsTried triedBySource(List<Candidate> pool) {
      Map<String, AdditionSource> sourceOf = new HashMap<>();
      pool.forEach(c -> sourceOf.put(c.itemId(), c.source()));
      Map<AdditionSource, Integer> counts = new EnumMap<>(AdditionSource.class);
      singles.forEach(t -> counts.merge(sourceOf.get(t.added().get(0)), 1, Integer::sum));
      return new ReasonTexts.AdditionsTried(counts.getOrDefault(AdditionSource.ADDITION_SOURCE_CO_PURCHASE, 0),
          counts.getOrDefault(AdditionSource.ADDITION_SOURCE_SIMILAR_TITLE, 0),
          counts.getOrDefault(AdditionSource.ADDITION_SOURCE_HISTORY, 0), pairedBest);
    }
  }

  /** Best first: lower rank, then higher score, then by ids (a stable answer). */
  private static final Comparator<Trial> BEST_FIRST = Comparator.comparingInt(Trial::rank)
      .thenComparing(Comparator.comparingDouble(Trial::score).reversed())
      .thenComparing(t -> String.join("\u0000", t.added()));

  /**
   * The pool, at most {@value #MAX_POOL} distinct items, never {@code itemId}: up to
   * {@value #CO_PURCHASE_FIRST} of {@code coPurchase} (strongest first), then up to
   * {@value #SIMILAR_TITLES_FIRST} of {@code similarTitles} (highest cosine first), then up to
   * {@value #HISTORY_ITEMS} of {@code lifting} (largest contribution first), then the remaining
   * neighbours, then the remaining similar titles. An item found several ways counts as a
   * co-purchase neighbour if it is one, else as a similar title.
   */
  static List<Candidate> pool(String itemId, List<String> coPurchase, List<String> similarTitles,
                              List<String> lifting) {
    List<String> neighbours = coPurchase.stream().filter(id -> !id.equals(itemId)).distinct().toList();
    List<String> titles = similarTitles.stream().filter(id -> !id.equals(itemId)).distinct().toList();
    Map<String, Candidate> pool = new LinkedHashMap<>();
    Function<String, AdditionSource> source = id -> neighbours.contains(id) ? AdditionSource.ADDITION_SOURCE_CO_PURCHASE
        : titles.contains(id) ? AdditionSource.ADDITION_SOURCE_SIMILAR_TITLE : AdditionSource.ADDITION_SOURCE_HISTORY;
    take(pool, itemId, neighbours, CO_PURCHASE_FIRST, source);
    take(pool, itemId, titles, SIMILAR_TITLES_FIRST, source);
    take(pool, itemId, lifting, HISTORY_ITEMS, source);
    take(pool, itemId, neighbours, MAX_POOL, source);
    take(pool, itemId, titles, MAX_POOL, source);
    return List.copyOf(pool.values());
  }

  /** Adds up to {@code most} of {@code ids} not yet in the pool (never {@code itemId}), while it has room. */
  private static void take(Map<String, Candidate> pool, String itemId, List<String> ids, int most,
                           Function<String, AdditionSource> source) {
    int added = 0;
    for (String id : ids) {
      if (added == most || pool.size() == MAX_POOL) {
        return;
      }
      if (!id.equals(itemId) && !pool.containsKey(id)) {
        pool.put(id, new Candidate(id, source.apply(id)));
        added++;
      }
    }
  }

  /**
   * Distinct window items with a positive summed contribution to the item's score, largest first
   * ({@code contribution} aligned with {@code window}).
   */
  static List<String> lifting(List<String> window, List<Float> contribution) {
    Map<String, Double> sums = new LinkedHashMap<>();
    for (int i = 0; i < window.size() && i < contribution.size(); i++) {
      sums.merge(window.get(i), (double) contribution.get(i), Double::sum);
    }
    return sums.entrySet().stream().filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .map(Map.Entry::getKey).toList();
  }

  /**
   * Tries every pool item as one added purchase, then (when none brings {@code itemId} into the
   * top {@code topK} and {@code maxAdditions} is 2) the pairs of the {@value #PAIR_SEEDS} best
   * singles, the stronger added last. Pool items the model does not know are left out.
   */
  static Result search(
      String itemId, List<Candidate> pool, int maxAdditions, int topK, List<String> record,
      List<String> candidates, RecentPurchases recent, ModelVersionPin pin, ModelClient model) {
    if (pool.isEmpty() || maxAdditions < 1) {
      return Result.NOTHING_TRIED;
    }
    List<List<String>> singles = pool.stream().map(c -> List.of(c.itemId())).toList();
    List<Trial> singleTrials = score(itemId, singles, record, candidates, recent, pin, model);
    singleTrials.sort(BEST_FIRST);
    int tried = singleTrials.size();
    int pairedBest = 0;
    Optional<Trial> smallest = singleTrials.stream().filter(t -> t.rank() <= topK).findFirst();
    if (smallest.isEmpty() && maxAdditions >= 2 && singleTrials.size() >= 2) {
      List<Trial> seeds = singleTrials.subList(0, Math.min(PAIR_SEEDS, singleTrials.size()));
      pairedBest = seeds.size();
      List<List<String>> pairs = new ArrayList<>();
      for (int stronger = 0; stronger < seeds.size(); stronger++) {
        for (int weaker = stronger + 1; weaker < seeds.size(); weaker++) {
          pairs.add(List.of(seeds.get(weaker).added().get(0), seeds.get(stronger).added().get(0)));
        }
      }
      List<Trial> pairTrials = score(itemId, pairs, record, candidates, recent, pin, model);
      tried += pairTrials.size();
      smallest = pairTrials.stream().filter(t -> t.rank() <= topK).min(BEST_FIRST);
    }
    return new Result(smallest, singleTrials, tried, pairedBest);
  }

  /**
   * Scores the record with each addition appended, in one batch; an addition whose items the
   * model does not all read (unknown to it) is dropped.
   */
  private static List<Trial> score(
      String itemId, List<List<String>> additions, List<String> record, List<String> candidates,
      RecentPurchases recent, ModelVersionPin pin, ModelClient model) {
    List<List<String>> histories = new ArrayList<>(additions.size());
    for (List<String> added : additions) {
      List<String> history = new ArrayList<>(record.size() + added.size());
      history.addAll(record);
      history.addAll(added);
      histories.add(history);
    }
    ModelClient.ScoredRows scored = model.scoreSlate(histories, candidates, recent, pin);
    List<Trial> trials = new ArrayList<>();
    for (int i = 0; i < additions.size(); i++) {
      List<String> added = additions.get(i);
      List<String> window = scored.windows().get(i);
      if (window.size() < added.size() || !window.subList(window.size() - added.size(), window.size()).equals(added)) {
        continue;
      }
      Map<String, Float> scores = new HashMap<>(scored.rows().get(i));
      added.forEach(scores::remove);
      Float score = scores.get(itemId);
      if (score != null) {
        // Its place, as WhyNot counts it: tied with the k-th and placed after it is still outside.
        trials.add(new Trial(added, SlateOrder.place(scores, candidates, itemId), score));
      }
    }
    return trials;
  }
}
