package io.glassbox.explain;

import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A model service that never answers; it records the deadline each call arrived with and counts
 * down {@link #cancelled} when the caller gives up on the call.
 */
final class SilentModelService extends ModelServiceGrpc.ModelServiceImplBase {
  /** Milliseconds left on the first call's deadline when it arrived; -1 if it had none. */
  final AtomicLong arrivedWithMillisLeft = new AtomicLong(Long.MIN_VALUE);
  final CountDownLatch cancelled = new CountDownLatch(1);

  @Override
  public void score(ScoreRequest request, StreamObserver<ScoreResponse> observer) {
    Deadline deadline = Context.current().getDeadline();
    arrivedWithMillisLeft.compareAndSet(
        Long.MIN_VALUE, deadline == null ? -1 : deadline.timeRemaining(TimeUnit.MILLISECONDS));
    Context.current().addListener(context -> cancelled.countDown(), Runnable::run);
  }
}
