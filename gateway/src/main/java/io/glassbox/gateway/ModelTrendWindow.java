package io.glassbox.gateway;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;
import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.protobuf.Duration;
import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.ModelInfo;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Deadline;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active model version's trend window ({@code ModelInfo.trend.window}), which the gateway
 * asks the feature service to count recent purchases over. Fetched in the background with
 * GetModelInfo, at most every {@link #REFRESH_NANOS} ns and never on a request's critical path:
 * until it is known (or when the model has no trend term, or the model service cannot say) it is
 * empty, and Recommend scores without counts (the trend term is then 0). A version swap that
 * changes the window is picked up at the next refresh; until then Score answers
 * FAILED_PRECONDITION and the gateway ranks by retrieval, as for any model failure. One instance
 * serves Recommend and the explanation RPCs, so both count recent purchases over the same window.
 */
@Singleton
final class ModelTrendWindow {
  private static final Logger log = LoggerFactory.getLogger(ModelTrendWindow.class);
  static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final long FETCH_TIMEOUT_MILLIS = 2_000;

  private final ModelServiceGrpc.ModelServiceFutureStub model;
  private final Deadline.Ticker ticker;
  private final AtomicBoolean fetching = new AtomicBoolean();
  private volatile Optional<Duration> window = Optional.empty();
  private volatile long lastAttempt;
  private volatile boolean attempted;

  @Inject
  ModelTrendWindow(@ModelChannel Channel modelChannel, Deadline.Ticker ticker) {
    this(ModelServiceGrpc.newFutureStub(requireNonNull(modelChannel, "modelChannel")), ticker);
  }

  ModelTrendWindow(ModelServiceGrpc.ModelServiceFutureStub model, Deadline.Ticker ticker) {
    this.model = requireNonNull(model, "model");
    this.ticker = requireNonNull(ticker, "ticker");
  }

  /** The window as last fetched; starts a refresh when it is stale. */
  Optional<Duration> current() {
    long now = ticker.nanoTime();
    if ((!attempted || now - lastAttempt >= REFRESH_NANOS) && fetching.compareAndSet(false, true)) {
      attempted = true;
      lastAttempt = now;
      // Not tied to the request that happened to trigger it: a cancelled request must not
      // cancel the refresh.
      Context.ROOT.run(this::fetch);
    }
    return window;
  }

  private void fetch() {
    Futures.addCallback(
        model.withDeadlineAfter(FETCH_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
            .getModelInfo(GetModelInfoRequest.getDefaultInstance()),
        new FutureCallback<ModelInfo>() {
          @Override
          public void onSuccess(ModelInfo info) {
            window = info.hasTrend() ? Optional.of(info.getTrend().getWindow()) : Optional.empty();
            fetching.set(false);
          }

          @Override
          public void onFailure(Throwable failure) {
            log.debug("GetModelInfo failed; scoring without recent purchases for now", failure);
            fetching.set(false);
          }
        },
        directExecutor());
  }
}
