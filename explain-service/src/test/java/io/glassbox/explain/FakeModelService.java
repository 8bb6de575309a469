package io.glassbox.explain;

import io.glassbox.api.v1.CandidateEvidence;
import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.GetSimilarTitlesRequest;
import io.glassbox.api.v1.GetSimilarTitlesResponse;
import io.glassbox.api.v1.ModelInfo;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreResponse;
import io.glassbox.api.v1.ScoreRow;
import io.glassbox.api.v1.ScoreRowResult;
import io.glassbox.api.v1.SharedCandidates;
import io.glassbox.api.v1.UnknownItemPolicy;
import io.glassbox.server.ModelVersionRefusal;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * ModelService.Score over an {@link AdditiveScorer}, enforcing the real service's limits, version
 * pinning and unknown-item policies, and recording every request. A row with recent purchases
 * gets the real service's trend term with weight 1: + ln(1 + count) per candidate.
 */
final class FakeModelService extends ModelServiceGrpc.ModelServiceImplBase {
  private final AdditiveScorer scorer;
  private final String version;
  private final List<ScoreRequest> requests = new CopyOnWriteArrayList<>();
  private final List<ScoreRequest> sent = new CopyOnWriteArrayList<>();

  private final int maxHistory;
  /** GetSimilarTitles' answers by item, highest cosine first; none: the version has no title term. */
  private Map<String, List<String>> similarTitles = Map.of();

  FakeModelService(AdditiveScorer scorer, String version) {
    this(scorer, version, Integer.MAX_VALUE);
  }

  /** A model that reads only the most recent {@code maxHistory} known items, as the real one. */
  FakeModelService(AdditiveScorer scorer, String version, int maxHistory) {
    this.scorer = scorer;
    this.version = version;
    this.maxHistory = maxHistory;
  }

  /** Score calls from this one on (1-based) fail with {@link #failing}; none when 0. */
  private volatile int failFromCall;
  private volatile Status failing;

  /** GetModelInfo calls from this one on (1-based) fail with {@link #modelInfoFailing}; none when 0. */
  private volatile int modelInfoFailFromCall;
  private volatile Status modelInfoFailing;
  private final AtomicInteger modelInfoCalls = new AtomicInteger();

  /** From this Score call on (1-based), {@link #swappedTo} is the active version; none when 0. */
  private volatile int swapAtCall;
  private volatile String swappedTo;

  /**
   * Makes {@code newVersion} the active version when the {@code call}-th Score call (1-based)
   * arrives, as a reload between two calls does: from then on a call pinned to the old version
   * fails with FAILED_PRECONDITION marked as the model service marks it ({@link ModelVersionRefusal}), and one pinned to none is answered by the new one.
   */
  FakeModelService swappingAtCall(int call, String newVersion) {
    this.swappedTo = newVersion;
    this.swapAtCall = call;
    return this;
  }

  private String activeVersion() {
    return swapAtCall > 0 && sent.size() >= swapAtCall ? swappedTo : version;
  }

  /** Fails every Score call from the {@code call}-th on (1-based) with {@code status}. */
  FakeModelService failingFromCall(int call, Status status) {
    this.failing = status;
    this.failFromCall = call;
    return this;
  }

  /** Fails every GetModelInfo call from the {@code call}-th on (1-based) with {@code status}. */
  FakeModelService failingModelInfoFromCall(int call, Status status) {
    this.modelInfoFailing = status;
    this.modelInfoFailFromCall = call;
    return this;
  }

  /** How many GetModelInfo calls came, failed ones included. */
  int modelInfoCalls() {
    return modelInfoCalls.get();
  }

  /** Serves a title similarity term whose most similar titles are {@code similarTitles}. */
  FakeModelService withSimilarTitles(Map<String, List<String>> similarTitles) {
    this.similarTitles = Map.copyOf(similarTitles);
    return this;
  }

  /** The active version, with no trend term. */
  @Override
  public void getModelInfo(GetModelInfoRequest request, StreamObserver<ModelInfo> observer) {
    int call = modelInfoCalls.incrementAndGet();
    if (modelInfoFailFromCall > 0 && call >= modelInfoFailFromCall) {
      observer.onError(modelInfoFailing.asRuntimeException());
      return;
    }
    observer.onNext(ModelInfo.newBuilder().setVersion(activeVersion()).build());
    observer.onCompleted();
  }

  @Override
  public void getSimilarTitles(GetSimilarTitlesRequest request, StreamObserver<GetSimilarTitlesResponse> observer) {
    String active = activeVersion();
    if (!request.getModelVersion().isEmpty() && !request.getModelVersion().equals(active)) {
      observer.onError(Status.FAILED_PRECONDITION.withDescription("not the active version")
          .asRuntimeException(ModelVersionRefusal.trailers()));
      return;
    }
    GetSimilarTitlesResponse.Builder response = GetSimilarTitlesResponse.newBuilder()
        .setKnownItem(scorer.knows(request.getItemId())).setTitleTerm(!similarTitles.isEmpty()).setModelVersion(active);
    List<String> similar = similarTitles.getOrDefault(request.getItemId(), List.of());
    for (int i = 0; i < Math.min(similar.size(), request.getLimit()); i++) {
      response.addItemsBuilder().setItemId(similar.get(i)).setCosine(1f / (i + 1));
    }
    observer.onNext(response.build());
    observer.onCompleted();
  }

  /** The requests as the model service reads them: shared candidates put in each row that uses them. */
  List<ScoreRequest> requests() {
    return List.copyOf(requests);
  }

  /** The requests as they were sent. */
  List<ScoreRequest> sent() {
    return List.copyOf(sent);
  }

  @Override
  public void score(ScoreRequest sentRequest, StreamObserver<ScoreResponse> observer) {
    sent.add(sentRequest);
    if (failFromCall > 0 && sent.size() >= failFromCall) {
      observer.onError(failing.asRuntimeException());
      return;
    }
    String active = activeVersion();
    ScoreRequest request = perRow(sentRequest);
    requests.add(request);
    int cells = request.getRowsList().stream().mapToInt(ScoreRow::getCandidateItemIdsCount).sum();
    if (request.getRowsCount() < 1 || request.getRowsCount() > ModelClient.MAX_ROWS_PER_CALL
        || cells > ModelClient.MAX_CELLS_PER_CALL) {
      observer.onError(Status.INVALID_ARGUMENT
          .withDescription("rows " + request.getRowsCount() + ", cells " + cells).asRuntimeException());
      return;
    }
    if (!request.getModelVersion().isEmpty() && !request.getModelVersion().equals(active)) {
      observer.onError(Status.FAILED_PRECONDITION
          .withDescription("active version is " + active).asRuntimeException(ModelVersionRefusal.trailers()));
      return;
    }
    boolean skip = request.getUnknownItems() == UnknownItemPolicy.UNKNOWN_ITEM_POLICY_SKIP;
    ScoreResponse.Builder response = ScoreResponse.newBuilder().setModelVersion(active);
    for (ScoreRow row : request.getRowsList()) {
      List<String> unknown = Stream
          .concat(row.getHistoryItemIdsList().stream(), row.getCandidateItemIdsList().stream())
          .filter(id -> !scorer.knows(id)).distinct().toList();
      if (!skip && !unknown.isEmpty()) {
        observer.onError(Status.INVALID_ARGUMENT.withDescription("unknown " + unknown).asRuntimeException());
        return;
      }
      List<String> known = row.getHistoryItemIdsList().stream().filter(scorer::knows).toList();
      List<String> history = known.subList(Math.max(0, known.size() - maxHistory), known.size());
      Map<String, Float> scores = scorer.score(history, row.getCandidateItemIdsList());
      if (row.getCandidateRecentPurchasesCount() > 0) {
        if (!request.hasRecentPurchasesWindow()
            || row.getCandidateRecentPurchasesCount() != row.getCandidateItemIdsCount()) {
          observer.onError(Status.INVALID_ARGUMENT.withDescription("counts without window or misaligned")
              .asRuntimeException());
          return;
        }
        for (int i = 0; i < row.getCandidateItemIdsCount(); i++) {
          float trend = (float) Math.log1p(row.getCandidateRecentPurchases(i));
          scores.computeIfPresent(row.getCandidateItemIds(i), (id, score) -> score + trend);
        }
      }
      ScoreRowResult.Builder result = ScoreRowResult.newBuilder()
          .addAllHistoryItemIds(history)
          .addAllScores(scores.values())
          .addAllSkippedItemIds(unknown);
      // As the model service does: ids left out when they are exactly the request's.
      if (!(request.getOmitUnchangedCandidateIds()
          && List.copyOf(scores.keySet()).equals(row.getCandidateItemIdsList()))) {
        result.addAllCandidateItemIds(scores.keySet());
      }
      if (request.getIncludeContribution()) {
        for (String candidate : scores.keySet()) {
          result.addEvidence(CandidateEvidence.newBuilder()
              .addAllContribution(scorer.contribution(history, candidate)));
        }
      }
      response.addRows(result);
    }
    observer.onNext(response.build());
    observer.onCompleted();
  }

  /**
   * {@code request} with every row that sent no candidates given the shared ones, and their counts
   * unless it sent its own (as the model service reads it).
   */
  static ScoreRequest perRow(ScoreRequest request) {
    if (!request.hasSharedCandidates()) {
      return request;
    }
    SharedCandidates shared = request.getSharedCandidates();
    ScoreRequest.Builder expanded = request.toBuilder().clearSharedCandidates().clearRows();
    for (ScoreRow row : request.getRowsList()) {
      if (row.getCandidateItemIdsCount() > 0) {
        expanded.addRows(row);
        continue;
      }
      ScoreRow.Builder full = row.toBuilder().addAllCandidateItemIds(shared.getCandidateItemIdsList());
      if (row.getCandidateRecentPurchasesCount() == 0) {          // else its own counts
        full.addAllCandidateRecentPurchases(shared.getCandidateRecentPurchasesList());
      }
      expanded.addRows(full);
    }
    return expanded.build();
  }
}
