package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A channel that does not wait out gRPC's reconnect backoff. After a long outage that backoff
 * grows to two minutes, so a dependency that comes back would sit unused for up to that long
 * (13.8 s after a 45 s outage, measured). While the channel is in TRANSIENT_FAILURE this resets
 * the backoff every {@code probe}, which costs one connection attempt per probe and nothing
 * while the channel is healthy.
 */
final class ReconnectingChannel extends ManagedChannel {
  private final ManagedChannel delegate;
  private final ScheduledExecutorService probes;

  ReconnectingChannel(ManagedChannel delegate, Duration probe, String target) {
    this.delegate = requireNonNull(delegate, "delegate");
    this.probes = Executors.newSingleThreadScheduledExecutor(
        new ThreadFactoryBuilder().setNameFormat("reconnect-" + target.replace("%", "%%")).setDaemon(true).build());
    probes.scheduleWithFixedDelay(this::probe, probe.toMillis(), probe.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void probe() {
    if (delegate.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      delegate.resetConnectBackoff();
    }
  }

  @Override
  public ManagedChannel shutdown() {
    probes.shutdownNow();
    delegate.shutdown();
    return this;
  }

  @Override
  public ManagedChannel shutdownNow() {
    probes.shutdownNow();
    delegate.shutdownNow();
    return this;
  }

  @Override
  public boolean isShutdown() {
    return delegate.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return delegate.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return delegate.awaitTermination(timeout, unit);
  }

  @Override
  public ConnectivityState getState(boolean requestConnection) {
    return delegate.getState(requestConnection);
  }

  @Override
  public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
    delegate.notifyWhenStateChanged(source, callback);
  }

  @Override
  public void resetConnectBackoff() {
    delegate.resetConnectBackoff();
  }

  @Override
  public void enterIdle() {
    delegate.enterIdle();
  }

  @Override
  public <Q, A> ClientCall<Q, A> newCall(MethodDescriptor<Q, A> method, CallOptions options) {
    return delegate.newCall(method, options);
  }

  @Override
  public String authority() {
    return delegate.authority();
  }
}
