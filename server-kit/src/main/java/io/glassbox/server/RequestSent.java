package io.glassbox.server;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether one outbound call's request message went out to a server, as gRPC's stream tracer
 * tells it: a call that failed before (no connection, the deadline passed waiting for one) was
 * never seen by the server, so a write it carried was not applied; one that failed after may
 * have been. Attach {@link #interceptor()} to the one call it watches.
 */
public final class RequestSent {
  /**
   * How a call that went out fails when the server may have applied it all the same: the deadline
   * ran out, the call was cancelled, or the connection was reset or lost under it, or the server
   * failed. Whether a server of the suite answered the code itself is each caller's rule.
   */
  private static final Set<Status.Code> MAY_HAVE_STORED = EnumSet.of(Status.Code.DEADLINE_EXCEEDED,
      Status.Code.CANCELLED, Status.Code.UNAVAILABLE, Status.Code.UNKNOWN, Status.Code.INTERNAL,
      Status.Code.DATA_LOSS);

  private final AtomicBoolean sent = new AtomicBoolean();

  /** Whether a call that failed with {@code code} after its request went out may have been applied. */
  public static boolean mayHaveStored(Status.Code code) {
    return MAY_HAVE_STORED.contains(code);
  }

  /** Whether the request may have reached the server: its message was handed to a transport. */
  public boolean mayHaveBeenSent() {
    return sent.get();
  }

  public ClientInterceptor interceptor() {
    ClientStreamTracer.Factory tracers = new ClientStreamTracer.Factory() {
      @Override
      public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
        return new ClientStreamTracer() {
          @Override
          public void outboundMessage(int seqNo) {
            sent.set(true);
          }
        };
      }
    };
    return new ClientInterceptor() {
      @Override
      public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
        return next.newCall(method, options.withStreamTracerFactory(tracers));
      }
    };
  }
}
