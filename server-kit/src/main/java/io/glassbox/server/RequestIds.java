package io.glassbox.server;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Request ids: every call carries {@code x-request-id} metadata. A server takes the caller's (or
 * makes one when it is missing or malformed), puts it in the gRPC context and in the logging MDC
 * ({@value #MDC_KEY}) while the call's code runs, and echoes it in the response headers; client
 * channels pass the current call's id on to the services they call. A call that fails also
 * carries, in its trailers, its id and {@code glassbox-server} (the name of the server that
 * answered): a failure that reaches a person then says which server answered it and under which
 * id its log tells why, and one without them never reached a server.
 */
public final class RequestIds {
  public static final Metadata.Key<String> HEADER =
      Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
  /** Which server answered a failed call (e.g. {@code gateway}), in the call's trailers. */
  public static final Metadata.Key<String> SERVER_HEADER =
      Metadata.Key.of("glassbox-server", Metadata.ASCII_STRING_MARSHALLER);
  /** The MDC key logback patterns print, e.g. {@code %X{request_id}}. */
  public static final String MDC_KEY = "request_id";
  static final Context.Key<String> CONTEXT = Context.key("glassbox-request-id");
  /** What a caller's id may look like; anything else is replaced, so logs hold no raw input. */
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private RequestIds() {}

  /**
   * Whether a failed call was answered by a server of the suite: its trailers name that server
   * ({@link #SERVER_HEADER}). One without the name never reached one, or its connection failed
   * under it (a deadline the caller's own, a reset stream, a lost connection).
   */
  public static boolean answeredByAServer(Throwable failure) {
    Metadata trailers = Status.trailersFromThrowable(failure);
    return trailers != null && trailers.containsKey(SERVER_HEADER);
  }

  /** The id of the call being served on this thread's context, or null outside a call. */
  public static String current() {
    return CONTEXT.get();
  }

  /** Whether a server takes {@code id} as a call's request id as it is, not replacing it with its own. */
  public static boolean takenAsItIs(String id) {
    return id != null && VALID.matcher(id).matches();
  }

  /**
   * A context whose calls on a client channel ({@link ClientChannels}) send {@code id} as their
   * request id: for a client that makes the id itself, so that it can say it where no server
   * answered (its own deadline ran out) and the server's log is searched for it all the same.
   *
   * @throws IllegalArgumentException where {@code id} is not one a server takes (1..64 of
   *     {@code [A-Za-z0-9._:-]}): a server would replace it with one of its own
   */
  public static Context withId(String id) {
    if (!takenAsItIs(id)) {
      throw new IllegalArgumentException("a request id is 1..64 of [A-Za-z0-9._:-], got " + id);
    }
    return Context.current().withValue(CONTEXT, id);
  }

  /**
   * The id of the call {@code context} belongs to, or null for a context of no call (a start's
   * own work, say): for a callback that may run on another thread, with another context current.
   */
  public static String of(Context context) {
    return CONTEXT.get(context);
  }

  /**
   * Runs each task at once, on the thread that calls it, with the current call's id in the MDC:
   * a callback run by whichever thread completed a dependency's call (its deadline's timer, say,
   * where no MDC is set) still logs under the call's request id. Outside a call, a plain direct
   * executor.
   */
  public static Executor directInMdc() {
    String id = current();
    return id == null ? MoreExecutors.directExecutor() : task -> inMdc(id, task);
  }

  static ServerInterceptor serverInterceptor(String serverName) {
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        String given = headers.get(HEADER);
        String id = takenAsItIs(given) ? given : UUID.randomUUID().toString();
        ServerCall<Q, A> echoing = new SimpleForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(Metadata responseHeaders) {
            responseHeaders.put(HEADER, id);
            super.sendHeaders(responseHeaders);
          }

          @Override
          public void close(Status status, Metadata trailers) {
            if (!status.isOk()) {
              trailers.discardAll(HEADER);
              trailers.put(HEADER, id);
              trailers.put(SERVER_HEADER, serverName);
            }
            super.close(status, trailers);
          }
        };
        String previous = MDC.get(MDC_KEY);
        MDC.put(MDC_KEY, id);
        ServerCall.Listener<Q> listener;
        try {
          listener = Contexts.interceptCall(Context.current().withValue(CONTEXT, id), echoing, headers, next);
        } finally {
          restore(previous);
        }
        return new SimpleForwardingServerCallListener<>(listener) {
          @Override
          public void onMessage(Q message) {
            inMdc(id, () -> super.onMessage(message));
          }

          @Override
          public void onHalfClose() {
            inMdc(id, () -> super.onHalfClose());
          }

          @Override
          public void onCancel() {
            inMdc(id, () -> super.onCancel());
          }

          @Override
          public void onComplete() {
            inMdc(id, () -> super.onComplete());
          }
        };
      }
    };
  }

  /**
   * Runs {@code step} with {@code id} in the MDC, then puts back what was there: a nested call
   * on the same thread (in-process, direct executor) must not wipe its caller's id.
   */
  private static void inMdc(String id, Runnable step) {
    String previous = MDC.get(MDC_KEY);
    MDC.put(MDC_KEY, id);
    try {
      step.run();
    } finally {
      restore(previous);
    }
  }

  private static void restore(String previous) {
    if (previous == null) {
      MDC.remove(MDC_KEY);
    } else {
      MDC.put(MDC_KEY, previous);
    }
  }

  /** Sends the current id on outbound calls and restores it in the MDC for their callbacks. */
  static ClientInterceptor clientInterceptor() {
    return new ClientInterceptor() {
      @Override
      public <Q, A> ClientCall<Q, A> interceptCall(
          MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
        String id = CONTEXT.get();
        if (id == null) {
          return next.newCall(method, options);
        }
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<A> listener, Metadata headers) {
            headers.put(HEADER, id);
            super.start(new SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onMessage(A message) {
                inMdc(id, () -> super.onMessage(message));
              }

              @Override
              public void onClose(Status status, Metadata trailers) {
                inMdc(id, () -> super.onClose(status, trailers));
              }
            }, headers);
          }
        };
      }
    };
  }
}
