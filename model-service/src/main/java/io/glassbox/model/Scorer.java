package io.glassbox.model;

import static java.util.Objects.requireNonNull;

import ai.onnxruntime.OrtException;
import io.glassbox.server.Descriptions;
import io.glassbox.server.RequestChecks;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.Deadline;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Scores a batch of rows with the active model version: validates the request, maps external ids
 * to model indices, pads the rows into one tensor batch, runs the model once and cuts every row's
 * results back to what that row asked for.
 *
 * <p>Every row is fed exactly as it would be alone: its history is left-padded to its own padded
 * length ({@link LoadedModel#paddedLength} of its item count; the model's whole window for a model
 * that reads padding) whatever the other rows hold, and padding candidates are scored and thrown
 * away. A row's numbers therefore never depend on the other rows of its batch.
 */
@Singleton
public final class Scorer {
  /** Rows per request. */
  public static final int MAX_ROWS = 256;
  /** Candidates per row. */
  public static final int MAX_CANDIDATES = 2000;
  /** History items per row, before truncation to the model's history length. */
  public static final int MAX_HISTORY = 1000;
  /** Candidates over all rows. */
  public static final int MAX_CELLS = 200_000;
  /** How many unknown ids a REJECT error names. */
  static final int UNKNOWN_IDS_NAMED = 5;

  private final ModelRegistry registry;
  private final InferenceEngine engine;

  @Inject
  public Scorer(ModelRegistry registry, InferenceEngine engine) {
    this.registry = requireNonNull(registry, "registry");
    this.engine = requireNonNull(engine, "engine");
  }

  /** A scorer that runs every call's inference on its own (no batching). */
  public Scorer(ModelRegistry registry) {
    this(registry, InferenceEngine.direct());
  }

  /** How inferences are run (for GetModelInfo). */
  public InferenceEngine.Settings engineSettings() {
    return engine.settings();
  }

  /**
   * Scores {@code query}.
   *
   * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT for a malformed request or, with
   *     REJECT, ids outside the vocabulary
   * @throws ModelNotLoadedException if no version is loaded
   * @throws ModelVersionMismatchException if the pinned version is not active
   * @throws io.grpc.StatusRuntimeException RESOURCE_EXHAUSTED if the response would exceed its
   *     budget (before any inference); CANCELLED if the call ended before inference
   * @throws TrendWindowMismatchException if counts came over another window than the version's
   */
  public ScoredBatch score(ScoreQuery query) {
    return score(query, Optional.empty());
  }

  /**
   * As {@link #score(ScoreQuery)}, giving up with {@link ScoreDeadlineExceededException} once
   * {@code deadline} passes (a call queued for batching is dropped before inference), or with
   * {@link ScoreQueueFullException} when the batching queue is full.
   */
  public ScoredBatch score(ScoreQuery query, Optional<Deadline> deadline) {
    validate(query);
    try (ModelRegistry.Lease lease = registry.lease()) {
      Prepared prepared = prepare(query, lease.model());
      if (prepared.input() == null) {
        return prepared.finish(null);
      }
      try {
        return prepared.finish(engine.run(prepared.model(), prepared.input(), deadline));
      } catch (OrtException e) {
        throw prepared.failure(e);
      }
    }
  }

  /**
   * As {@link #score(ScoreQuery, Optional)}, without waiting for the inference: with a batching
   * engine this returns once the call is queued, and the future completes on the batching worker
   * (with the failures {@code score} throws, an ONNX Runtime failure as {@link
   * ModelInferenceException}). Malformed requests and a missing or mismatched version still throw
   * here. Cancelling the future drops the call if it has not been run yet.
   */
  public CompletableFuture<ScoredBatch> scoreAsync(ScoreQuery query, Optional<Deadline> deadline) {
    validate(query);
    ModelRegistry.Lease lease = registry.lease();
    Prepared prepared;
    CompletableFuture<ModelOutputs> outputs;
    try {
      prepared = prepare(query, lease.model());
      outputs = prepared.input() == null ? CompletableFuture.completedFuture(null)
          : engine.submit(prepared.model(), prepared.input(), deadline);
    } catch (RuntimeException e) {
      lease.close();
      throw e;
    }
    // The version may retire once no call holds it; also when the caller cancels (a stage
    // whose own future is already cancelled never runs).
    outputs.whenComplete((done, failure) -> lease.close());
    CompletableFuture<ScoredBatch> result = outputs.handle((done, failure) -> {
      if (failure == null) {
        return prepared.finish(done);
      }
      throw unwrap(failure) instanceof OrtException ort ? prepared.failure(ort) : failureOf(failure);
    });
    // Cancelling what the caller holds drops the queued call too.
    result.whenComplete((done, failure) -> {
      if (result.isCancelled()) {
        outputs.cancel(false);
      }
    });
    return result;
  }

  /**
   * What failed a scoring future, as the exception {@link #score} would have thrown: the cause a
   * {@link CompletionException} wraps, anything checked as a {@link ModelInferenceException}.
   */
  static RuntimeException failureOf(Throwable failure) {
    Throwable cause = unwrap(failure);
    return cause instanceof RuntimeException runtime ? runtime
        : new ModelInferenceException("batched inference failed", cause);
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
  }

  /**
   * One call made ready to run: its version, rows and (null when no row has a candidate left)
   * padded input.
   */
  private record Prepared(LoadedModel model, List<ResolvedRow> rows, ScoreQuery query,
                          Optional<TrendTerm> trend, InferenceInput input) {
    ScoredBatch finish(ModelOutputs outputs) {
      return new ScoredBatch(model.version(), assemble(rows, outputs, query, trend, model.titleTerm()));
    }

    ModelInferenceException failure(OrtException e) {
      return new ModelInferenceException("inference failed for a batch of " + input.rows() + " x "
          + input.candidateCount() + " on model version " + model.version(), e);
    }
  }

  private static Prepared prepare(ScoreQuery query, LoadedModel model) {
    model.requireVersion(query.modelVersion());
    ResponseBudget.check(query, model.maxHistoryLength());
    Optional<TrendTerm> trend = trendFor(query, model);
    List<ResolvedRow> rows = resolve(query, model);
    if (Context.current().isCancelled()) {
      // The caller is gone (cancelled, deadline passed): nobody would read the result.
      throw Status.CANCELLED.withDescription("the call ended before inference").asRuntimeException();
    }
    return new Prepared(model, rows, query, trend, input(model, rows, query));
  }

  /** The trend term to apply: the version's, when some row sent counts over its window. */
  private static Optional<TrendTerm> trendFor(ScoreQuery query, LoadedModel model) {
    boolean counts = query.rows().stream().anyMatch(ScoreQuery.Row::hasRecentPurchases);
    Optional<TrendTerm> trend = model.metadata().trend();
    if (!counts || trend.isEmpty()) {
      return Optional.empty();
    }
    Duration window = query.recentPurchasesWindow().orElseThrow();
    if (!window.equals(trend.get().window())) {
      throw new TrendWindowMismatchException("recent purchases were counted over " + window
          + " but model version " + model.version() + " uses a trend window of "
          + trend.get().window() + " (ModelInfo.trend.window)");
    }
    return trend;
  }

  private static void validate(ScoreQuery query) {
    List<ScoreQuery.Row> rows = query.rows();
    RequestChecks.requireCount("rows", rows.size(), 1, MAX_ROWS);
    long cells = 0;
    for (int r = 0; r < rows.size(); r++) {
      ScoreQuery.Row row = rows.get(r);
      String prefix = "rows[" + r + "].";
      RequestChecks.requireCount(prefix + "candidate_item_ids", row.candidateItemIds().size(), 1, MAX_CANDIDATES);
      RequestChecks.requireCount(prefix + "history_item_ids", row.historyItemIds().size(), 0, MAX_HISTORY);
      cells += row.candidateItemIds().size();
    }
    if (cells > MAX_CELLS) {
      throw RequestChecks.invalid("rows hold " + cells + " candidate_item_ids in total; at most "
          + MAX_CELLS + " per request (split the batch)");
    }
    // Rows that share one candidate list (a request's shared candidates) check it once.
    Set<List<?>> checked = Collections.newSetFromMap(new IdentityHashMap<>());
    for (int r = 0; r < rows.size(); r++) {
      RequestChecks.requireIds("rows[" + r + "].history_item_ids", rows.get(r).historyItemIds());
      if (checked.add(rows.get(r).candidateItemIds())) {
        RequestChecks.requireIds("rows[" + r + "].candidate_item_ids", rows.get(r).candidateItemIds());
      }
    }
    validateRecentPurchases(query, checked);
  }

  private static void validateRecentPurchases(ScoreQuery query, Set<List<?>> checked) {
    boolean any = false;
    for (int r = 0; r < query.rows().size(); r++) {
      ScoreQuery.Row row = query.rows().get(r);
      if (!row.hasRecentPurchases()) {
        continue;
      }
      any = true;
      // A list shared by rows has its counts checked once; its length, against each row.
      if (checked.add(row.candidateRecentPurchases())
          || row.candidateRecentPurchases().size() != row.candidateItemIds().size()) {
        requireCounts("rows[" + r + "].candidate_recent_purchases", row.candidateRecentPurchases(),
            row.candidateItemIds().size());
      }
    }
    if (!any) {
      return;
    }
    Duration window = query.recentPurchasesWindow().orElseThrow(() -> RequestChecks.invalid(
        "recent_purchases_window must be set when rows carry candidate_recent_purchases"));
    if (window.isNegative() || window.isZero() || window.compareTo(TrendTerm.MAX_WINDOW) > 0) {
      throw RequestChecks.invalid("recent_purchases_window must be in (0, 366 days], got " + window);
    }
  }

  /**
   * Requires {@code counts} (named {@code field}) to hold one count >= 0 for each of {@code
   * candidates} candidates; INVALID_ARGUMENT otherwise.
   */
  static void requireCounts(String field, List<Long> counts, int candidates) {
    if (counts.size() != candidates) {
      throw RequestChecks.invalid(field + " must hold one count per candidate (" + candidates
          + ") or none, got " + counts.size());
    }
    for (int c = 0; c < counts.size(); c++) {
      if (counts.get(c) < 0) {
        throw RequestChecks.invalid(field + "[" + c + "] must be >= 0, got " + counts.get(c));
      }
    }
  }

  /** A row mapped to model indices: unknown ids handled, history cut to the model's length. */
  private record ResolvedRow(
      List<String> historyIds, long[] historyIndices,
      List<String> candidateIds, long[] candidateIndices, long[] recentPurchases,
      List<String> skippedIds) {}

  private static List<ResolvedRow> resolve(ScoreQuery query, LoadedModel model) {
    Vocabulary vocabulary = model.vocabulary();
    boolean skip = query.unknownItems() == ScoreQuery.UnknownItems.SKIP;
    UnknownIds unknown = new UnknownIds();
    // Rows that share one candidate list (a request's shared candidates) map it once.
    Map<List<String>, CandidateSide> sides = new IdentityHashMap<>();
    List<ResolvedRow> resolved = new ArrayList<>(query.rows().size());
    for (int r = 0; r < query.rows().size(); r++) {
      ScoreQuery.Row row = query.rows().get(r);
      KnownIds history = known(row.historyItemIds(), vocabulary, "rows[" + r + "].history_item_ids", unknown);
      CandidateSide candidates = sides.get(row.candidateItemIds());
      if (candidates == null) {
        candidates = new CandidateSide(known(row.candidateItemIds(), vocabulary, "rows[" + r + "].candidate_item_ids", unknown));
        sides.put(row.candidateItemIds(), candidates);
      } else {
        unknown.count += candidates.unknownCount;       // counted once per row that sent them, as before
      }
      Set<String> skipped = new LinkedHashSet<>(history.unknownIds);
      skipped.addAll(candidates.unknownIds);
      // Unknown ids are dropped before truncation, so SKIP still feeds the most recent known items.
      int keep = Math.min(history.ids.size(), model.maxHistoryLength());
      int from = history.ids.size() - keep;
      long[] historyIndices = new long[keep];
      for (int i = 0; i < keep; i++) {
        historyIndices[i] = history.indices[from + i];
      }
      resolved.add(new ResolvedRow(
          List.copyOf(history.ids.subList(from, history.ids.size())), historyIndices,
          candidates.ids, candidates.indices,
          row.hasRecentPurchases() ? candidates.recentPurchases(row.candidateRecentPurchases()) : null,
          List.copyOf(skipped)));
    }
    if (!skip && unknown.count > 0) {
      // The hint before the ids: five ids of emoji fill the 4 KiB a description may take, and the
      // cut then takes the end.
      throw RequestChecks.invalid(unknown.count + " item id(s) are not in the vocabulary of model version "
          + model.version() + " (remove them or set unknown_items to UNKNOWN_ITEM_POLICY_SKIP): "
          + String.join(", ", unknown.named) + (unknown.count > unknown.named.size() ? ", ..." : ""));
    }
    return resolved;
  }

  /**
   * A candidate list mapped to model indices, shared by the rows that sent the same list; the
   * arrays are never written after this.
   */
  private static final class CandidateSide {
    final List<String> ids;
    final long[] indices;
    final int[] positions;
    final Set<String> unknownIds;
    final int unknownCount;
    private final Map<List<Long>, long[]> counts = new IdentityHashMap<>();

    CandidateSide(KnownIds known) {
      this.ids = List.copyOf(known.ids);
      this.indices = Arrays.copyOf(known.indices, known.ids.size());
      this.positions = known.positions;
      this.unknownIds = known.unknownIds;
      this.unknownCount = known.unknownCount;
    }

    /** The recent purchases of the known candidates, from counts aligned with the sent ids. */
    long[] recentPurchases(List<Long> sent) {
      return counts.computeIfAbsent(sent, all -> {
        long[] kept = new long[ids.size()];
        for (int c = 0; c < kept.length; c++) {
          kept[c] = all.get(positions[c]);
        }
        return kept;
      });
    }
  }

  private static final class KnownIds {
    final List<String> ids;
    final long[] indices;
    /** Position in the request of each known id. */
    final int[] positions;
    /** The ids left out, first occurrence order, and how many occurrences. */
    final Set<String> unknownIds = new LinkedHashSet<>();
    int unknownCount;

    KnownIds(int capacity) {
      ids = new ArrayList<>(capacity);
      indices = new long[capacity];
      positions = new int[capacity];
    }
  }

  private static final class UnknownIds {
    int count;
    final List<String> named = new ArrayList<>();
  }

  private static KnownIds known(List<String> ids, Vocabulary vocabulary, String field, UnknownIds unknown) {
    KnownIds known = new KnownIds(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      int index = vocabulary.indexOf(id);
      if (index == Vocabulary.UNKNOWN) {
        unknown.count++;
        known.unknownIds.add(id);
        known.unknownCount++;
        if (unknown.named.size() < UNKNOWN_IDS_NAMED) {
          unknown.named.add(field + "[" + i + "]=\"" + Descriptions.truncate(id) + "\"");
        }
      } else {
        known.indices[known.ids.size()] = index;
        known.positions[known.ids.size()] = i;
        known.ids.add(id);
      }
    }
    return known;
  }

  /** The rows that still have candidates as one padded batch; null if none has. */
  private static InferenceInput input(LoadedModel model, List<ResolvedRow> rows, ScoreQuery query) {
    int batch = 0;
    int candidateCount = 0;
    int longest = 0;
    for (ResolvedRow row : rows) {
      if (row.candidateIndices.length > 0) {
        batch++;
        candidateCount = Math.max(candidateCount, row.candidateIndices.length);
        longest = Math.max(longest, row.historyIndices.length);
      }
    }
    if (batch == 0) {
      return null;
    }
    int historyLength = model.paddedLength(longest);
    long[] history = new long[batch * historyLength];
    long[] candidates = new long[batch * candidateCount];
    int b = 0;
    for (ResolvedRow row : rows) {
      if (row.candidateIndices.length == 0) {
        continue;
      }
      // Left padding: the most recent item always sits in the last position. Zero-filled
      // arrays already hold the padding index.
      System.arraycopy(row.historyIndices, 0, history,
          b * historyLength + historyLength - row.historyIndices.length, row.historyIndices.length);
      System.arraycopy(row.candidateIndices, 0, candidates, b * candidateCount, row.candidateIndices.length);
      b++;
    }
    return new InferenceInput(history, candidates, batch, historyLength, candidateCount,
        query.includeAttention(), query.includeContribution());
  }

  private static List<ScoredBatch.Row> assemble(
      List<ResolvedRow> rows, ModelOutputs outputs, ScoreQuery query, Optional<TrendTerm> trend,
      Optional<TitleTerm> title) {
    List<ScoredBatch.Row> results = new ArrayList<>(rows.size());
    int b = 0;
    for (ResolvedRow row : rows) {
      int candidates = row.candidateIndices.length;
      float[] scores = new float[candidates];
      float[] trendScores = new float[candidates];
      float[][] attention = query.includeAttention() ? new float[candidates][] : null;
      float[][] contribution = query.includeContribution() ? new float[candidates][] : null;
      if (candidates > 0) {
        int used = row.historyIndices.length;
        int from = outputs.historyLength() - used;
        for (int c = 0; c < candidates; c++) {
          if (trend.isPresent() && row.recentPurchases != null) {
            trendScores[c] = trend.get().score(row.recentPurchases[c]);
          }
          scores[c] = outputs.score(b, c) + trendScores[c];
          if (attention != null) {
            attention[c] = ModelOutputs.slice(outputs.attention(), outputs, b, c, from, used);
          }
          if (contribution != null) {
            contribution[c] = ModelOutputs.slice(outputs.contribution(), outputs, b, c, from, used);
          }
        }
        if (title.isPresent()) {
          float[] titleScores = title.get().apply(row.historyIndices, row.candidateIndices, contribution);
          for (int c = 0; c < candidates; c++) {
            scores[c] += titleScores[c];
          }
        }
        b++;
      }
      results.add(new ScoredBatch.Row(
          row.historyIds, row.candidateIds, scores, trendScores, attention, contribution,
          row.skippedIds));
    }
    return results;
  }
}
