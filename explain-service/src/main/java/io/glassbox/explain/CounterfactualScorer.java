package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import com.google.inject.Inject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * Scores counterfactual edits of one user's record against one candidate set, pinning the model
 * version after the first call so that every number of one answer comes from the same model (a
 * pin of its own, not the caller's: see {@link ModelVersionPin}).
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
  Session session(List<String> record, List<String> candidates, RecentPurchases recent, ModelVersionPin pin) {
    return new Session(record, candidates, recent, pin);
  }

  /** The scores gathered so far for one record and candidate set. Not thread-safe. */
  final class Session {
    private final List<String> record;
    private final List<String> candidates;
    private final RecentPurchases recent;
    private CounterfactualScores scores = new CounterfactualScores();
    private ModelVersionPin pin;
    private List<String> window = List.of();
    /** Every candidate's score with the full record and no trend term, once scored. */
    private Map<String, Float> trendless;
    private boolean trendlessWanted;

    private Session(List<String> record, List<String> candidates, RecentPurchases recent, ModelVersionPin pin) {
      this.record = List.copyOf(record);
      this.candidates = List.copyOf(candidates);
      this.recent = requireNonNull(recent, "recent");
      this.pin = requireNonNull(pin, "pin");
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
      List<List<String>> histories = new ArrayList<>(missing.stream().map(edit -> edit.apply(record)).toList());
      List<RecentPurchases> recents = new ArrayList<>(Collections.nCopies(histories.size(), recent));
      boolean withTrendless = trendlessWanted && trendless == null;
      if (withTrendless) {
        histories.add(record);
        recents.add(recent.withoutAnyTrend());
      }
      trendlessWanted = false;
      ModelClient.ScoredRows scored = scorePinned(histories, recents);
      List<Map<String, Float>> rows = scored.rows();
      if (withTrendless) {
        trendless = rows.get(missing.size());
        rows = rows.subList(0, missing.size());
      }
      scores.add(missing, rows);
      int baseline = missing.indexOf(Counterfactual.BASELINE);
      if (baseline >= 0) {
        window = scored.windows().get(baseline);
      }
    }

    /**
     * Has the next {@link #score} batch also score the row {@link #trendlessScores} reads (when
     * there are recent purchases), so that it costs no call of its own.
     */
    void scoreTrendlessWithNextBatch() {
      trendlessWanted = recent.window().isPresent() && trendless == null;
    }

    /**
     * Scores the full record once per variant of the recent purchases, in one call: for an
     * independent check (the faithfulness evaluation sets one item's count to 0 per row, instead
     * of relying on the trendless row's per-candidate reasoning).
     */
    List<Map<String, Float>> scoreRecentVariants(List<RecentPurchases> variants) {
      return scorePinned(Collections.nCopies(variants.size(), record), variants).rows();
    }

    /**
     * Every candidate's score with the full record and 0 recent purchases (no trend term): the
     * model part of each score. A candidate's score never depends on another candidate's count,
     * so for an item this is exactly its score in a row where only its own count is 0, while
     * every other candidate keeps its baseline score. Scored once (one row).
     */
    Map<String, Float> trendlessScores() {
      if (trendless == null) {
        trendless = scorePinned(List.of(record), List.of(recent.withoutAnyTrend())).rows().get(0);
      }
      return trendless;
    }

    /**
     * Scores {@code histories} against the candidates with the pin, then pins the version the model
     * answered with (when none was pinned yet).
     */
    private ModelClient.ScoredRows scorePinned(List<List<String>> histories, List<RecentPurchases> recents) {
      ModelClient.ScoredRows scored = model.scoreSlate(histories, recents, candidates, pin);
      pin = pin.orAnswered(scored.modelVersion());
      return scored;
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
      Session narrowed = new Session(record, otherCandidates, recent, pin);
      if (scores.has(Counterfactual.BASELINE) && new HashSet<>(candidates).containsAll(otherCandidates)) {
        // The rows scored so far, of those candidates, without another call: a candidate's score
        // does not depend on the other candidates of its row.
        narrowed.scores = scores.narrowedTo(new HashSet<>(otherCandidates));
        narrowed.window = window;
      }
      return narrowed;
    }

    /** Pins the version {@code other} was answered with (when this one has none yet). */
    void adoptVersion(Session other) {
      if (pin.version().isEmpty()) {
        pin = other.pin;
      }
    }

    /** The history the model read of the full record (once the baseline is scored). */
    List<String> window() {
      return window;
    }

    /** The pin every later call of this answer is sent with. */
    ModelVersionPin pin() {
      return pin;
    }
  }
}
