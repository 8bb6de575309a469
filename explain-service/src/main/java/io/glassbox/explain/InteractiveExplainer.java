package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import com.google.inject.Inject;
import io.glassbox.api.v1.AdditionSource;
import io.glassbox.api.v1.AdditionTrial;
import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.HistoryChange;
import io.glassbox.api.v1.HistoryItemEffect;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.WhatIfItem;
import io.glassbox.api.v1.WhatIfResponse;
import io.glassbox.api.v1.WhyNotResponse;
import io.glassbox.server.Descriptions;
import io.glassbox.texts.ReasonTexts;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;

/**
 * ExplainItem, WhyNot and WhatIf: questions about one user's whole ranking, answered with fresh
 * Score calls on the user's record (older purchases slide into the model window when items are
 * left out) and ranks among every candidate.
 */
final class InteractiveExplainer {
  /** Most history items WhyNot reports as holding an item back, and searches combinations of. */
  static final int HOLDING_BACK = 5;
  /** Most changed purchases reported per item in a what-if. */
  static final int DRIVERS = 3;

  private final ModelClient model;
  private final CounterfactualScorer scorer;
  private final CatalogueClient catalogue;
  private final ExplainConfig config;

  @Inject
  InteractiveExplainer(
      ModelClient model, CounterfactualScorer scorer, CatalogueClient catalogue, ExplainConfig config) {
    this.model = requireNonNull(model, "model");
    this.scorer = requireNonNull(scorer, "scorer");
    this.catalogue = requireNonNull(catalogue, "catalogue");
    this.config = requireNonNull(config, "config");
  }

  ExplainItemResponse explainItem(InteractiveRequestReader.ItemQuestion question) {
    UserRankingQuery ranking = question.ranking();
    String itemId = question.itemId();
    Baseline baseline = baseline(ranking, itemId);
    CounterfactualScorer.Session session = baseline.session();
    CounterfactualScores scores = session.scores();
    int topK = ranking.topK(scores.scores(Counterfactual.BASELINE));
    EvidenceSearch search = new EvidenceSearch(new MinimumEffect(topK, config.minRankDrop()), ranking.maxEvidence());
    Judgement searched = baseline.window().isEmpty()
        ? new Judgement.NotCited()
        : searched(itemId, topK, baseline, search);
    Optional<TrendCheck.Cited> trend = TrendCheck.check(List.of(itemId), session, search.rule()).get(0);
    Judgement judgement = searched.citedBeside(trend);
    ToIntFunction<Map<String, Float>> placeOf = row -> SlateOrder.place(row, ranking.candidates(), itemId);
    int rank = placeOf.applyAsInt(scores.scores(Counterfactual.BASELINE));
    // Strongest first either way: a purchase holding the item back (WhyNot's) counts as much as
    // one holding it up, so neither kind is hidden behind the other.
    List<Effect> effects = effects(itemId, baseline, placeOf);
    effects.sort(Comparator.comparingInt((Effect e) -> Math.abs(e.rankWithout() - rank)).reversed()
        .thenComparing(Comparator.comparingDouble((Effect e) -> Math.abs(e.scoreChange())).reversed()));

    Set<String> ids = new LinkedHashSet<>(List.of(itemId));
    effects.forEach(e -> ids.add(e.itemId()));
    ExplainQuery.Target sources = ranking.sources().get(itemId);
    if (judgement instanceof Judgement.Cited cited) {
      ids.addAll(cited.itemIds());
    } else if (sources != null) {
      ids.addAll(sources.viaItemIds());
    }
    Map<String, Item> items = catalogue.items(ids);
    Map<String, String> titles = titlesOf(items);
    ExplainItemResponse.Builder response = ExplainItemResponse.newBuilder()
        .setItem(items.get(itemId))
        .setRank(rank)
        .setScore(scores.score(itemId, Counterfactual.BASELINE).orElseThrow())
        .setRankedCandidateCount(scores.rankedCount())
        .setTopK(topK)
        .setRetrieved(ranking.askedItemRetrieved())
        .addAllHistoryItemIds(baseline.window())
        .addAllContribution(baseline.contribution())
        .setModelVersion(session.pin().version().orElse(""));
    response.addAllReasons(Explainer.reasons(judgement, trend, sources, titles, ranking.locale()));
    effects.forEach(e -> response.addEffects(e.toProto(titles)));
    return response.build();
  }

  WhyNotResponse whyNot(InteractiveRequestReader.WhyNotQuestion whyNot) {
    UserRankingQuery ranking = whyNot.question().ranking();
    String itemId = whyNot.question().itemId();
    boolean retrieved = ranking.askedItemRetrieved();
    Baseline baseline = baseline(ranking, itemId);
    CounterfactualScorer.Session session = baseline.session();
    CounterfactualScores scores = session.scores();
    Map<String, Float> baselineScores = scores.scores(Counterfactual.BASELINE);
    int topK = ranking.topK(baselineScores);
    // Every rank WhyNot states or tests is the item's place in the order Recommend shows
    // (SlateOrder): after any candidate of its score placed first, so an item tied with the k-th
    // and shown after it is outside the top-k, and a change that leaves it tied so is no way in.
    ToIntFunction<Map<String, Float>> placeOf = row -> SlateOrder.place(row, ranking.candidates(), itemId);
    List<String> bestFirst = SlateOrder.bestFirst(baselineScores, ranking.candidates());
    int rank = bestFirst.indexOf(itemId) + 1;
    float score = baselineScores.get(itemId);

    List<Effect> holdingBack = new ArrayList<>(effects(itemId, baseline, placeOf).stream()
        .filter(e -> e.rankWithout() < rank).toList());
    holdingBack.sort(Comparator.comparingInt(Effect::rankWithout)
        .thenComparing(Comparator.comparingDouble(Effect::scoreChange).reversed()));
    holdingBack = holdingBack.subList(0, Math.min(HOLDING_BACK, holdingBack.size()));
    Optional<Change> change = rank <= topK ? Optional.empty()
        : smallestChange(itemId, holdingBack, whyNot.maxChanges(), topK, session, placeOf);
    List<AdditionSearch.Candidate> pool = rank <= topK ? List.of() : AdditionSearch.pool(itemId,
        catalogue.coPurchaseNeighbours(itemId, AdditionSearch.MAX_POOL, whyNot.minCitedOrders()),
        model.similarTitles(itemId, AdditionSearch.MAX_POOL, session.pin()),
        AdditionSearch.lifting(baseline.window(), baseline.contribution()));
    AdditionSearch.Result additions = rank <= topK ? AdditionSearch.Result.NOTHING_TRIED
        : AdditionSearch.search(itemId, pool, whyNot.maxAdditions(), topK, ranking.record(),
            ranking.candidates(), ranking.recent(), session.pin(), model);

    String kth = bestFirst.get(Math.min(topK, bestFirst.size()) - 1);

    Set<String> ids = new LinkedHashSet<>(List.of(itemId, kth));
    holdingBack.forEach(e -> ids.add(e.itemId()));
    pool.forEach(c -> ids.add(c.itemId()));
    Map<String, Item> items = catalogue.items(ids);
    Map<String, String> titles = titlesOf(items);
    Effect strongest = holdingBack.isEmpty() ? null : holdingBack.get(0);
    ReasonTexts texts = ReasonTexts.forLocale(ranking.locale());
    String text = texts.whyNot(rank, scores.rankedCount(), topK, retrieved, new ReasonTexts.RemovalSearch(
        new LinkedHashSet<>(baseline.window()).size(),
        strongest == null ? null : titles.get(strongest.itemId()),
        strongest == null ? 0 : strongest.rankWithout(),
        change.map(c -> c.removed().stream().map(titles::get).toList()).orElse(List.of()),
        change.map(Change::rank).orElse(0), whyNot.maxChanges(), holdingBack.size()));
    if (rank > topK) {
      text += texts.whyNotAddition(
          additions.smallest().map(t -> t.added().stream().map(titles::get).toList()).orElse(List.of()),
          additions.smallest().map(AdditionSearch.Trial::rank).orElse(0), topK, additions.triedBySource(pool),
          retrieved);
    }
    WhyNotResponse.Builder response = WhyNotResponse.newBuilder()
        .setItem(items.get(itemId))
        .setRank(rank)
        .setScore(score)
        .setRankedCandidateCount(scores.rankedCount())
        .setTopK(topK)
        .setInTopK(rank <= topK)
        .setRetrieved(retrieved)
        .setKthItemId(kth)
        .setScoreGap(baselineScores.get(kth) - score)
        .setText(text)
        .setLocale(ranking.locale())
        .setModelVersion(session.pin().version().orElse(""))
        .setAppliedMinCitedOrders(whyNot.minCitedOrders());
    holdingBack.forEach(e -> response.addHoldingBack(e.toProto(titles)));
    change.ifPresent(c -> response.setSmallestChange(HistoryChange.newBuilder()
        .addAllRemoveItemIds(c.removed()).setRankAfter(c.rank()).setScoreAfter(c.score())));
    additions.smallest().ifPresent(t -> response.setSmallestAddition(HistoryChange.newBuilder()
        .addAllAddItemIds(t.added()).setRankAfter(t.rank()).setScoreAfter(t.score())));
    response.setAdditionsTried(additions.tried());
    Map<String, AdditionSource> sources = new LinkedHashMap<>();
    pool.forEach(c -> sources.put(c.itemId(), c.source()));
    for (AdditionSearch.Trial single : additions.singles()) {
      String added = single.added().get(0);
      response.addSingleAdditions(AdditionTrial.newBuilder().setItemId(added).setTitle(titles.get(added))
          .setSource(sources.get(added)).setRankAfter(single.rank()).setScoreAfter(single.score()));
    }
    return response.build();
  }

  WhatIfResponse whatIf(InteractiveRequestReader.WhatIfQuestion question) {
    UserRankingQuery ranking = question.ranking();
    Set<String> removed = new LinkedHashSet<>(question.remove());
    List<String> after = afterChange(ranking.record(), removed, question.add());
    Set<String> added = new LinkedHashSet<>(question.add());
    if (added.containsAll(ranking.candidates())) {
      throw Status.INVALID_ARGUMENT
          .withDescription("every candidate is among add_item_ids: nothing is left to rank").asRuntimeException();
    }
    // Before the change every candidate is ranked, as Recommend ranks them; after it the added
    // items are purchases: like the gateway, rank only what the user has not bought.
    ModelClient.DetailedRows scored = model.scoreWithContributions(
        List.of(ranking.record(), after), ranking.candidates(), ranking.recent(), ranking.pin());
    ModelClient.DetailedRow before = scored.rows().get(0);
    ModelClient.DetailedRow changed = withoutCandidates(scored.rows().get(1), added);
    if (before.scores().isEmpty()) {
      throw knowsNoCandidate(scored.modelVersion(), ranking.candidates().size(), "", "");
    }
    for (int i = 0; i < question.add().size(); i++) {
      if (changed.skipped().contains(question.add().get(i))) {
        throw Status.NOT_FOUND.withDescription("add_item_ids[" + i + "] \""
            + Descriptions.truncate(question.add().get(i))
            + "\" is unknown to the model").asRuntimeException();
      }
    }
    if (changed.scores().isEmpty()) {
      // Before, the added items may be the only ones scored; after, they are purchases.
      throw Status.NOT_FOUND.withDescription("no candidate is known to the model but the added items")
          .asRuntimeException();
    }
    int topK = ranking.topK(before.scores());
    List<String> newTop = SlateOrder.top(changed.scores(), ranking.candidates(), topK);
    List<String> oldTop = SlateOrder.top(before.scores(), ranking.candidates(), topK);
    List<String> left = oldTop.stream().filter(id -> !newTop.contains(id)).toList();

    Set<String> ids = new LinkedHashSet<>(newTop);
    ids.addAll(left);
    ids.addAll(removed);
    ids.addAll(added);
    Map<String, Item> items = catalogue.items(ids);
    Map<String, String> titles = titlesOf(items);
    ReasonTexts texts = ReasonTexts.forLocale(ranking.locale());
    int count = changed.scores().size();
    WhatIfResponse.Builder response = WhatIfResponse.newBuilder()
        .addAllHistoryItemIds(changed.window())
        .setRankedCandidateCount(count)
        .setTopK(topK)
        .setLocale(ranking.locale())
        .setModelVersion(scored.modelVersion());
    if (changed.window().equals(before.window())) {
      // Only removals of purchases the model does not read (older than its window, or unknown to
      // it) leave the window as it was: the rows are the same, so is every score. Say why.
      Map<Boolean, List<String>> titlesByUnknown = removed.stream().collect(Collectors.partitioningBy(
          before.skipped()::contains, Collectors.mapping(titles::get, Collectors.toList())));
      response.setSummary(texts.whatIfWindowUnchanged(
          titlesByUnknown.get(false), titlesByUnknown.get(true), before.window().size()));
    }
    List<String> shown = new ArrayList<>(newTop);
    left.stream().filter(id -> !added.contains(id)).forEach(shown::add);
    Changes changes = new Changes(removed, added);
    Map<String, Map<String, Float>> undone = undoneScores(changes, ranking, shown,
        ranking.pin().orAnswered(scored.modelVersion()), changed.window().equals(before.window()),
        before.scores());
    Rescored rescored = new Rescored(ranking.candidates(), before, changed, undone);
    for (String id : newTop) {
      response.addRanking(whatIfItem(id, rescored, changes, items, titles, texts));
    }
    for (String id : left) {
      response.addLeftTopK(whatIfItem(id, rescored, changes, items, titles, texts));
    }
    return response.build();
  }

  /**
   * For each changed purchase (removed, then added), the {@code shown} items' scores on the record
   * after the change with that one change undone: what the text checks a purchase against before
   * it credits it. One more Score call (at most 2 x MAX_EDITS rows, {@code shown} items only);
   * none when the change leaves the window as it was (no score moves, so nothing is credited), nor
   * when it is the only change: undoing it gives back the record, scored already ({@code before}).
   */
  private Map<String, Map<String, Float>> undoneScores(Changes changes, UserRankingQuery ranking,
      List<String> shown, ModelVersionPin pin, boolean windowUnchanged, Map<String, Float> before) {
    if (windowUnchanged || shown.isEmpty()) {
      return Map.of();
    }
    if (changes.count() == 1) {
      return Map.of(changes.all().get(0), before);
    }
    // An id both removed and added is one change, moved to the latest purchase: undoing it puts it
    // back where it was (kept in the record, no copy bought last), as it is an addition's undo.
    List<String> undos = changes.all();
    List<List<String>> histories = new ArrayList<>();
    for (String undo : undos) {
      Set<String> stillRemoved = new HashSet<>(changes.removed());
      stillRemoved.remove(undo);
      histories.add(afterChange(ranking.record(), stillRemoved,
          changes.added().stream().filter(id -> !id.equals(undo)).toList()));
    }
    List<Map<String, Float>> rows = model.scoreSlate(histories, shown, ranking.recent(), pin).rows();
    Map<String, Map<String, Float>> undone = new LinkedHashMap<>();
    for (int i = 0; i < undos.size(); i++) {
      undone.put(undos.get(i), rows.get(i));
    }
    return undone;
  }

  /** {@code record} without {@code removed}, then {@code add} bought last. */
  private static List<String> afterChange(List<String> record, Set<String> removed, List<String> add) {
    List<String> after = new ArrayList<>(record.stream().filter(id -> !removed.contains(id)).toList());
    after.addAll(add);
    return after;
  }

  /** {@code row} with {@code ids} no longer among its candidates (their scores and contributions). */
  private static ModelClient.DetailedRow withoutCandidates(ModelClient.DetailedRow row, Set<String> ids) {
    Map<String, Float> scores = new HashMap<>(row.scores());
    scores.keySet().removeAll(ids);
    // Contributions are looked up only for items still ranked (whatIfItem returns first for added ones).
    return new ModelClient.DetailedRow(row.window(), scores, row.contributions(), row.skipped());
  }

  /** One item's move; its ranks are places in the order Recommend shows (SlateOrder), as its list is. */
  private static WhatIfItem whatIfItem(String id, Rescored rescored, Changes changes, Map<String, Item> items,
      Map<String, String> titles, ReasonTexts texts) {
    List<String> candidates = rescored.candidates();
    ModelClient.DetailedRow before = rescored.before();
    ModelClient.DetailedRow after = rescored.after();
    Set<String> added = changes.added();
    int rankBefore = SlateOrder.place(before.scores(), candidates, id);
    if (added.contains(id)) {
      // Of the old top-k, bought by the change: no longer ranked (rank and score after are 0).
      return WhatIfItem.newBuilder().setItem(items.get(id)).setRankBefore(rankBefore)
          .setScoreBefore(before.scores().get(id)).setText(texts.whatIfNowBought(rankBefore)).build();
    }
    int rankAfter = SlateOrder.place(after.scores(), candidates, id);
    float scoreBefore = before.scores().get(id);
    float scoreAfter = after.scores().get(id);
    // The text credits a changed purchase only when undoing that change alone moves the score
    // back the way it moved, re-scored (undone); of those, the one whose undo moves it most, and
    // states the score that undo gave, unless it was the only change (undoing it gives back the
    // record as it was, so the score before). When none does (the changes act together), it says
    // so and names none.
    ReasonTexts.Credit credit = null;
    String credited = null;
    float scoreChange = 0;
    if (!rescored.undone().isEmpty() && scoreAfter != scoreBefore) {
      Float creditedUndone = null;
      float largest = 0;
      for (Map.Entry<String, Map<String, Float>> change : rescored.undone().entrySet()) {
        Float withoutIt = change.getValue().get(id);
        // What the change did to the score, as undoing it shows.
        float effect = withoutIt == null ? 0 : scoreAfter - withoutIt;
        if (effect != 0 && effect > 0 == scoreAfter > scoreBefore && Math.abs(effect) > largest) {
          largest = Math.abs(effect);
          credited = change.getKey();
          creditedUndone = withoutIt;
        }
      }
      if (credited == null) {
        credit = ReasonTexts.Credit.none(changes.count());
      } else {
        // An id both removed and added is in the record after the change as its latest purchase.
        boolean isAdded = added.contains(credited);
        float effect = scoreAfter - creditedUndone;
        // HistoryItemEffect.score_change: the score without the purchase minus with it.
        scoreChange = isAdded ? -effect : effect;
        ReasonTexts.Driver driver = ReasonTexts.Driver.ofScoreChange(isAdded, scoreChange);
        credit = new ReasonTexts.Credit(driver, titles.get(credited),
            driver.changedOfItsKind(added.size(), changes.removedOnly().size()), changes.moved(credited),
            changes.count() == 1 ? null : creditedUndone);
      }
    }
    // Attributions: each changed purchase's additive share of the score (before for a removed
    // one, after for an added one). The text does not rest on them: the model is not additive.
    // A purchase both removed and added is one change, listed once: as an added one, by its share
    // as the latest purchase. The credited one is listed too, with its re-scored score change.
    Map<String, Float> shares = new LinkedHashMap<>();
    for (String change : changes.all()) {
      ModelClient.DetailedRow row = added.contains(change) ? after : before;
      shares.put(change, contributionOf(change, row.window(), row.contributions().get(id)));
    }
    List<HistoryItemEffect> drivers = new ArrayList<>();
    for (Map.Entry<String, Float> share : shares.entrySet()) {
      boolean isCredited = share.getKey().equals(credited);
      if (share.getValue() != 0 || isCredited) {
        drivers.add(HistoryItemEffect.newBuilder().setItemId(share.getKey()).setTitle(titles.get(share.getKey()))
            .setContribution(share.getValue()).setScoreChange(isCredited ? scoreChange : 0).build());
      }
    }
    drivers.sort(Comparator.comparingDouble((HistoryItemEffect e) -> Math.abs(e.getContribution())).reversed());
    List<HistoryItemEffect> listed = new ArrayList<>(drivers.subList(0, Math.min(DRIVERS, drivers.size())));
    // Below the largest shares, the credited one takes the last place: it is always listed.
    for (int i = DRIVERS; i < drivers.size(); i++) {
      if (drivers.get(i).getItemId().equals(credited)) {
        listed.set(DRIVERS - 1, drivers.get(i));
        break;
      }
    }
    return WhatIfItem.newBuilder()
        .setItem(items.get(id))
        .setRankBefore(rankBefore)
        .setRankAfter(rankAfter)
        .setScoreBefore(scoreBefore)
        .setScoreAfter(scoreAfter)
        .addAllDrivers(listed)
        .setText(texts.whatIfMove(rankBefore, rankAfter, after.scores().size(), scoreBefore, scoreAfter, credit))
        .build();
  }

  /**
   * A what-if's changed purchases, one change each: those it removes and does not add back as the
   * latest ({@code removedOnly()}), then those it adds. An id both removed and added is one change,
   * moved to the latest purchase.
   */
  private record Changes(Set<String> removed, Set<String> added) {
    List<String> removedOnly() {
      return removed.stream().filter(id -> !added.contains(id)).toList();
    }

    /** Every change: the removed-only ones, then the added ones. */
    List<String> all() {
      List<String> all = new ArrayList<>(removedOnly());
      all.addAll(added);
      return all;
    }

    int count() {
      return all().size();
    }

    /** Whether {@code id} is both removed and added: moved to the latest purchase. */
    boolean moved(String id) {
      return added.contains(id) && removed.contains(id);
    }
  }

  /**
   * A what-if's scores: {@code before} and {@code after} the change, and in {@code undone}, by
   * changed purchase, the shown items' scores with that one change undone.
   */
  private record Rescored(List<String> candidates, ModelClient.DetailedRow before, ModelClient.DetailedRow after,
      Map<String, Map<String, Float>> undone) {}

  /** An item's summed contribution over its positions in {@code window}; 0 when absent. */
  private static float contributionOf(String historyItem, List<String> window, List<Float> contribution) {
    float sum = 0;
    if (contribution == null) {
      return sum;
    }
    for (int i = 0; i < window.size() && i < contribution.size(); i++) {
      if (window.get(i).equals(historyItem)) {
        sum += contribution.get(i);
      }
    }
    return sum;
  }

  /**
   * The smallest set of {@code holdingBack} items (size 1..{@code maxChanges}) whose removal
   * brings the item into the top-k; among sets of that size, the one that ranks it best.
   */
  private static Optional<Change> smallestChange(String itemId, List<Effect> holdingBack, int maxChanges, int topK,
      CounterfactualScorer.Session session, ToIntFunction<Map<String, Float>> placeOf) {
    List<String> pool = holdingBack.stream().map(Effect::itemId).toList();
    for (int size = 1; size <= Math.min(maxChanges, pool.size()); size++) {
      List<List<String>> sets = combinations(pool, size);
      session.score(sets.stream().map(Counterfactual::without).toList());
      Change best = null;
      for (List<String> set : sets) {
        Counterfactual edit = Counterfactual.without(set);
        Optional<Float> score = session.scores().score(itemId, edit);
        int rank = score.isPresent() ? placeOf.applyAsInt(session.scores().scores(edit)) : Integer.MAX_VALUE;
        if (rank <= topK && (best == null || rank < best.rank())) {
          best = new Change(set, rank, score.get());
        }
      }
      if (best != null) {
        return Optional.of(best);
      }
    }
    return Optional.empty();
  }

  private static List<List<String>> combinations(List<String> pool, int size) {
    List<List<String>> out = new ArrayList<>();
    combine(pool, size, 0, new ArrayList<>(), out);
    return out;
  }

  private static void combine(List<String> pool, int size, int from, List<String> current, List<List<String>> out) {
    if (current.size() == size) {
      out.add(List.copyOf(current));
      return;
    }
    for (int i = from; i < pool.size(); i++) {
      current.add(pool.get(i));
      combine(pool, size, i + 1, current, out);
      current.remove(current.size() - 1);
    }
  }

  /** Scores the record for the item (with its contributions), then the leave-one-out rows. */
  private Baseline baseline(UserRankingQuery ranking, String itemId) {
    ModelClient.DetailedRows first = model.scoreWithContributions(
        List.of(ranking.record()), List.of(itemId), ranking.recent(), ranking.pin());
    ModelClient.DetailedRow row = first.rows().get(0);
    ModelVersionPin pin = ranking.pin().orAnswered(first.modelVersion());
    if (!row.scores().containsKey(itemId)) {
      String unknown = "item_id \"" + Descriptions.truncate(itemId) + "\" is unknown to the model";
      List<String> others = ranking.candidates().stream().filter(id -> !id.equals(itemId)).toList();
      if (knowsNone(ranking, others, pin)) {
        // Not this item alone but every one, as when a shop's own data is served before a model is trained on it.
        throw knowsNoCandidate(first.modelVersion(), others.size(), unknown + ", and ", "other ");
      }
      throw Status.NOT_FOUND.withDescription(unknown + " (version " + first.modelVersion()
          + " was trained without it): it has no model score to explain").asRuntimeException();
    }
    CounterfactualScorer.Session session =
        scorer.session(ranking.record(), ranking.candidates(), ranking.recent(), pin);
    session.score(EvidenceSearch.leaveOneOut(row.window()));
    List<Float> contribution = row.contributions().getOrDefault(itemId, List.of());
    return new Baseline(row.window(), contribution, session);
  }

  /**
   * Whether the {@code pin}ned model version knows none of {@code candidates} (false when there are
   * none). A second look, on the error path only, so best effort: when it fails the answer says no more.
   */
  private boolean knowsNone(UserRankingQuery ranking, List<String> candidates, ModelVersionPin pin) {
    if (candidates.isEmpty()) {
      return false;
    }
    try {
      return model.scoreSlate(List.of(ranking.record()), candidates, ranking.recent(), pin)
          .rows().get(0).isEmpty();
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  /**
   * NOT_FOUND: the model knows none of the user's {@code count} candidates ({@code lead} goes first;
   * {@code other} is "other " when they are the candidates beside the asked item, else empty).
   */
  private static StatusRuntimeException knowsNoCandidate(String modelVersion, int count, String lead, String other) {
    String model = lead + "the model (version " + modelVersion + ")";
    return Status.NOT_FOUND.withDescription(count == 1
        ? model + " does not know the 1 " + other + "candidate (it was not trained on it: another shop's data, or an"
            + " item imported since?); a model trained on this data (bin/glassbox train) ranks it"
        : model + " knows none of the " + count + " " + other + "candidates (it was not trained on them: another"
            + " shop's data, or items imported since?); a model trained on this data (bin/glassbox train) ranks them")
        .asRuntimeException();
  }

  /**
   * The item's evidence. An item of the top-k is searched as Recommend searches it: beside the
   * rest of the top-k (Recommend's targets), on the candidates best first (Recommend's slate), so
   * it gets the reason Recommend gave it (searched alone it was cited other purchases than
   * Recommend cited). An item below the top-k, which Recommend does not explain, is searched on
   * its own from the leave-one-out rows on every candidate: the shortlist's screen ranks an item
   * below it too far down to tell its sets apart. The other purchases necessary alone are counted
   * on those rows, exactly, where Recommend's shortlist counts at most as many.
   */
  private static Judgement searched(String itemId, int topK, Baseline baseline, EvidenceSearch search) {
    CounterfactualScorer.Session session = baseline.session();
    List<String> bestFirst = SlateOrder.bestFirst(session.scores().scores(Counterfactual.BASELINE), session.candidates());
    List<String> targets = SlateOrder.top(bestFirst, topK);
    if (!targets.contains(itemId)) {
      return search.searchAlone(itemId, baseline.window(), session.scores(), session);
    }
    // The session's leave-one-out rows cover every candidate: the shortlist's are taken from them.
    return search.searchBeside(targets, baseline.window(), session, bestFirst).get(targets.indexOf(itemId));
  }

  /**
   * The effect of removing each distinct window item, from the leave-one-out rows: the item's place
   * without it ({@code placeOf} a row of scores) and its score change.
   */
  private static List<Effect> effects(String itemId, Baseline baseline, ToIntFunction<Map<String, Float>> placeOf) {
    CounterfactualScores scores = baseline.session().scores();
    float score = scores.score(itemId, Counterfactual.BASELINE).orElseThrow();
    List<Effect> effects = new ArrayList<>();
    for (String historyItem : new LinkedHashSet<>(baseline.window())) {
      Counterfactual without = Counterfactual.without(List.of(historyItem));
      scores.score(itemId, without).ifPresent(scoreWithout -> effects.add(
          new Effect(historyItem, placeOf.applyAsInt(scores.scores(without)), scoreWithout - score,
              contributionOf(historyItem, baseline.window(), baseline.contribution()))));
    }
    return effects;
  }

  private static Map<String, String> titlesOf(Map<String, Item> items) {
    Map<String, String> titles = new LinkedHashMap<>();
    items.forEach((id, item) -> titles.put(id, item.getTitle()));
    return titles;
  }

  /** The record's window, the item's contributions over it, and the session holding the rows. */
  private record Baseline(List<String> window, List<Float> contribution, CounterfactualScorer.Session session) {}

  /** Removing one history item: the item's rank and score change without it, its contribution. */
  private record Effect(String itemId, int rankWithout, float scoreChange, float contribution) {
    HistoryItemEffect toProto(Map<String, String> titles) {
      return HistoryItemEffect.newBuilder().setItemId(itemId).setTitle(titles.getOrDefault(itemId, itemId))
          .setRankWithout(rankWithout).setScoreChange(scoreChange).setContribution(contribution).build();
    }
  }

  /** A set of history items left out, and the item's rank and score without them. */
  private record Change(List<String> removed, int rank, float score) {}
}
