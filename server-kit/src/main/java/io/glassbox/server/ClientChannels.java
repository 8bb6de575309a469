package io.glassbox.server;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Builds the channels services use to call each other: TLS and an API key when configured, the
 * request id passed on, retries for the idempotent reads the caller names (see {@link Retries}),
 * round-robin over every address the target resolves to (a headless Service on Kubernetes), the
 * message-size limit every server shares, and prompt reconnection when a dependency comes back.
 * The key is the one in force when a call starts: the service that owns the settings reads its
 * file again ({@link GrpcServer.Builder#watchClientKey}), once for all its channels.
 * Whoever builds a channel shuts it down.
 */
public final class ClientChannels {
  private static final String IN_PROCESS_PREFIX = "in-process:";

  /** Which threads complete a channel's calls (run its response callbacks and listeners). */
  public enum Callbacks {
    /** gRPC's shared pool: safe for any caller, one more thread hand-off per reply. */
    POOLED,
    /**
     * The transport's own thread that read the reply: no hand-off (on 2 cores a woken thread
     * cost 50-100 us per reply, measured). Only for callers whose continuations never block,
     * since a blocked transport thread stalls every connection it serves.
     */
    ON_TRANSPORT
  }

  private ClientChannels() {}

  /** A plaintext channel without key or retries; for tools and tests. */
  public static ManagedChannel forTarget(String target) {
    return forTarget(target, ClientSettings.plaintext(), Retries.none());
  }

  /**
   * A channel to {@code target}: {@code host:port}, any gRPC target URI such as
   * {@code dns:///feature-service:50052}, or {@code in-process:NAME} for a server in this process.
   */
  public static ManagedChannel forTarget(String target, ClientSettings settings, Retries retries) {
    return forTarget(target, settings, retries, Callbacks.POOLED);
  }

  /** As {@link #forTarget(String, ClientSettings, Retries)}, its calls completed on {@code callbacks}. */
  public static ManagedChannel forTarget(
      String target, ClientSettings settings, Retries retries, Callbacks callbacks) {
    ManagedChannelBuilder<?> builder = target.startsWith(IN_PROCESS_PREFIX)
        ? InProcessChannelBuilder.forName(target.substring(IN_PROCESS_PREFIX.length()))
        : Grpc.newChannelBuilder(target, settings.tls().channelCredentials());
    builder.defaultServiceConfig(retries.serviceConfig())
        .enableRetry()
        .maxInboundMessageSize(MessageLimits.MAX_MESSAGE_BYTES)
        .intercept(RequestIds.clientInterceptor());
    if (callbacks == Callbacks.ON_TRANSPORT) {
      builder.directExecutor();
    }
    settings.apiKey().ifPresent(key -> builder.intercept(presenting(new BearerKey(key::current))));
    return new ReconnectingChannel(builder.build(), settings.reconnectProbe(), target);
  }

  /**
   * Shuts {@code channel} down, letting its calls in flight finish for up to {@code grace}, then
   * cancels those left. Interrupted while waiting, it cancels them at once and keeps the thread's
   * interrupt.
   */
  public static void shutDown(ManagedChannel channel, Duration grace) {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** Adds the key to calls that bring no credentials of their own (an admin CLI may). */
  private static ClientInterceptor presenting(BearerKey key) {
    return new ClientInterceptor() {
      @Override
      public <Q, A> ClientCall<Q, A> interceptCall(
          MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
        return next.newCall(method, options.getCredentials() == null ? options.withCallCredentials(key) : options);
      }
    };
  }
}
