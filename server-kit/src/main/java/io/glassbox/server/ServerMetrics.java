package io.glassbox.server;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Prometheus metrics of one server: {@value #HANDLING} (a latency histogram per service, method
 * and status code; its {@code _count} is the number of calls per status) and whatever the
 * service registers itself in {@link #registry()}. Each server has its own registry, so the
 * services of the one-process suite do not mix their numbers.
 */
public final class ServerMetrics {
  static final String HANDLING = "glassbox_grpc_server_handling_seconds";
  /** Latency buckets in seconds, from a cached lookup to a deadline-long call. */
  public static final double[] LATENCY_BUCKETS =
      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Histogram handling;

  ServerMetrics() {
    handling = Histogram.builder()
        .name(HANDLING)
        .help("Time from the start of a gRPC call to its status, by service, method and status code")
        .labelNames("service", "method", "code")
        .classicOnly()
        .classicUpperBounds(LATENCY_BUCKETS)
        .register(registry);
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
            // The client went away (or its deadline passed) before the server answered.
            timer.record(Status.Code.CANCELLED);
            super.onCancel();
          }
        };
      }
    };
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
