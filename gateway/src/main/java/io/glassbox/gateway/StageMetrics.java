package io.glassbox.gateway;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;

import com.google.common.util.concurrent.ListenableFuture;
import io.glassbox.server.ServerMetrics;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.concurrent.ExecutionException;

/**
 * Latency of each stage of a Recommend, {@value #NAME}{stage, code}: {@code features} (history
 * and candidates, in parallel), {@code score}, {@code explain} and {@code items}; and of WhyNot's
 * {@code neighbours} (GetCoPurchaseNeighbours, with which it checks the "bought together" additions
 * of an explain service that does not say it applied the gateway's minimum of shared orders, only
 * then). Code is the gRPC status the stage's call ended with (OK, or why the answer was degraded
 * or failed).
 */
@Singleton
final class StageMetrics {
  static final String NAME = "glassbox_gateway_stage_seconds";

  private final Histogram stages;

  @Inject
  StageMetrics(PrometheusRegistry registry) {
    stages = Histogram.builder()
        .name(NAME)
        .help("Latency of each stage of a Recommend call (and of WhyNot's neighbours check), by stage and the status it ended with")
        .labelNames("stage", "code")
        .classicOnly()
        .classicUpperBounds(ServerMetrics.LATENCY_BUCKETS)
        .register(registry);
  }

  /** Records {@code call}'s latency under {@code stage} when it completes; returns it. */
  <T> ListenableFuture<T> time(String stage, ListenableFuture<T> call) {
    long start = System.nanoTime();
    call.addListener(() -> stages.labelValues(stage, code(call).name())
        .observe((System.nanoTime() - start) / 1e9), directExecutor());
    return call;
  }

  private static Status.Code code(ListenableFuture<?> done) {
    try {
      done.get();
      return Status.Code.OK;
    } catch (ExecutionException e) {
      return Status.fromThrowable(e.getCause()).getCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Status.Code.CANCELLED;
    } catch (java.util.concurrent.CancellationException e) {
      return Status.Code.CANCELLED;
    }
  }
}
