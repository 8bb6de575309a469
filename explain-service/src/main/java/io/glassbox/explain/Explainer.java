package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import com.google.inject.Inject;
import io.glassbox.api.v1.ExplainResponse;
import io.glassbox.api.v1.ItemExplanation;
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
 * Explains targets with history evidence that holds up counterfactually, else with their
 * retrieval sources. The model calls: contributions for targets that came without them (only
 * then), one batched counterfactual scoring of the slate, and a second small one only when a
 * cited subset differs from every row of the first. Then one title lookup.
 */
final class Explainer {
  private static final Logger log = LoggerFactory.getLogger(Explainer.class);

  private final ModelClient model;
  private final CatalogueClient catalogue;

  @Inject
  Explainer(ModelClient model, CatalogueClient catalogue) {
    this.model = requireNonNull(model, "model");
    this.catalogue = requireNonNull(catalogue, "catalogue");
  }

  ExplainResponse explain(ExplainQuery query) {
    // Once the model has answered, later calls pin its version so that every number in one
    // explanation comes from the same model.
    Optional<String> version = query.modelVersion();
    List<ExplainQuery.Target> targets = query.targets();

    ModelClient.Contributions asked = null;
    List<String> needContributions = targets.stream()
        .filter(t -> t.contribution().isEmpty()).map(ExplainQuery.Target::itemId).distinct().toList();
    if (!query.history().isEmpty() && !needContributions.isEmpty()) {
      asked = model.contributions(query.history(), needContributions, version);
      version = Optional.of(asked.modelVersion());
    }
    List<List<String>> candidates = new ArrayList<>(targets.size());
    for (ExplainQuery.Target target : targets) {
      candidates.add(candidates(query, target, asked));
    }

    List<Judgement> judgements = new ArrayList<>(Collections.nCopies(targets.size(), new Judgement.NotCited()));
    if (candidates.stream().anyMatch(c -> !c.isEmpty())) {
      CounterfactualBatch batch = CounterfactualBatch.forCandidates(candidates);
      ModelClient.ScoredRows scored = model.scoreSlate(batch.histories(query.history()), query.slate(), version);
      version = Optional.of(scored.modelVersion());
      for (int i = 0; i < targets.size(); i++) {
        judgements.set(i, EvidenceVerifier.judge(targets.get(i).itemId(), candidates.get(i), batch, scored.rows()));
      }
      resolveSubsets(query, targets, judgements, version);
    }

    Map<String, String> titles = catalogue.titles(titlesNeeded(targets, judgements));
    ExplainResponse.Builder response = ExplainResponse.newBuilder().setModelVersion(version.orElse(""));
    for (int i = 0; i < targets.size(); i++) {
      response.addExplanations(explanation(targets.get(i), judgements.get(i), titles, query.locale()));
    }
    if (log.isDebugEnabled()) {
      long verified = judgements.stream().filter(j -> j instanceof Judgement.Cited).count();
      log.debug("explained {} targets, {} with verified history evidence, model {}",
          targets.size(), verified, version.orElse("-"));
    }
    return response.build();
  }

  /** A target's candidate evidence, from the caller's contributions or the model's. */
  private static List<String> candidates(
      ExplainQuery query, ExplainQuery.Target target, ModelClient.Contributions asked) {
    if (!target.contribution().isEmpty()) {
      return EvidenceSelector.select(query.history(), target.contribution(), query.maxEvidenceItems());
    }
    if (asked == null || !asked.byTarget().containsKey(target.itemId())) {
      return List.of();
    }
    return EvidenceSelector.select(
        asked.historyIds(), asked.byTarget().get(target.itemId()), query.maxEvidenceItems());
  }

  /** Measures, in one more call, the cited subsets that the first batch had no row for. */
  private void resolveSubsets(
      ExplainQuery query, List<ExplainQuery.Target> targets, List<Judgement> judgements,
      Optional<String> version) {
    List<List<String>> subsets = new ArrayList<>();
    for (Judgement judgement : judgements) {
      if (judgement instanceof Judgement.SubsetToMeasure pending) {
        subsets.add(pending.itemIds());
      }
    }
    if (subsets.isEmpty()) {
      return;
    }
    CounterfactualBatch batch = CounterfactualBatch.forRemovals(subsets);
    ModelClient.ScoredRows scored = model.scoreSlate(batch.histories(query.history()), query.slate(), version);
    for (int i = 0; i < targets.size(); i++) {
      if (judgements.get(i) instanceof Judgement.SubsetToMeasure pending) {
        judgements.set(i, EvidenceVerifier.resolve(targets.get(i).itemId(), pending, batch, scored.rows()));
      }
    }
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
      ExplainQuery.Target target, Judgement judgement, Map<String, String> titles, String locale) {
    ItemExplanation.Builder explanation = ItemExplanation.newBuilder().setItemId(target.itemId());
    if (judgement instanceof Judgement.Cited cited) {
      return explanation.addReasons(ReasonWriter.history(cited, titles, locale)).build();
    }
    if (target.coPurchase()) {
      explanation.addReasons(ReasonWriter.coPurchase(target.viaItemIds(), titles, locale));
    }
    if (target.popular()) {
      explanation.addReasons(ReasonWriter.popular(locale));
    }
    return explanation.build();
  }
}
