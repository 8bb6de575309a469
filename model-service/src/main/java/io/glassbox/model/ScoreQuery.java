package io.glassbox.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One batched scoring request, independent of gRPC.
 *
 * @param rows histories with their candidates, in request order
 * @param includeAttention return target attention per candidate over the used history
 * @param includeContribution return each used history item's additive share of the score
 * @param unknownItems what to do with ids outside the vocabulary
 * @param modelVersion if present, the version that must be active
 * @param recentPurchasesWindow the window the rows' recent-purchase counts were taken over;
 *     required when a row carries counts
 */
public record ScoreQuery(
    List<Row> rows,
    boolean includeAttention,
    boolean includeContribution,
    UnknownItems unknownItems,
    Optional<String> modelVersion,
    Optional<Duration> recentPurchasesWindow) {

  /** What to do with ids the model's vocabulary does not contain. */
  public enum UnknownItems {
    /** Fail the whole request, naming the first unknown ids. */
    REJECT,
    /** Leave unknown ids out of the row and report them as skipped. */
    SKIP
  }

  /**
   * A history (oldest first) and the candidates to score against it, optionally with each
   * candidate's recent purchases (empty: none; the trend term is then 0).
   */
  public record Row(List<String> historyItemIds, List<String> candidateItemIds,
                    List<Long> candidateRecentPurchases) {
    public Row {
      historyItemIds = List.copyOf(historyItemIds);
      candidateItemIds = List.copyOf(candidateItemIds);
      candidateRecentPurchases = List.copyOf(candidateRecentPurchases);
    }

    public Row(List<String> historyItemIds, List<String> candidateItemIds) {
      this(historyItemIds, candidateItemIds, List.of());
    }

    boolean hasRecentPurchases() {
      return !candidateRecentPurchases.isEmpty();
    }
  }

  public ScoreQuery {
    rows = List.copyOf(rows);
    requireNonNull(unknownItems, "unknownItems");
    requireNonNull(modelVersion, "modelVersion");
    requireNonNull(recentPurchasesWindow, "recentPurchasesWindow");
  }

  /** A query without recent-purchase counts. */
  public ScoreQuery(List<Row> rows, boolean includeAttention, boolean includeContribution,
                    UnknownItems unknownItems, Optional<String> modelVersion) {
    this(rows, includeAttention, includeContribution, unknownItems, modelVersion, Optional.empty());
  }
}
