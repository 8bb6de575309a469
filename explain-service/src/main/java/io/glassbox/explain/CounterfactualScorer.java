package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import com.google.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Scores counterfactual edits of one user's record against one candidate set, pinning the model
 * version after the first call so that every number of one answer comes from the same model.
 */
final class CounterfactualScorer {
  private final ModelClient model;

  @Inject
  CounterfactualScorer(ModelClient model) {
    this.model = requireNonNull(model, "model");
  }

  /**
   * A session for one record and candidate set, every candidate scored with its {@code recent}
   * purchases (those the caller's ranking was scored with).
   */
  Session session(
      List<String> record, List<String> candidates, RecentPurchases recent, Optional<String> modelVersion) {
    return new Session(record, candidates, recent, modelVersion);
  }

  /** The scores gathered so far for one record and candidate set. Not thread-safe. */
  final class Session {
    private final List<String> record;
    private final List<String> candidates;
    private final RecentPurchases recent;
    private final CounterfactualScores scores = new CounterfactualScores();
    private Optional<String> modelVersion;
    private List<String> window = List.of();

    private Session(
        List<String> record, List<String> candidates, RecentPurchases recent, Optional<String> modelVersion) {
      this.record = List.copyOf(record);
      this.candidates = List.copyOf(candidates);
      this.recent = requireNonNull(recent, "recent");
      this.modelVersion = requireNonNull(modelVersion, "modelVersion");
    }

    /** Scores the edits not scored yet, in one batch (split only by the model's call limits). */
    void score(List<Counterfactual> edits) {
      List<Counterfactual> missing = new ArrayList<>();
      for (Counterfactual edit : edits) {
        if (!scores.has(edit) && !missing.contains(edit)) {
          missing.add(edit);
        }
      }
      if (missing.isEmpty()) {
        return;
      }
      List<List<String>> histories = missing.stream().map(edit -> edit.apply(record)).toList();
      ModelClient.ScoredRows scored = model.scoreSlate(histories, candidates, recent, modelVersion);
      modelVersion = Optional.of(scored.modelVersion());
      scores.add(missing, scored.rows());
      int baseline = missing.indexOf(Counterfactual.BASELINE);
      if (baseline >= 0) {
        window = scored.windows().get(baseline);
      }
    }

    /**
     * Scores the full record once per variant of the recent purchases (e.g. one item's set to 0),
     * in one batch (split only by the model's call limits); score by candidate id per variant.
     */
    List<java.util.Map<String, Float>> scoreRecentVariants(List<RecentPurchases> variants) {
      ModelClient.ScoredRows scored = model.scoreSlate(
          java.util.Collections.nCopies(variants.size(), record), variants, candidates, modelVersion);
      modelVersion = Optional.of(scored.modelVersion());
      return scored.rows();
    }

    CounterfactualScores scores() {
      return scores;
    }

    /** The recent purchases every candidate is scored with. */
    RecentPurchases recent() {
      return recent;
    }

    /** The candidates scored, as given. */
    List<String> candidates() {
      return candidates;
    }

    /** A new session for the same record against other candidates, pinned to this version. */
    Session narrowedTo(List<String> otherCandidates) {
      return new Session(record, otherCandidates, recent, modelVersion);
    }

    /** Pins the version {@code other} was answered with (when this one has none yet). */
    void adoptVersion(Session other) {
      if (modelVersion.isEmpty()) {
        modelVersion = other.modelVersion;
      }
    }

    /** The history the model read of the full record (once the baseline is scored). */
    List<String> window() {
      return window;
    }

    /** The version that answered, or the one the caller pinned; empty before any call. */
    Optional<String> modelVersion() {
      return modelVersion;
    }
  }
}
