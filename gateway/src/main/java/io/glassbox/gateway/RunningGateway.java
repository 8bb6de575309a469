package io.glassbox.gateway;

import static java.util.Objects.requireNonNull;

import io.glassbox.gateway.viewer.ViewerServer;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.GrpcServer;
import io.grpc.ManagedChannel;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * A started gateway: the gRPC server of the public API and, when enabled, the viewer page with
 * the channel it calls that API on. Closing stops the page first, then drains the gRPC server.
 */
public final class RunningGateway implements AutoCloseable {
  private final GrpcServer grpc;
  private final Optional<ViewerServer> viewer;
  private final Optional<ManagedChannel> viewerChannel;

  RunningGateway(GrpcServer grpc, Optional<ViewerServer> viewer,
      Optional<ManagedChannel> viewerChannel) {
    this.grpc = requireNonNull(grpc, "grpc");
    this.viewer = requireNonNull(viewer, "viewer");
    this.viewerChannel = requireNonNull(viewerChannel, "viewerChannel");
  }

  /** The gRPC server of the public Gateway API. */
  public GrpcServer grpc() {
    return grpc;
  }

  /** The port of the public Gateway API. */
  public int port() {
    return grpc.port();
  }

  /** Where the viewer page is served; empty when it is disabled. */
  public Optional<URI> viewerUri() {
    return viewer.map(ViewerServer::uri);
  }

  /** For {@code main}: drains on SIGTERM/Ctrl-C and blocks until the gateway has stopped. */
  public void serveUntilShutdown() throws InterruptedException {
    Runtime.getRuntime().addShutdownHook(new Thread(this::close, "gateway-shutdown"));
    awaitTermination();
  }

  /** Blocks until the gRPC server has terminated. */
  public void awaitTermination() throws InterruptedException {
    grpc.awaitTermination();
  }

  @Override
  public synchronized void close() {
    viewer.ifPresent(ViewerServer::close);
    viewerChannel.ifPresent(channel -> ClientChannels.shutDown(channel, Duration.ofSeconds(2)));
    grpc.close();
  }
}
