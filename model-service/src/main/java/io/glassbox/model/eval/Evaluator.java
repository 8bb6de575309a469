package io.glassbox.model.eval;

import static java.util.Objects.requireNonNull;

import io.glassbox.model.LoadedModel;
import io.glassbox.model.ScoreQuery;
import io.glassbox.model.ScoredBatch;
import io.glassbox.model.Scorer;
import io.glassbox.model.Vocabulary;
import io.glassbox.server.Descriptions;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Offline ranking evaluation through the serving path: every case is scored by {@link Scorer}
 * (the code behind the Score RPC) against the whole vocabulary, in batches as large as a Score
 * request may be.
 *
 * <ul>
 *   <li>Full ranking: every vocabulary item is a candidate except the items anywhere in the
 *       case's (untruncated) history; each target is ranked among them.
 *   <li>Sampled: the case's first target against its sampled negatives, when the file has them.
 * </ul>
 * The model reads the most recent {@code max_history_length} known history items, as in serving.
 */
public final class Evaluator {

  /** Called after each scored batch. */
  public interface Progress {
    void update(int casesDone, int casesTotal);
  }

  /** Ranks of one case; {@code fullRanks} is empty if none of its targets is in the vocabulary. */
  public record CaseResult(EvaluationCase evaluationCase, List<Integer> fullRanks, OptionalInt sampledRank) {}

  /** Everything one evaluation produced. */
  public record Summary(
      String modelVersion,
      RankingMetrics full,
      RankingMetrics sampled,
      int casesWithoutKnownTargets,
      int unknownTargets,
      int unknownHistoryItems,
      List<CaseResult> results) {}

  private final Scorer scorer;
  private final LoadedModel model;
  private final List<List<String>> vocabularyChunks;
  private final Optional<TrendEvents> trendEvents;

  public Evaluator(Scorer scorer, LoadedModel model) {
    this(scorer, model, Optional.empty());
  }

  /**
   * With {@code trendEvents} and a version that has a trend term, every candidate is scored as
   * served: with its purchases in the version's window before the case's request time, counted
   * from those events (the trainer's training events), so the served score includes the term.
   */
  public Evaluator(Scorer scorer, LoadedModel model, Optional<TrendEvents> trendEvents) {
    this.scorer = requireNonNull(scorer, "scorer");
    this.model = requireNonNull(model, "model");
    this.trendEvents = requireNonNull(trendEvents, "trendEvents");
    if (trendEvents.isPresent() && model.metadata().trend().isEmpty()) {
      throw new EvaluationInputException("model version " + model.version()
          + " has no trend term in metadata.json; evaluate without trend events");
    }
    Vocabulary vocabulary = model.vocabulary();
    if (vocabulary.size() > Scorer.MAX_CELLS) {
      throw new EvaluationInputException("a vocabulary of " + vocabulary.size()
          + " items does not fit one Score request (" + Scorer.MAX_CELLS + " candidates)");
    }
    List<List<String>> chunks = new ArrayList<>();
    for (int start = 1; start <= vocabulary.size(); start += Scorer.MAX_CANDIDATES) {
      List<String> chunk = new ArrayList<>();
      for (int index = start; index < Math.min(start + Scorer.MAX_CANDIDATES, vocabulary.size() + 1); index++) {
        chunk.add(vocabulary.idAt(index));
      }
      chunks.add(List.copyOf(chunk));
    }
    this.vocabularyChunks = List.copyOf(chunks);
  }

  /** How many cases go into one Score request. */
  int casesPerBatch() {
    int byRows = Scorer.MAX_ROWS / vocabularyChunks.size();
    int byCells = Scorer.MAX_CELLS / model.vocabulary().size();
    return Math.max(1, Math.min(byRows, byCells));
  }

  public Summary evaluate(List<EvaluationCase> cases, Progress progress) {
    return evaluate(cases, progress, (evaluationCase, scores, history, index) ->
        fullRank(scores, history, index));
  }

  /**
   * Repeat purchases counted, with a merge that places history items first, as the trainer's
   * {@code repeats_counted} rows (trainer/glassbox_trainer/timeaware.py): every target counts,
   * history items included; {@code firstPlaces} items (history items, best first) take the
   * first places, then every item outside the history by score; any other history item is never
   * recommended, so as a target it is a miss ranked last (the vocabulary size + 1, as the
   * trainer's row width). With no first places this is the new-item ranking with repeats counted.
   */
  public Summary evaluateRepeatsCounted(List<EvaluationCase> cases, FirstPlaces firstPlaces, Progress progress) {
    return evaluate(cases, progress, new TargetRanker() {
      private EvaluationCase current;
      private Map<Integer, Integer> placed;

      @Override
      public int rank(EvaluationCase evaluationCase, float[] scores, BitSet history, int target) {
        if (evaluationCase != current) {
          current = evaluationCase;
          placed = new HashMap<>();
          for (String id : firstPlaces.itemsFor(evaluationCase)) {
            int index = model.vocabulary().indexOf(id);
            if (index != Vocabulary.UNKNOWN && history.get(index)) {
              placed.putIfAbsent(index, placed.size());
            }
          }
        }
        Integer place = placed.get(target);
        if (place != null) {
          return place;
        }
        return history.get(target) ? scores.length : placed.size() + fullRank(scores, history, target);
      }
    });
  }

  /** The items a merge puts first for a case, best first: history items of the case. */
  @FunctionalInterface
  public interface FirstPlaces {
    List<String> itemsFor(EvaluationCase evaluationCase);
  }

  /** The rank of one target (0-based) of a case from its scores by vocabulary index. */
  private interface TargetRanker {
    int rank(EvaluationCase evaluationCase, float[] scores, BitSet history, int target);
  }

  private Summary evaluate(List<EvaluationCase> cases, Progress progress, TargetRanker ranker) {
    Vocabulary vocabulary = model.vocabulary();
    RankingMetrics full = new RankingMetrics();
    RankingMetrics sampled = new RankingMetrics();
    List<CaseResult> results = new ArrayList<>(cases.size());
    int casesWithoutKnownTargets = 0;
    int unknownTargets = 0;
    int unknownHistoryItems = 0;
    int perBatch = casesPerBatch();
    for (int start = 0; start < cases.size(); start += perBatch) {
      List<EvaluationCase> batch = cases.subList(start, Math.min(start + perBatch, cases.size()));
      List<ScoreQuery.Row> rows = new ArrayList<>();
      List<BitSet> histories = new ArrayList<>(batch.size());
      for (EvaluationCase evaluationCase : batch) {
        BitSet history = new BitSet(vocabulary.size() + 1);
        List<String> known = new ArrayList<>(evaluationCase.history().size());
        for (String id : evaluationCase.history()) {
          int index = vocabulary.indexOf(id);
          if (index == Vocabulary.UNKNOWN) {
            unknownHistoryItems++;
          } else {
            history.set(index);
            known.add(id);
          }
        }
        histories.add(history);
        List<String> recent = known.subList(Math.max(0, known.size() - model.maxHistoryLength()), known.size());
        long[] counts = recentPurchases(evaluationCase);
        int first = 1;
        for (List<String> chunk : vocabularyChunks) {
          List<Long> chunkCounts = new ArrayList<>(counts == null ? 0 : chunk.size());
          for (int i = 0; counts != null && i < chunk.size(); i++) {
            chunkCounts.add(counts[first + i]);
          }
          rows.add(new ScoreQuery.Row(recent, chunk, chunkCounts));
          first += chunk.size();
        }
      }
      ScoredBatch scored = scorer.score(new ScoreQuery(
          rows, false, false, ScoreQuery.UnknownItems.REJECT, Optional.of(model.version()),
          trendEvents.isPresent() ? model.metadata().trend().map(t -> t.window()) : Optional.empty()));
      for (int c = 0; c < batch.size(); c++) {
        float[] scores = gather(scored.rows(), c * vocabularyChunks.size(), vocabulary.size());
        EvaluationCase evaluationCase = batch.get(c);
        List<Integer> ranks = new ArrayList<>();
        for (String target : evaluationCase.targets()) {
          int index = vocabulary.indexOf(target);
          if (index == Vocabulary.UNKNOWN) {
            unknownTargets++;
          } else {
            ranks.add(ranker.rank(evaluationCase, scores, histories.get(c), index));
          }
        }
        if (ranks.isEmpty()) {
          casesWithoutKnownTargets++;
        } else {
          full.add(ranks);
        }
        OptionalInt sampledRank = sampledRank(scores, evaluationCase, vocabulary);
        sampledRank.ifPresent(rank -> sampled.add(List.of(rank)));
        results.add(new CaseResult(evaluationCase, List.copyOf(ranks), sampledRank));
      }
      progress.update(Math.min(start + perBatch, cases.size()), cases.size());
    }
    return new Summary(model.version(), full, sampled, casesWithoutKnownTargets, unknownTargets,
        unknownHistoryItems, results);
  }

  /** Counts by vocabulary index for the case's request time; null without trend events. */
  private long[] recentPurchases(EvaluationCase evaluationCase) {
    if (trendEvents.isEmpty()) {
      return null;
    }
    if (evaluationCase.requestTime().isEmpty()) {
      throw new EvaluationInputException("case of user " + Descriptions.truncate(evaluationCase.userId())
          + " has no request time; write the cases file with the trainer's evaluate command");
    }
    return trendEvents.get().counts(evaluationCase.requestTime().getAsLong(),
        model.metadata().trend().orElseThrow().window());
  }

  /** Scores by vocabulary index (index 0 unused) from the case's consecutive chunk rows. */
  private float[] gather(List<ScoredBatch.Row> rows, int firstRow, int size) {
    float[] scores = new float[size + 1];
    int index = 1;
    for (int chunk = 0; chunk < vocabularyChunks.size(); chunk++) {
      float[] part = rows.get(firstRow + chunk).scores();
      System.arraycopy(part, 0, scores, index, part.length);
      index += part.length;
    }
    return scores;
  }

  /** Items outside the history scoring strictly higher than the target. */
  static int fullRank(float[] scores, BitSet history, int target) {
    float score = scores[target];
    int rank = 0;
    for (int index = 1; index < scores.length; index++) {
      if (scores[index] > score && !history.get(index)) {
        rank++;
      }
    }
    return rank;
  }

  private static OptionalInt sampledRank(float[] scores, EvaluationCase evaluationCase, Vocabulary vocabulary) {
    if (evaluationCase.negatives().isEmpty()) {
      return OptionalInt.empty();
    }
    int target = vocabulary.indexOf(evaluationCase.targets().get(0));
    if (target == Vocabulary.UNKNOWN) {
      return OptionalInt.empty();
    }
    int rank = 0;
    for (String negative : evaluationCase.negatives()) {
      int index = vocabulary.indexOf(negative);
      if (index != Vocabulary.UNKNOWN && scores[index] > scores[target]) {
        rank++;
      }
    }
    return OptionalInt.of(rank);
  }
}
