package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.inject.Inject;
import io.glassbox.api.v1.CandidateEvidence;
import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.GetSimilarTitlesRequest;
import io.glassbox.api.v1.ModelInfo;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreResponse;
import io.glassbox.api.v1.ScoreRow;
import io.glassbox.api.v1.ScoreRowResult;
import io.glassbox.api.v1.SharedCandidates;
import io.glassbox.api.v1.SimilarTitle;
import io.glassbox.api.v1.UnknownItemPolicy;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Calls ModelService.Score. Every call runs under the inbound call's deadline (gRPC carries it in
 * the current Context), bounded by the configured dependency timeout. Unknown ids are skipped,
 * so an item the model does not know is simply not scored.
 */
final class ModelClient {
  /** Limits of one ScoreRequest, from model_service.proto. */
  static final int MAX_ROWS_PER_CALL = 256;
  static final int MAX_CELLS_PER_CALL = 200_000;
  /**
   * Most candidate cells of one background Score call: 16 rows of 500 candidates, a few
   * milliseconds of inference on one core. The model service runs calls in arrival order, so a
   * Recommend's Score that comes in behind a background call waits for at most this much.
   */
  static final int BACKGROUND_CELLS_PER_CALL = 8_000;

  private static final String DEPENDENCY = "model service";
  /**
   * UNAVAILABLE's words when the model was swapped while one answer was scored: the version this
   * service pinned itself was refused, or the calls of one slate were answered by two versions.
   */
  static final String MODEL_CHANGED = "the model changed while answering; retry";

  private final ModelServiceGrpc.ModelServiceFutureStub stub;
  private final Duration timeout;
  private final int cellsPerCall;
  /** Sends a split batch one call at a time (background work) rather than all at once. */
  private final boolean oneCallAtATime;

  @Inject
  ModelClient(@ModelChannel Channel channel, ExplainConfig config) {
    this(channel, config.dependencyTimeout());
  }

  ModelClient(Channel channel, Duration timeout) {
    this(ModelServiceGrpc.newFutureStub(requireNonNull(channel, "channel")), timeout, MAX_CELLS_PER_CALL, false);
  }

  private ModelClient(
      ModelServiceGrpc.ModelServiceFutureStub stub, Duration timeout, int cellsPerCall, boolean oneCallAtATime) {
    this.stub = stub;
    this.timeout = requireNonNull(timeout, "timeout");
    this.cellsPerCall = cellsPerCall;
    this.oneCallAtATime = oneCallAtATime;
  }

  /**
   * A client for background work (GetModelInsights) that yields to serving: its batches go in
   * Score calls of at most {@value #BACKGROUND_CELLS_PER_CALL} cells, one call in flight at a time,
   * so the model service's queue never holds more than one of them ahead of a Recommend's call.
   */
  ModelClient background() {
    return new ModelClient(stub, timeout, BACKGROUND_CELLS_PER_CALL, true);
  }

  /**
   * Scores of every slate item for each row, in row order, and the history each row's model
   * read (its window: the most recent known items).
   */
  record ScoredRows(String modelVersion, List<Map<String, Float>> rows, List<List<String>> windows) {}

  /**
   * One scored row with its evidence.
   *
   * @param window the history the model read, oldest first
   * @param scores score by candidate id (candidates the model does not know are absent)
   * @param contributions by candidate id, each aligned with {@code window}
   * @param skipped ids the model does not know (history and candidates)
   */
  record DetailedRow(
      List<String> window, Map<String, Float> scores, Map<String, List<Float>> contributions,
      List<String> skipped) {}

  /** Rows with evidence, and the model version that scored them. */
  record DetailedRows(String modelVersion, List<DetailedRow> rows) {}

  /**
   * Scores each history against {@code candidates} with contributions, in one call, each
   * candidate with its {@code recent} purchases.
   */
  DetailedRows scoreWithContributions(
      List<List<String>> histories, List<String> candidates, RecentPurchases recent, ModelVersionPin pin) {
    ScoreRequest.Builder request = ScoreRequest.newBuilder()
        .setIncludeContribution(true)
        .setUnknownItems(UnknownItemPolicy.UNKNOWN_ITEM_POLICY_SKIP)
        .setOmitUnchangedCandidateIds(true);
    pin.version().ifPresent(request::setModelVersion);
    recent.addWindowTo(request);
    addRows(request, histories, Collections.nCopies(histories.size(), recent), candidates);
    ScoreResponse response = await(List.of(call(request.build())), pin).get(0);
    if (response.getRowsCount() != histories.size()) {
      throw Status.UNAVAILABLE
          .withDescription("model service answered " + response.getRowsCount() + " rows for " + histories.size())
          .asRuntimeException();
    }
    List<DetailedRow> rows = new ArrayList<>();
    for (ScoreRowResult row : response.getRowsList()) {
      Map<String, Float> scores = new HashMap<>();
      Map<String, List<Float>> contributions = new HashMap<>();
      List<String> ids = scoredIds(row, candidates);
      for (int i = 0; i < ids.size(); i++) {
        scores.put(ids.get(i), row.getScores(i));
        if (i < row.getEvidenceCount()) {
          contributions.put(ids.get(i), List.copyOf(row.getEvidence(i).getContributionList()));
        }
      }
      rows.add(new DetailedRow(List.copyOf(row.getHistoryItemIdsList()), scores, contributions,
          List.copyOf(row.getSkippedItemIdsList())));
    }
    return new DetailedRows(response.getModelVersion(), rows);
  }

  /**
   * Scores the whole {@code slate} (distinct ids) against each history, each slate item with
   * its {@code recent} purchases. One Score call unless the model service's per-call limits (or a
   * {@link #background} client's smaller calls) force several; those run in parallel (a background
   * client's one after another) and must all be answered by the same model version.
   */
  ScoredRows scoreSlate(
      List<List<String>> histories, List<String> slate, RecentPurchases recent, ModelVersionPin pin) {
    return scoreSlate(histories, java.util.Collections.nCopies(histories.size(), recent), slate, pin);
  }

  /**
   * As {@link #scoreSlate(List, List, RecentPurchases, ModelVersionPin)}, each row with its own recent
   * purchases ({@code recents}, aligned with {@code histories}, all over one window).
   */
  ScoredRows scoreSlate(
      List<List<String>> histories, List<RecentPurchases> recents, List<String> slate, ModelVersionPin pin) {
    if (recents.size() != histories.size()) {
      throw new IllegalArgumentException(recents.size() + " recent purchases for " + histories.size() + " rows");
    }
    int rowsPerCall = rowsPerCall(slate.size(), cellsPerCall);
    List<ListenableFuture<ScoreResponse>> calls = new ArrayList<>();
    List<ScoreResponse> responses = new ArrayList<>();
    for (int start = 0; start < histories.size(); start += rowsPerCall) {
      ScoreRequest.Builder request = ScoreRequest.newBuilder()
          .setUnknownItems(UnknownItemPolicy.UNKNOWN_ITEM_POLICY_SKIP)
          .setOmitUnchangedCandidateIds(true);
      pin.version().ifPresent(request::setModelVersion);
      recents.get(start).addWindowTo(request);
      int end = Math.min(histories.size(), start + rowsPerCall);
      addRows(request, histories.subList(start, end), recents.subList(start, end), slate);
      if (oneCallAtATime) {
        responses.addAll(await(List.of(call(request.build())), pin));
      } else {
        calls.add(call(request.build()));
      }
    }
    responses.addAll(await(calls, pin));
    String version = responses.get(0).getModelVersion();
    List<Map<String, Float>> rows = new ArrayList<>(histories.size());
    List<List<String>> windows = new ArrayList<>(histories.size());
    for (ScoreResponse response : responses) {
      if (!response.getModelVersion().equals(version)) {
        throw Status.UNAVAILABLE.withDescription(MODEL_CHANGED).asRuntimeException();
      }
      for (ScoreRowResult row : response.getRowsList()) {
        Map<String, Float> scores = new HashMap<>(row.getScoresCount() * 2);
        List<String> ids = scoredIds(row, slate);
        for (int i = 0; i < ids.size(); i++) {
          scores.put(ids.get(i), row.getScores(i));
        }
        rows.add(scores);
        windows.add(List.copyOf(row.getHistoryItemIdsList()));
      }
    }
    if (rows.size() != histories.size()) {
      throw Status.UNAVAILABLE
          .withDescription("model service answered " + rows.size() + " rows for " + histories.size())
          .asRuntimeException();
    }
    return new ScoredRows(version, rows, windows);
  }

  /**
   * The model being served, as GetModelInfo names it: a caller pins its version for its Score
   * calls and counts candidates' recent purchases over its trend window
   * ({@code ModelInfo.trend.window}), so that a swap to a version with another window is the model
   * changing while answering.
   *
   * @param modelName the model's name ({@code ModelInfo.model_name})
   * @param version the version that answered
   * @param window its trend window; empty when it has no trend term
   */
  record ServedModel(String modelName, String version, Optional<com.google.protobuf.Duration> window) {}

  /** The model being served; see {@link ServedModel}. */
  ServedModel servedModel() {
    ModelInfo info = await(List.of(stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
        .getModelInfo(GetModelInfoRequest.getDefaultInstance())), ModelVersionPin.NONE).get(0);
    return new ServedModel(info.getModelName(), info.getVersion(),
        info.hasTrend() ? Optional.of(info.getTrend().getWindow()) : Optional.empty());
  }

  /**
   * The items whose titles are most alike {@code itemId}'s under the {@code pin}ned version's title
   * similarity term, highest cosine first, at most {@code limit}; empty when the version has no
   * such term or the item no title words.
   */
  List<String> similarTitles(String itemId, int limit, ModelVersionPin pin) {
    GetSimilarTitlesRequest.Builder request = GetSimilarTitlesRequest.newBuilder().setItemId(itemId).setLimit(limit);
    pin.version().ifPresent(request::setModelVersion);
    return await(List.of(stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
        .getSimilarTitles(request.build())), pin).get(0)
        .getItemsList().stream().map(SimilarTitle::getItemId).toList();
  }

  /**
   * One row per history against {@code candidates}, each with its recent purchases. With more
   * than one row the candidates go once, as the request's shared candidates, with the first
   * row's counts; a row that counts otherwise (the trendless row) sends its own counts.
   */
  private static void addRows(ScoreRequest.Builder request, List<List<String>> histories,
                              List<RecentPurchases> recents, List<String> candidates) {
    boolean shared = histories.size() > 1;
    if (shared) {
      SharedCandidates.Builder sharedCandidates = SharedCandidates.newBuilder().addAllCandidateItemIds(candidates);
      sharedCandidates.addAllCandidateRecentPurchases(recents.get(0).countsOf(candidates));
      request.setSharedCandidates(sharedCandidates);
    }
    for (int i = 0; i < histories.size(); i++) {
      ScoreRow.Builder row = ScoreRow.newBuilder().addAllHistoryItemIds(histories.get(i));
      if (!shared) {
        row.addAllCandidateItemIds(candidates);
        row.addAllCandidateRecentPurchases(recents.get(i).countsOf(candidates));
      } else if (!recents.get(i).equals(recents.get(0))) {
        // Its own counts for the shared ids; a row without counts beside rows with counts sends
        // zeros (a trend of 0).
        RecentPurchases own = recents.get(i).window().isPresent() ? recents.get(i) : recents.get(0).withoutAnyTrend();
        row.addAllCandidateRecentPurchases(own.countsOf(candidates));
      }
      request.addRows(row);
    }
  }

  /**
   * The ids {@code row}'s scores are aligned with: its own, or the {@code requested} ones when it
   * left them out as unchanged ({@code omit_unchanged_candidate_ids}).
   */
  private static List<String> scoredIds(ScoreRowResult row, List<String> requested) {
    if (row.getCandidateItemIdsCount() == 0 && row.getScoresCount() == requested.size()) {
      return requested;
    }
    if (row.getScoresCount() != row.getCandidateItemIdsCount()) {
      throw Status.UNAVAILABLE.withDescription("model service answered " + row.getScoresCount()
          + " scores for " + row.getCandidateItemIdsCount() + " candidates").asRuntimeException();
    }
    return row.getCandidateItemIdsList();
  }

  /** How many rows of {@code candidates} scores one call of at most {@code cellsPerCall} cells may carry. */
  static int rowsPerCall(int candidates, int cellsPerCall) {
    return Math.max(1, Math.min(MAX_ROWS_PER_CALL, cellsPerCall / Math.max(1, candidates)));
  }

  private ListenableFuture<ScoreResponse> call(ScoreRequest request) {
    return stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS).score(request);
  }

  /** The answers of {@code calls}, all sent with {@code pin}'s version. */
  private static <T> List<T> await(List<ListenableFuture<T>> calls, ModelVersionPin pin) {
    List<T> responses = new ArrayList<>(calls.size());
    try {
      for (ListenableFuture<T> call : calls) {
        responses.add(call.get());
      }
      return responses;
    } catch (ExecutionException e) {
      calls.forEach(call -> call.cancel(true));
      throw failed(e.getCause(), pin);
    } catch (InterruptedException e) {
      calls.forEach(call -> call.cancel(true));
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("interrupted while waiting for the model service")
          .asRuntimeException();
    }
  }

  /**
   * The status a failed call answers with. The model service refusing a version this service
   * pinned itself (the one that answered the answer's first call) means the model was swapped
   * while answering: the caller pinned nothing, and a retry is answered by the new version. The
   * code alone tells it: the model service's other FAILED_PRECONDITION, a trend window it does not
   * use, cannot meet our pin unless the model changed, since every answer's first call (or the
   * GetModelInfo its window came from) was already answered by the pinned version with that window.
   * Unmarked, under our pin it comes only from a ReloadModel of the same version with another
   * trend.window, and "retry" is right for that too.
   */
  private static StatusRuntimeException failed(Throwable failure, ModelVersionPin pin) {
    if (pin.ours() && Status.fromThrowable(failure).getCode() == Status.Code.FAILED_PRECONDITION) {
      return Status.UNAVAILABLE.withDescription(MODEL_CHANGED).asRuntimeException();
    }
    return DependencyErrors.translate(DEPENDENCY, failure);
  }
}
