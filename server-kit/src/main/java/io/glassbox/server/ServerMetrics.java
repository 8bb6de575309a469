package io.glassbox.server;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Prometheus metrics of one server: {@value #HANDLING} (a latency histogram per service, method
 * and status code; its {@code _count} is the number of calls per status), the process's and
 * the JVM's ({@link ProcessMetrics}), the build's ({@link BuildInfo}) and whatever the service registers itself in {@link #registry()}. Each server has its own registry, so the
 * services of the one-process suite do not mix their numbers.
 */
public final class ServerMetrics {
  static final String HANDLING = "glassbox_grpc_server_handling_seconds";
  /** Latency buckets in seconds, from a cached lookup to a deadline-long call. */
  public static final double[] LATENCY_BUCKETS =
      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  /**
   * How long before its deadline a client's cancel still counts as the deadline's, at most: more
   * than the headers of a call take to arrive on a loaded machine, far less than a deadline a
   * caller sets. A call of a short timeout gets less (see {@link #unansweredEnd}).
   */
  static final long DEADLINE_SLACK_MILLIS = 250;
  /** The slack's share of a call's timeout, when that is less than {@link #DEADLINE_SLACK_MILLIS}. */
  static final int DEADLINE_SLACK_PERCENT = 25;
  /** The timeout a client sent (gRPC reads it, and leaves it in the headers). */
  private static final Metadata.Key<String> GRPC_TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Histogram handling;

  /** The metrics of server {@code service} (its name, the build metric's label), running {@code build}. */
  ServerMetrics(String service, BuildInfo build) {
    handling = Histogram.builder()
        .name(HANDLING)
        .help("Time from the start of a gRPC call to its status, by service, method and status code")
        .labelNames("service", "method", "code")
        .classicOnly()
        .classicUpperBounds(LATENCY_BUCKETS)
        .register(registry);
    ProcessMetrics.register(registry);
    build.register(registry, service);
  }

  /** Where a service registers its own metrics (e.g. the gateway's stage latencies). */
  public PrometheusRegistry registry() {
    return registry;
  }

  /** Records every call's outcome and latency, including calls refused by later interceptors. */
  ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        CallTimer timer = new CallTimer(call.getMethodDescriptor().getServiceName(),
            call.getMethodDescriptor().getBareMethodName());
        long timeoutNanos = timeoutNanos(headers);
        ServerCall<Q, A> observed = new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            timer.record(status.getCode());
            super.close(status, trailers);
          }
        };
        return new SimpleForwardingServerCallListener<>(next.startCall(observed, headers)) {
          @Override
          public void onCancel() {
            timer.record(unansweredEnd(Context.current().getDeadline(), timeoutNanos));
            super.onCancel();
          }
        };
      }
    };
  }

  /**
   * How a call that ended before the server answered ended: DEADLINE_EXCEEDED when its deadline
   * passed, CANCELLED when its client cancelled it. A client whose deadline passes cancels the
   * call itself (RST_STREAM), mostly before the server's own timer for it fires: the server's
   * deadline is the timeout the client sent counted from the headers' arrival, so it passes later
   * by the time they took to come. A cancel that arrives within the slack of the deadline, or
   * after it, is the deadline's; gRPC itself counted every such call CANCELLED (212 of 232
   * Recommends whose callers all saw DEADLINE_EXCEEDED, under load). The slack is
   * {@value #DEADLINE_SLACK_MILLIS} ms, or {@value #DEADLINE_SLACK_PERCENT}% of the call's timeout
   * when that is less: with a flat 250 ms, a call of a 250 ms timeout or less that its client
   * cancelled after 5 ms counted DEADLINE_EXCEEDED, as did the gateway's cancel of the other Score
   * shards (one shard failed) near the end of a short budget.
   *
   * <p>The timeout is the one the client sent (its {@code grpc-timeout} header), not the time
   * left when this interceptor ran plus the time since: a call waits in the server's executor
   * before its interceptors run, so that estimate shrank to the time left after the wait, and with
   * it the slack. A call whose cancel came before its handler started had a slack of a quarter of
   * its time left, and counted CANCELLED at whatever lateness short of the server's own timer
   * (a load test of the gateway at load 15 counted 6704 CANCELLED and 1562 DEADLINE_EXCEEDED of calls
   * whose client saw DEADLINE_EXCEEDED every one).
   *
   * @param deadline the call's deadline (its Context's); null without one
   * @param timeoutNanos the call's whole timeout, as its client sent it
   */
  static Status.Code unansweredEnd(Deadline deadline, long timeoutNanos) {
    if (deadline == null) {
      return Status.Code.CANCELLED;
    }
    long remainingNanos = deadline.timeRemaining(TimeUnit.NANOSECONDS);
    long slackNanos = Math.min(TimeUnit.MILLISECONDS.toNanos(DEADLINE_SLACK_MILLIS),
        Math.max(0, timeoutNanos) / 100 * DEADLINE_SLACK_PERCENT);
    return remainingNanos <= slackNanos ? Status.Code.DEADLINE_EXCEEDED : Status.Code.CANCELLED;
  }

  /**
   * The timeout a call's client sent, in nanoseconds (gRPC over HTTP/2: up to 8 digits and a unit,
   * H, M, S, m, u or n); 0 without one or when it is malformed, which leaves no slack.
   */
  static long timeoutNanos(Metadata headers) {
    String value = headers.get(GRPC_TIMEOUT);
    if (value == null || value.length() < 2 || value.length() > 9) {
      return 0;
    }
    long amount;
    try {
      amount = Long.parseLong(value.substring(0, value.length() - 1));
    } catch (NumberFormatException notANumber) {
      return 0;
    }
    if (amount < 0) {
      return 0;
    }
    TimeUnit unit = switch (value.charAt(value.length() - 1)) {
      case 'n' -> TimeUnit.NANOSECONDS;
      case 'u' -> TimeUnit.MICROSECONDS;
      case 'm' -> TimeUnit.MILLISECONDS;
      case 'S' -> TimeUnit.SECONDS;
      case 'M' -> TimeUnit.MINUTES;
      case 'H' -> TimeUnit.HOURS;
      default -> null;
    };
    return unit == null ? 0 : unit.toNanos(amount);
  }

  /** Times one call and records it once, whichever of close and cancel comes first. */
  private final class CallTimer {
    private final long startNanos = System.nanoTime();
    private final String service;
    private final String method;
    private final AtomicBoolean recorded = new AtomicBoolean();

    CallTimer(String service, String method) {
      this.service = service;
      this.method = method;
    }

    void record(Status.Code code) {
      if (recorded.compareAndSet(false, true)) {
        handling.labelValues(service, method, code.name()).observe((System.nanoTime() - startNanos) / 1e9);
      }
    }
  }
}
