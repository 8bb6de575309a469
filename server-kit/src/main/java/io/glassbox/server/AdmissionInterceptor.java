package io.glassbox.server;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Admission control: at most {@code limit} calls of the guarded services run at once; one more
 * is answered RESOURCE_EXHAUSTED at once instead of queueing behind the others (a client with a
 * deadline would rather hear "busy" than time out). A call holds its slot until it completes or
 * is cancelled.
 */
final class AdmissionInterceptor implements ServerInterceptor {
  private final int limit;
  private final Semaphore slots;

  AdmissionInterceptor(int limit) {
    this.limit = limit;
    this.slots = new Semaphore(limit);
  }

  /** Calls running now. */
  int inFlight() {
    return limit - slots.availablePermits();
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    if (!slots.tryAcquire()) {
      call.close(Status.RESOURCE_EXHAUSTED.withDescription("the server is running its limit of "
          + limit + " concurrent calls; retry with backoff"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        slots.release();
      }
    };
    ServerCall.Listener<Q> delegate;
    try {
      delegate = next.startCall(call, headers);
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
    return new SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onComplete() {
        release.run();
        super.onComplete();
      }

      @Override
      public void onCancel() {
        release.run();
        super.onCancel();
      }
    };
  }
}
