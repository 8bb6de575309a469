package io.glassbox.gateway;

import io.glassbox.api.v1.ExplainItemRequest;
import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.ExplainRequest;
import io.glassbox.api.v1.ExplainResponse;
import io.glassbox.api.v1.ExplainServiceGrpc;
import io.glassbox.api.v1.ExplainTarget;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.ItemExplanation;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.server.ModelVersionRefusal;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * An explain service that cites the most recent history item of each target with a made-up but
 * recognisable HISTORY reason ({@link #reasonFor}).
 */
final class FakeExplainService extends ExplainServiceGrpc.ExplainServiceImplBase {
  volatile Behaviour behaviour = Behaviour.SERVE;

  final List<ExplainRequest> requests = new CopyOnWriteArrayList<>();
  final List<ExplainItemRequest> itemRequests = new CopyOnWriteArrayList<>();
  final List<Deadline> deadlines = new CopyOnWriteArrayList<>();
  /** Counted down when a call arrives. */
  final CountDownLatch called = new CountDownLatch(1);
  /** Counted down when a hanging call is cancelled (by its deadline or its caller). */
  final CountDownLatch cancelled = new CountDownLatch(1);

  /** The reason this fake gives for {@code itemId} at 1-based {@code rank} of the slate. */
  static Reason reasonFor(String itemId, String evidenceId, int rank, String locale) {
    return Reason.newBuilder()
        .setKind(ReasonKind.REASON_KIND_HISTORY)
        .setText("model reason for " + itemId)
        .setLocale(locale)
        .addEvidenceItemIds(evidenceId)
        .addEvidenceTitles("Title " + evidenceId)
        .setRank(rank)
        .setRankWithoutEvidence(rank + 5)
        .setScoreDrop(0.5f)
        .build();
  }

  @Override
  public void explain(ExplainRequest request, StreamObserver<ExplainResponse> replies) {
    requests.add(request);
    Deadline deadline = Context.current().getDeadline();
    if (deadline != null) {
      deadlines.add(deadline);
    }
    called.countDown();
    switch (behaviour) {
      case FAIL -> replies.onError(
          Status.UNAVAILABLE.withDescription("explainer down").asRuntimeException());
      case REFUSE_VERSION -> replies.onError(Status.FAILED_PRECONDITION
          .withDescription("model service refused: active version is v2")
          .asRuntimeException(ModelVersionRefusal.trailers()));
      case HANG -> ((ServerCallStreamObserver<ExplainResponse>) replies)
          .setOnCancelHandler(cancelled::countDown);
      case SERVE -> {
        ExplainResponse.Builder response = ExplainResponse.newBuilder()
            .setModelVersion(request.getModelVersion());
        List<String> history = request.getHistoryItemIdsList();
        String evidence = history.isEmpty() ? "" : history.get(history.size() - 1);
        for (ExplainTarget target : request.getTargetsList()) {
          int rank = request.getSlateItemIdsList().indexOf(target.getItemId()) + 1;
          response.addExplanations(ItemExplanation.newBuilder()
              .setItemId(target.getItemId())
              .addReasons(reasonFor(target.getItemId(), evidence, rank, request.getLocale())));
        }
        replies.onNext(response.build());
        replies.onCompleted();
      }
    }
  }

  /** Records the request and answers with the item alone: enough to see what the gateway asks. */
  @Override
  public void explainItem(ExplainItemRequest request, StreamObserver<ExplainItemResponse> replies) {
    itemRequests.add(request);
    replies.onNext(ExplainItemResponse.newBuilder().setItem(Item.newBuilder().setItemId(request.getItemId())).build());
    replies.onCompleted();
  }
}
