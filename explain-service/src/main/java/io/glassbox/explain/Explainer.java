package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import com.google.inject.Inject;
import io.glassbox.api.v1.ExplainResponse;
import io.glassbox.api.v1.ItemExplanation;
import io.glassbox.api.v1.Reason;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Explains targets with history evidence that holds up counterfactually on the user's record
 * (see {@link EvidenceSearch}: at most two batched Score calls shared by all targets), else
 * with their retrieval sources; a trend reason where the model's trend term alone meets the
 * minimum effect (see {@link TrendCheck}: one more batched call). Then one title lookup.
 */
final class Explainer {
  private static final Logger log = LoggerFactory.getLogger(Explainer.class);

  private final CounterfactualScorer scorer;
  private final CatalogueClient catalogue;
  private final ExplainConfig config;

  @Inject
  Explainer(CounterfactualScorer scorer, CatalogueClient catalogue, ExplainConfig config) {
    this.scorer = requireNonNull(scorer, "scorer");
    this.catalogue = requireNonNull(catalogue, "catalogue");
    this.config = requireNonNull(config, "config");
  }

  ExplainResponse explain(ExplainQuery query) {
    List<ExplainQuery.Target> targets = query.targets();
    List<String> targetIds = targets.stream().map(ExplainQuery.Target::itemId).toList();
    // Titles a reason may show (the window's items, co-purchase via items), looked up while the
    // model works; looked up again only when a reason needs another.
    CatalogueClient.Prefetch prefetch = catalogue.prefetch(titlesPossiblyNeeded(query));
    try {
      return explain(query, targets, targetIds, prefetch);
    } catch (RuntimeException e) {
      prefetch.cancel();
      throw e;
    }
  }

  private ExplainResponse explain(
      ExplainQuery query, List<ExplainQuery.Target> targets, List<String> targetIds,
      CatalogueClient.Prefetch prefetch) {
    EvidenceSearch search = new EvidenceSearch(
        new MinimumEffect(query.topK(), config.minRankDrop()), query.maxEvidenceItems());
    CounterfactualScorer.Session session =
        scorer.session(query.record(), query.slate(), query.recent(), query.pin());
    // The trendless row the trend check reads, when a target was bought lately, goes with the
    // evidence search's removal rows: no call of its own.
    if (targetIds.stream().anyMatch(id -> query.recent().count(id) > 0)) {
      session.scoreTrendlessWithNextBatch();
    }
    List<Judgement> searched = query.history().isEmpty()
        ? Collections.nCopies(targets.size(), new Judgement.NotCited())
        : search.search(targetIds, query.history(), session);
    List<Optional<TrendCheck.Cited>> trends = TrendCheck.check(targetIds, session, search.rule());
    List<Judgement> judgements = new ArrayList<>(targets.size());
    for (int i = 0; i < targets.size(); i++) {
      judgements.add(searched.get(i).citedBeside(trends.get(i)));
    }
    int rankedCount = session.scores().has(Counterfactual.BASELINE) ? session.scores().rankedCount() : 0;

    Map<String, String> titles = prefetch.titles(titlesNeeded(targets, judgements));
    ExplainResponse.Builder response = ExplainResponse.newBuilder()
        .setModelVersion(session.pin().version().orElse(""))
        .setRankedCandidateCount(rankedCount);
    for (int i = 0; i < targets.size(); i++) {
      response.addExplanations(
          explanation(targets.get(i), judgements.get(i), trends.get(i), titles, query.locale()));
    }
    if (log.isDebugEnabled()) {
      long verified = judgements.stream().filter(j -> j instanceof Judgement.Cited).count();
      log.debug("explained {} targets, {} with verified history evidence, model {}",
          targets.size(), verified, session.pin().version().orElse("-"));
    }
    return response.build();
  }

  /** Ids whose titles a reason may show: the window's items and co-purchase via items. */
  private static Set<String> titlesPossiblyNeeded(ExplainQuery query) {
    Set<String> ids = new LinkedHashSet<>(query.history());
    query.targets().stream().filter(ExplainQuery.Target::coPurchase).forEach(t -> ids.addAll(t.viaItemIds()));
    return ids;
  }

  /** Ids whose titles the reasons show: cited evidence, and co-purchase sources of the rest. */
  private static Set<String> titlesNeeded(List<ExplainQuery.Target> targets, List<Judgement> judgements) {
    Set<String> ids = new LinkedHashSet<>();
    for (int i = 0; i < targets.size(); i++) {
      if (judgements.get(i) instanceof Judgement.Cited cited) {
        ids.addAll(cited.itemIds());
      } else if (targets.get(i).coPurchase()) {
        ids.addAll(targets.get(i).viaItemIds());
      }
    }
    return ids;
  }

  private static ItemExplanation explanation(
      ExplainQuery.Target target, Judgement judgement, Optional<TrendCheck.Cited> trend,
      Map<String, String> titles, String locale) {
    return ItemExplanation.newBuilder().setItemId(target.itemId())
        .addAllReasons(reasons(judgement, trend, target, titles, locale)).build();
  }

  /**
   * The verified model reasons (history, then trend), strongest first; only when there is none,
   * the retrieval reasons of {@code sources} (none when it is null).
   */
  static List<Reason> reasons(
      Judgement judgement, Optional<TrendCheck.Cited> trend, ExplainQuery.Target sources,
      Map<String, String> titles, String locale) {
    List<Reason> reasons = new ArrayList<>();
    if (judgement instanceof Judgement.Cited cited) {
      reasons.add(ReasonWriter.history(cited, titles, locale));
    }
    trend.ifPresent(t -> reasons.add(ReasonWriter.trend(t, locale)));
    if (!reasons.isEmpty() || sources == null) {
      return reasons;
    }
    // A co-purchase reason names the items it was bought with: with none (the caller cites no pair
    // of it, e.g. from too few orders) there is none to give.
    if (sources.coPurchase() && !sources.viaItemIds().isEmpty()) {
      reasons.add(ReasonWriter.coPurchase(sources.viaItemIds(), sources.viaSharedOrders(), sources.viaMaxBasketSize(),
          titles, locale));
    }
    if (sources.popular()) {
      reasons.add(ReasonWriter.popular(sources.purchases(), sources.bestSeller(), locale));
    }
    return reasons;
  }
}
