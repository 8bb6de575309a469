package io.glassbox.server;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an exception that escapes a service method into a status the client can act on: a
 * {@link StatusRuntimeException} keeps its status, anything else becomes INTERNAL with a
 * generic message (the details are logged here, once, and never sent to the client).
 */
final class UncaughtExceptionInterceptor implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(UncaughtExceptionInterceptor.class);

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return new SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        guard(() -> super.onMessage(message));
      }

      @Override
      public void onHalfClose() {
        guard(super::onHalfClose);
      }

      @Override
      public void onReady() {
        guard(super::onReady);
      }

      private void guard(Runnable step) {
        try {
          step.run();
        } catch (StatusRuntimeException e) {
          closeQuietly(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
        } catch (RuntimeException e) {
          log.error("{} failed", call.getMethodDescriptor().getFullMethodName(), e);
          closeQuietly(Status.INTERNAL.withDescription("internal error"), new Metadata());
        }
      }

      private void closeQuietly(Status status, Metadata trailers) {
        try {
          call.close(status, trailers);
        } catch (IllegalStateException alreadyClosed) {
          log.debug("call already closed", alreadyClosed);
        }
      }
    };
  }
}
