package io.glassbox.launcher;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * Completes {@code reply} with a stream's first reply, or its failure; a stream ended without a
 * reply fails it with INTERNAL {@code endedWithout}, which says what was missing, rather than
 * leaving the caller to wait out its deadline.
 */
record FirstReply<T>(CompletableFuture<T> reply, String endedWithout) implements StreamObserver<T> {
  FirstReply {
    requireNonNull(reply);
    requireNonNull(endedWithout);
  }

  @Override
  public void onNext(T message) {
    reply.complete(message);
  }

  @Override
  public void onError(Throwable failure) {
    reply.completeExceptionally(failure);
  }

  @Override
  public void onCompleted() {
    reply.completeExceptionally(Status.INTERNAL.withDescription(endedWithout).asRuntimeException());
  }
}
