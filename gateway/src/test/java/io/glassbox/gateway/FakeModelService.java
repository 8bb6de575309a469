package io.glassbox.gateway;

import io.glassbox.api.v1.CandidateEvidence;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreResponse;
import io.glassbox.api.v1.ScoreRow;
import io.glassbox.api.v1.ScoreRowResult;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A model service with fixed scores per item. Ids in {@code unknown} are outside its vocabulary
 * and skipped (the gateway asks with UNKNOWN_ITEM_POLICY_SKIP). Each candidate's contribution
 * spreads its score evenly over the used history.
 */
final class FakeModelService extends ModelServiceGrpc.ModelServiceImplBase {
  static final String VERSION = "v-test";
  static final String OLD_VERSION = "v-old";

  private final Map<String, Float> scores;
  private final Set<String> unknown;
  volatile Behaviour behaviour = Behaviour.SERVE;
  /** What a call fails with under {@link Behaviour#FAIL}. */
  volatile Status failure = Status.UNAVAILABLE.withDescription("model not loaded");
  /** A candidate id whose calls fail with UNAVAILABLE (one replica down); null: none. */
  volatile String failingCandidate;
  /**
   * A candidate id whose calls are answered by {@link #OLD_VERSION} (a replica not yet updated,
   * mid rolling update); null: none.
   */
  volatile String oldVersionCandidate;
  /** The trend window GetModelInfo reports; null: no trend term. */
  volatile com.google.protobuf.Duration trendWindow;

  final List<ScoreRequest> requests = new CopyOnWriteArrayList<>();
  final List<Deadline> deadlines = new CopyOnWriteArrayList<>();
  final CountDownLatch cancelled = new CountDownLatch(1);

  FakeModelService(Map<String, Float> scores, Set<String> unknown) {
    this.scores = Map.copyOf(scores);
    this.unknown = Set.copyOf(unknown);
  }

  @Override
  public void getModelInfo(
      io.glassbox.api.v1.GetModelInfoRequest request, StreamObserver<io.glassbox.api.v1.ModelInfo> replies) {
    io.glassbox.api.v1.ModelInfo.Builder info = io.glassbox.api.v1.ModelInfo.newBuilder().setVersion(VERSION);
    com.google.protobuf.Duration window = trendWindow;
    if (window != null) {
      info.setTrend(io.glassbox.api.v1.TrendTerm.newBuilder().setWindow(window).setWeight(1.0));
    }
    replies.onNext(info.build());
    replies.onCompleted();
  }

  @Override
  public void score(ScoreRequest request, StreamObserver<ScoreResponse> replies) {
    requests.add(request);
    Deadline deadline = Context.current().getDeadline();
    if (deadline != null) {
      deadlines.add(deadline);
    }
    boolean failing = request.getRowsList().stream()
        .anyMatch(row -> row.getCandidateItemIdsList().contains(failingCandidate));
    switch (failing ? Behaviour.FAIL : behaviour) {
      case FAIL -> replies.onError(failure.asRuntimeException());
      case HANG -> ((ServerCallStreamObserver<ScoreResponse>) replies)
          .setOnCancelHandler(cancelled::countDown);
      case SERVE -> {
        boolean old = request.getRowsList().stream()
            .anyMatch(row -> row.getCandidateItemIdsList().contains(oldVersionCandidate));
        ScoreResponse.Builder response = ScoreResponse.newBuilder().setModelVersion(old ? OLD_VERSION : VERSION);
        request.getRowsList().forEach(row -> response.addRows(scoreRow(request, row)));
        replies.onNext(response.build());
        replies.onCompleted();
      }
    }
  }

  /** A row of {@code request}: its own candidates, or the request's shared ones when it has none. */
  private ScoreRowResult scoreRow(ScoreRequest request, ScoreRow row) {
    List<String> candidates = row.getCandidateItemIdsCount() > 0
        ? row.getCandidateItemIdsList() : request.getSharedCandidates().getCandidateItemIdsList();
    boolean omitUnchangedIds = request.getOmitUnchangedCandidateIds();
    ScoreRowResult.Builder result = ScoreRowResult.newBuilder();
    for (String id : row.getHistoryItemIdsList()) {
      if (unknown.contains(id)) {
        result.addSkippedItemIds(id);
      } else {
        result.addHistoryItemIds(id);
      }
    }
    int used = result.getHistoryItemIdsCount();
    for (String id : candidates) {
      if (unknown.contains(id)) {
        result.addSkippedItemIds(id);
        continue;
      }
      float score = scores.getOrDefault(id, 0f);
      result.addCandidateItemIds(id).addScores(score);
      CandidateEvidence.Builder evidence = CandidateEvidence.newBuilder();
      for (int i = 0; i < used; i++) {
        evidence.addContribution(score / used);
      }
      result.addEvidence(evidence);
    }
    // As the model service does: ids left out when they are exactly the request's.
    if (omitUnchangedIds && result.getCandidateItemIdsCount() == candidates.size()) {
      result.clearCandidateItemIds();
    }
    return result.build();
  }
}
