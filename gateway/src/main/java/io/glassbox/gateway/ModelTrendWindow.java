package io.glassbox.gateway;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;
import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.SettableFuture;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active model version's trend window ({@code ModelInfo.trend.window}), which the gateway
 * asks the feature service to count recent purchases over. Fetched with GetModelInfo once before
 * the gateway reports SERVING ({@link #awaitFirst}), so that its first answers already rank by the
 * served score; then in the background, never on a request's critical path: every
 * {@link #REFRESH_NANOS} ns once known, every {@link #RETRY_NANOS} ns while it is not (the model
 * service was not up yet). Until it is known (or when the model has no trend term) it is empty,
 * and Recommend scores without counts (the trend term is then 0). A version swap that changes the
 * window is picked up at the next refresh; until then Score answers FAILED_PRECONDITION and the
 * gateway ranks by retrieval, as for any model failure. One instance serves Recommend and the
 * explanation RPCs, so both count recent purchases over the same window.
 */
@Singleton
final class ModelTrendWindow {
  private static final Logger log = LoggerFactory.getLogger(ModelTrendWindow.class);
  static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(30);
  static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long FETCH_TIMEOUT_MILLIS = 2_000;

  private final ModelServiceGrpc.ModelServiceFutureStub model;
  private final Deadline.Ticker ticker;
  private final AtomicBoolean fetching = new AtomicBoolean();
  private volatile Optional<Duration> window = Optional.empty();
  /** A GetModelInfo answer has been read (the window, or that the model has none). */
  private volatile boolean known;
  private volatile long lastAttempt;
  private volatile boolean attempted;
  /** The last fetch started; done once it ended. */
  private volatile ListenableFuture<Void> inFlight = Futures.immediateVoidFuture();

  @Inject
  ModelTrendWindow(@ModelChannel Channel modelChannel, Deadline.Ticker ticker) {
    this(ModelServiceGrpc.newFutureStub(requireNonNull(modelChannel, "modelChannel")), ticker);
  }

  ModelTrendWindow(ModelServiceGrpc.ModelServiceFutureStub model, Deadline.Ticker ticker) {
    this.model = requireNonNull(model, "model");
    this.ticker = requireNonNull(ticker, "ticker");
  }

  /** The window as last fetched; starts a refresh when it is due. */
  Optional<Duration> current() {
    refreshIfDue();
    return window;
  }

  /**
   * Fetches the window now and waits for an answer, asking again (every
   * {@value #FIRST_RETRY_MILLIS} ms) while the model service refuses, at most
   * {@code timeoutMillis} in all: at start, so that the first requests rank with it. Returns
   * whether an answer was read; when not (the model service is not up yet, or too slow), the
   * background retries go on.
   */
  boolean awaitFirst(long timeoutMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (!known) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      try {
        fetchUnlessFetching().get(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (TimeoutException e) {
        break;
      } catch (ExecutionException e) {
        log.debug("no trend window yet", e);
        try {
          Thread.sleep(Math.min(FIRST_RETRY_MILLIS, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    return known;
  }

  /** How long {@link #awaitFirst} waits between refused attempts. */
  static final long FIRST_RETRY_MILLIS = 100;

  /** Starts a fetch when one is due and none is in flight; done when that fetch (if any) ends. */
  private ListenableFuture<Void> refreshIfDue() {
    long interval = known ? REFRESH_NANOS : RETRY_NANOS;
    if (attempted && ticker.nanoTime() - lastAttempt < interval) {
      return Futures.immediateVoidFuture();
    }
    return fetchUnlessFetching();
  }

  /** Starts a fetch unless one is in flight; done when the fetch it started (if any) ends. */
  private ListenableFuture<Void> fetchUnlessFetching() {
    if (!fetching.compareAndSet(false, true)) {
      return inFlight;
    }
    attempted = true;
    lastAttempt = ticker.nanoTime();
    // Not tied to the request that happened to trigger it: a cancelled request must not cancel
    // the refresh.
    Context previous = Context.ROOT.attach();
    try {
      inFlight = fetch();
      return inFlight;
    } finally {
      Context.ROOT.detach(previous);
    }
  }

  private ListenableFuture<Void> fetch() {
    SettableFuture<Void> done = SettableFuture.create();
    Futures.addCallback(
        model.withDeadlineAfter(FETCH_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
            .getModelInfo(GetModelInfoRequest.getDefaultInstance()),
        new FutureCallback<ModelInfo>() {
          @Override
          public void onSuccess(ModelInfo info) {
            window = info.hasTrend() ? Optional.of(info.getTrend().getWindow()) : Optional.empty();
            known = true;
            fetching.set(false);
            done.set(null);
          }

          @Override
          public void onFailure(Throwable failure) {
            log.debug("GetModelInfo failed; scoring without recent purchases for now", failure);
            fetching.set(false);
            done.setException(failure);
          }
        },
        directExecutor());
    return done;
  }
}
