package io.glassbox.model;

import java.util.List;

/**
 * The result of a {@link ScoreQuery}: one row per query row, in order, and the version that
 * scored them.
 */
public record ScoredBatch(String modelVersion, List<Row> rows) {

  public ScoredBatch {
    rows = List.copyOf(rows);
  }

  /**
   * One row's result.
   *
   * @param historyItemIds the history items the model used, oldest first
   * @param candidateItemIds the candidates scored, in request order
   * @param scores one per candidate: the model's score plus the trend term
   * @param trendScores the trend term of each candidate (included in {@code scores}); all 0
   *     when the row sent no counts or the version has no trend term
   * @param attention per candidate, aligned with {@code historyItemIds}; null unless requested
   * @param contribution per candidate, aligned with {@code historyItemIds}; null unless requested
   * @param skippedItemIds ids left out because the vocabulary lacks them (SKIP only)
   */
  public record Row(
      List<String> historyItemIds,
      List<String> candidateItemIds,
      float[] scores,
      float[] trendScores,
      float[][] attention,
      float[][] contribution,
      List<String> skippedItemIds) {}
}
