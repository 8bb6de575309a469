package io.glassbox.server;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
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
 * The outermost guard of every call: request bytes that do not parse as the method's message
 * become INVALID_ARGUMENT (gRPC itself would answer UNKNOWN and log a SEVERE stack trace), and
 * every status description is cut to {@link Descriptions#MAX_DESCRIPTION_CHARS} characters.
 *
 * <p>It sits on a service whose methods take raw {@code InputStream}s
 * ({@code ServerInterceptors.useInputStreamMessages}), so the request is parsed inside its
 * {@code onMessage}, where a failure can be caught; failures of the service's own code are
 * already turned into statuses by {@link UncaughtExceptionInterceptor} further in.
 */
final class CallGuard implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(CallGuard.class);

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    ServerCall<Q, A> bounded = new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        super.close(status.withDescription(Descriptions.limit(status.getDescription())), trailers);
      }
    };
    return new SimpleForwardingServerCallListener<>(next.startCall(bounded, headers)) {
      // Listener callbacks of one call never run concurrently.
      private boolean rejected;

      @Override
      public void onMessage(Q message) {
        if (rejected) {
          return;
        }
        try {
          super.onMessage(message);
        } catch (StatusRuntimeException | IllegalArgumentException | IllegalStateException e) {
          String method = call.getMethodDescriptor().getFullMethodName();
          log.debug("{}: malformed request", method, e);
          rejected = true;
          try {
            bounded.close(Status.INVALID_ARGUMENT.withDescription(
                "the request is not a valid message for " + method), new Metadata());
          } catch (IllegalStateException alreadyClosed) {
            log.debug("call already closed", alreadyClosed);
          }
        }
      }

      @Override
      public void onHalfClose() {
        // After a rejected message the service must not see a call without its request.
        if (!rejected) {
          super.onHalfClose();
        }
      }

      @Override
      public void onReady() {
        if (!rejected) {
          super.onReady();
        }
      }
    };
  }
}
