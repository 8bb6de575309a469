package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import io.grpc.BindableService;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gRPC server with the plumbing every Glassbox service shares: the standard health service
 * (NOT_SERVING until {@link #setServing} says the service is ready), both server-reflection
 * services (v1 and v1alpha, so grpcurl and buf curl work), error translation, and a graceful
 * drain on {@link #close}.
 */
public final class GrpcServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);

  private final String name;
  private final Server server;
  private final HealthStatusManager health;
  private final List<String> serviceNames;
  private final Duration drainTimeout;
  private final List<AutoCloseable> closeAfterDrain;

  private GrpcServer(
      String name, Server server, HealthStatusManager health, List<String> serviceNames,
      Duration drainTimeout, List<AutoCloseable> closeAfterDrain) {
    this.name = name;
    this.server = server;
    this.health = health;
    this.serviceNames = List.copyOf(serviceNames);
    this.drainTimeout = drainTimeout;
    this.closeAfterDrain = List.copyOf(closeAfterDrain);
  }

  /** A server listening on a TCP port of all interfaces; port 0 picks a free one. */
  public static Builder onPort(String name, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    // Clients re-resolve a dns:/// target only when a connection ends; ageing connections out
    // lets round_robin clients find replicas added after they connected.
    ServerBuilder<?> builder = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
        .maxConnectionAge(5, TimeUnit.MINUTES)
        .maxConnectionAgeGrace(30, TimeUnit.SECONDS);
    return new Builder(name, builder);
  }

  /**
   * A server listening on a TCP port of the loopback interface only, for admin services that
   * must not be reachable from other machines; port 0 picks a free one.
   */
  public static Builder onLoopbackPort(String name, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    return new Builder(name, NettyServerBuilder.forAddress(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), port), InsecureServerCredentials.create()));
  }

  /** A server reachable only inside this process, under {@code inProcessName}; for tests. */
  public static Builder inProcess(String name, String inProcessName) {
    return new Builder(name, InProcessServerBuilder.forName(inProcessName).directExecutor());
  }

  /** The port the server listens on, or -1 for an in-process server. */
  public int port() {
    return server.getPort();
  }

  /** Reports readiness through the health service, overall and for each registered service. */
  public void setServing(boolean serving) {
    ServingStatus status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
    for (String service : serviceNames) {
      health.setStatus(service, status);
    }
    log.info("{} is {}", name, status);
  }

  /**
   * For a service's {@code main}: drains on SIGTERM/Ctrl-C (a shutdown hook calls {@link #close})
   * and blocks until the server has terminated.
   */
  public void serveUntilShutdown() throws InterruptedException {
    Runtime.getRuntime().addShutdownHook(new Thread(this::close, name + "-shutdown"));
    awaitTermination();
  }

  /** Blocks until the server has terminated. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /**
   * Drains: health goes NOT_SERVING, no new calls are accepted, calls in flight get the drain
   * timeout to finish, then whatever is left is cancelled; then the resources registered with
   * {@link Builder#closeAfterDrain} are closed, last registered first.
   */
  @Override
  public synchronized void close() {
    if (server.isShutdown()) {
      return;
    }
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("{} did not drain in {}; cancelling calls in flight", name, drainTimeout);
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    for (int i = closeAfterDrain.size() - 1; i >= 0; i--) {
      try {
        closeAfterDrain.get(i).close();
      } catch (Exception e) {
        log.warn("{}: a resource failed to close", name, e);
      }
    }
    log.info("{} stopped", name);
  }

  /** Collects the services of one server. */
  public static final class Builder {
    private final String name;
    private final ServerBuilder<?> builder;
    private final HealthStatusManager health = new HealthStatusManager();
    private final List<String> serviceNames = new ArrayList<>();
    private final List<AutoCloseable> closeAfterDrain = new ArrayList<>();
    private Duration drainTimeout = Duration.ofSeconds(10);

    private Builder(String name, ServerBuilder<?> builder) {
      this.name = requireNonNull(name, "name");
      this.builder = builder;
    }

    /** Adds a service; uncaught exceptions in it reach clients as INTERNAL, never UNKNOWN. */
    public Builder addService(BindableService service) {
      ServerServiceDefinition definition = service.bindService();
      serviceNames.add(definition.getServiceDescriptor().getName());
      builder.addService(ServerInterceptors.intercept(definition, new UncaughtExceptionInterceptor()));
      return this;
    }

    /** How long {@link GrpcServer#close} lets calls in flight finish; default 10 s. */
    public Builder drainTimeout(Duration timeout) {
      this.drainTimeout = requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Registers something the services use (a client channel, a model session) to be closed once
     * the server has drained, so calls in flight can still use it.
     */
    public Builder closeAfterDrain(AutoCloseable resource) {
      closeAfterDrain.add(requireNonNull(resource, "resource"));
      return this;
    }

    /** Starts listening, NOT_SERVING until {@link GrpcServer#setServing}(true). */
    public GrpcServer start() {
      builder.addService(health.getHealthService());
      builder.addService(ProtoReflectionServiceV1.newInstance());
      builder.addService(ProtoReflectionService.newInstance());
      Server server = builder.build();
      GrpcServer started =
          new GrpcServer(name, server, health, serviceNames, drainTimeout, closeAfterDrain);
      started.setServing(false);
      try {
        server.start();
      } catch (IOException e) {
        throw new UncheckedIOException(name + " could not start: " + e.getMessage(), e);
      }
      log.info("{} listening on port {}", name, server.getPort());
      return started;
    }
  }
}
