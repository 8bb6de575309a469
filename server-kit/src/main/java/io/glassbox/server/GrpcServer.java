package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * One gRPC server with the plumbing every Glassbox service shares: the standard health service
 * (NOT_SERVING until {@link #setServing} says the service is ready, and for good once the
 * certificate it serves has expired), both server-reflection
 * services (v1 and v1alpha, so grpcurl and buf curl work), and around every service call, from
 * the outside in: malformed-request and description-length guards, request ids, Prometheus
 * metrics, API-key authentication with per-key rate limits, and admission control. Admin
 * services get a second server on their own (loopback by default) port that requires the admin
 * role. {@link #close} drains gracefully.
 */
public final class GrpcServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);
  /**
   * The metrics port's bounds. Up to 512 connections open, each with 10 s for its request's head
   * (Prometheus waits 10 s by default) and 10 s for its answer to be written; a head over 32 KiB is
   * closed; four threads answer complete requests (a scrape or a probe takes milliseconds), with 64
   * more waiting; 16 MiB of answers held for writing at once, all connections together (beyond, the
   * connection whose answer has waited longest is closed). Hundreds of clients that each send a byte
   * and stall hold connections, no thread; clients that ask for a scrape and never read it hold no
   * more than that.
   */
  private static final HeadFirstHttpServer.Limits METRICS_LIMITS = new HeadFirstHttpServer.Limits(512,
      Duration.ofSeconds(10), MessageLimits.MAX_HTTP_HEADER_BYTES, Duration.ofSeconds(10), 4, 64,
      HeadFirstHttpServer.Limits.DEFAULT_HELD_BYTES);
  /** Threads beyond the concurrency limit, so refusals and health checks never wait. */
  private static final int SPARE_THREADS = 8;
  private static final int MAX_THREADS = 1024;

  private final String name;
  private final Server server;
  private final Optional<Server> adminServer;
  private final HealthStatusManager health;
  private final List<String> serviceNames;
  private final Duration drainTimeout;
  private final List<AutoCloseable> closeAfterDrain;
  private final Optional<MetricsPort> metricsServer;
  private final PrometheusRegistry metrics;
  private final ProbeEndpoints probes;
  /** The admission of each port, whose calls in flight the drain waits for. */
  private final List<AdmissionInterceptor> admissions;
  /** Guards the four fields below and every health update, so none lands after a drain began. */
  private final Object statusLock = new Object();
  /** Ready (health SERVING); admission reads it too, unguarded, to tell a starting server from a busy one. */
  private final AtomicBoolean serving;
  private boolean servicesAvailable = true;
  /** Why the served certificate keeps the server NOT_SERVING for good: it expired while the server ran. */
  private Optional<String> certificateExpired = Optional.empty();
  private boolean draining;

  private GrpcServer(Builder builder, Server server, Optional<Server> adminServer,
      Optional<MetricsPort> metricsServer) {
    this.name = builder.name;
    this.server = server;
    this.adminServer = adminServer;
    this.health = builder.health;
    this.serviceNames = List.copyOf(builder.serviceNames);
    this.drainTimeout = builder.drainTimeout;
    this.closeAfterDrain = List.copyOf(builder.closeAfterDrain);
    this.metricsServer = metricsServer;
    this.metrics = builder.metrics.registry();
    this.probes = builder.probes;
    this.admissions = List.copyOf(builder.admissions);
    this.serving = builder.serving;
  }

  /** A server on {@code port} of {@link ServerSettings#bindAddress}; port 0 picks a free one. */
  public static Builder onPort(String name, int port, ServerSettings settings) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    return new Builder(name, settings, new TcpTransport(name, port, settings, new CopyOnWriteArrayList<>(),
        new RefusedClientCertificates(name, settings.tls().caFile().map(Path::toString).orElse(""))));
  }

  /** The admin services' port of server {@code name}, as its refusals and its log say it. */
  private static String adminName(String name) {
    return name + "-admin";
  }

  /** A loopback server with {@link ServerSettings#defaults()}. */
  public static Builder onPort(String name, int port) {
    return onPort(name, port, ServerSettings.defaults());
  }

  /**
   * A server reachable only inside this process, under {@code inProcessName} (its admin services
   * under {@code inProcessName + "-admin"}); for tests.
   */
  public static Builder inProcess(String name, String inProcessName, ServerSettings settings) {
    return new Builder(name, settings, new InProcessTransport(inProcessName));
  }

  /** An in-process server with {@link ServerSettings#defaults()}. */
  public static Builder inProcess(String name, String inProcessName) {
    return inProcess(name, inProcessName, ServerSettings.defaults());
  }

  /** The port the server listens on, or -1 for an in-process server. */
  public int port() {
    return server.getPort();
  }

  /** The admin port, or -1 without admin services or in-process. */
  public int adminPort() {
    return adminServer.map(Server::getPort).orElse(-1);
  }

  /**
   * The port of {@code /metrics} and of the plain-HTTP probes {@code /ready}, {@code /started} and
   * {@code /live}
   * (see {@link ProbeEndpoints}), or -1 when metrics are off.
   */
  public int metricsPort() {
    return metricsServer.map(MetricsPort::port).orElse(-1);
  }

  /** This server's metrics, as {@code /metrics} serves them. */
  public PrometheusRegistry metrics() {
    return metrics;
  }

  /**
   * Reports readiness through the health service, overall and for each registered service (the
   * latter also needs {@link #setServicesAvailable}); ignored once {@link #close} has begun.
   */
  public void setServing(boolean serving) {
    ServingStatus overall;
    synchronized (statusLock) {
      this.serving.set(serving);
      overall = publishStatus();
    }
    log.info("{} is {}", name, overall);
  }

  /**
   * Says whether the services can answer now, while the process itself is fine: false while a
   * backend they cannot work without is down (the feature service's Redis). Each registered
   * service's health status and {@code /ready} go NOT_SERVING, so readiness probes move traffic
   * elsewhere; the overall status (service {@code ""}), which startup and liveness probes ask, and
   * {@code /started} and {@code /live} stay as they are, so the process is neither held back at
   * start nor restarted for another's outage. True by default.
   */
  public void setServicesAvailable(boolean available) {
    synchronized (statusLock) {
      this.servicesAvailable = available;
      publishStatus();
    }
  }

  /**
   * The served certificate has expired while the server ran ({@link ServedCertificateExpiry}): every
   * handshake fails from now on, so the overall status and each service's go NOT_SERVING, and
   * {@code /ready} and {@code /started} answer 503 with {@code reason}, for as long as the process
   * runs, whatever {@link #setServing} and {@link #setServicesAvailable} say later. {@code /live}
   * stays 200: a restart would only refuse to start. Logged once, at ERROR; at INFO when it lands
   * while the server drains, which is NOT_SERVING already and on its way out.
   */
  private void certificateExpired(String reason) {
    boolean wasDraining;
    synchronized (statusLock) {
      certificateExpired = Optional.of(reason);
      wasDraining = draining;
      publishStatus();
    }
    if (wasDraining) {
      log.info("{} (draining): {}", name, reason);
    } else {
      log.error("{}: {}", name, reason);
    }
  }

  /** Publishes the status the reasons compose; returns the overall one (nothing changes while draining). */
  private ServingStatus publishStatus() {
    boolean started = serving.get() && certificateExpired.isEmpty();
    if (draining) {
      return ServingStatus.NOT_SERVING;
    }
    boolean ready = started && servicesAvailable;
    for (String service : serviceNames) {
      health.setStatus(service, servingStatus(ready));
    }
    // The overall status last: a client that sees it SERVING and then asks a service (health --ready)
    // finds that service's status of this same change, not NOT_SERVING still from before start.
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, servingStatus(started));
    probes.notServingBecause(certificateExpired);
    probes.serving(ready);
    probes.started(started);
    return servingStatus(started);
  }

  private static ServingStatus servingStatus(boolean serving) {
    return serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
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
    synchronized (statusLock) {
      draining = true;
      health.enterTerminalState();
      probes.serving(false);
      probes.started(false);
    }
    // Before, the only line of a SIGTERM was "stopped", at the end: a slow drain read as a hung one.
    log.info("{} is draining: {} calls in flight, {} waiting for a slot; they have up to {} (the drain timeout) to"
        + " finish, then are cancelled", name, admissions.stream().mapToInt(AdmissionInterceptor::inFlight).sum(),
        admissions.stream().mapToInt(AdmissionInterceptor::waiting).sum(), spoken(drainTimeout));
    server.shutdown();
    adminServer.ifPresent(Server::shutdown);
    try {
      long deadline = System.nanoTime() + drainTimeout.toNanos();
      if (!server.awaitTermination(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)
          | !awaitAdmin(deadline - System.nanoTime())) {
        log.warn("{} did not drain in {}; cancelling calls in flight", name, spoken(drainTimeout));
        server.shutdownNow();
        adminServer.ifPresent(Server::shutdownNow);
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      adminServer.ifPresent(Server::shutdownNow);
      Thread.currentThread().interrupt();
    }
    for (int i = closeAfterDrain.size() - 1; i >= 0; i--) {
      try {
        closeAfterDrain.get(i).close();
      } catch (Exception e) {
        log.warn("{}: a resource failed to close", name, e);
      }
    }
    metricsServer.ifPresent(MetricsPort::close);
    log.info("{} stopped", name);
  }

  /**
   * {@code duration} as the log says it: in seconds when whole, else in milliseconds, with a
   * fraction when it has one (a drain timeout of 500 µs is "0.5 ms", not "0 s").
   */
  private static String spoken(Duration duration) {
    return duration.toNanos() % 1_000_000_000L == 0 ? duration.toSeconds() + " s"
        : BigDecimal.valueOf(duration.toNanos(), 6).stripTrailingZeros().toPlainString() + " ms";
  }

  private boolean awaitAdmin(long nanos) throws InterruptedException {
    return adminServer.isEmpty() || adminServer.get().awaitTermination(Math.max(0, nanos), TimeUnit.NANOSECONDS);
  }

  /** Collects the services of one server. */
  public static final class Builder {
    private final String name;
    private final ServerSettings settings;
    private final Transport transport;
    private final HealthStatusManager health = new HealthStatusManager();
    private final BuildInfo build = BuildInfo.current();
    private final ServerMetrics metrics;
    private final ProbeEndpoints probes = new ProbeEndpoints();
    private final KeyRateLimiter rateLimiter;
    /** The server's readiness, which its admissions read; set by {@link GrpcServer#setServing}. */
    private final AtomicBoolean serving = new AtomicBoolean();
    private final List<AdmissionInterceptor> admissions = new ArrayList<>();
    private final List<String> serviceNames = new ArrayList<>();
    private final List<ServerServiceDefinition> services = new ArrayList<>();
    private final List<ServerServiceDefinition> adminServices = new ArrayList<>();
    private final List<AutoCloseable> closeAfterDrain = new ArrayList<>();
    private Optional<ReloadingFile<String>> clientKey = Optional.empty();
    private int adminPort = -1;
    private Optional<String> portSetting = Optional.empty();
    private Optional<String> adminPortSetting = Optional.empty();
    private Duration drainTimeout = Duration.ofSeconds(10);
    private boolean nonBlockingHandlers;
    private Clock certificateClock = Clock.systemUTC();
    private Optional<ServedCertificateExpiry.Timer> certificateTimer = Optional.empty();

    private Builder(String name, ServerSettings settings, Transport transport) {
      this.name = requireNonNull(name, "name");
      this.settings = requireNonNull(settings, "settings");
      this.metrics = new ServerMetrics(name, build);
      this.transport = transport;
      this.rateLimiter = new KeyRateLimiter(settings.rateLimitPerKey(), settings.rateLimitExemptKeys(), System::nanoTime);
    }

    /**
     * Adds a service for callers with the client role; uncaught exceptions in it reach clients
     * as INTERNAL, never UNKNOWN.
     */
    public Builder addService(BindableService service) {
      ServerServiceDefinition definition = service.bindService();
      serviceNames.add(definition.getServiceDescriptor().getName());
      services.add(definition);
      return this;
    }

    /**
     * Adds a service to the admin server on {@code port} of {@link ServerSettings#adminBindAddress}
     * (0 picks a free one; every admin service of a server shares one port); callers need the
     * admin role when keys are configured.
     */
    public Builder addAdminService(BindableService service, int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("admin port must be 0..65535, got " + port);
      }
      if (adminPort >= 0 && adminPort != port) {
        throw new IllegalArgumentException("admin services share one port; got " + adminPort + " and " + port);
      }
      adminPort = port;
      adminServices.add(service.bindService());
      return this;
    }

    /**
     * The setting that chose the main port ({@code GLASSBOX_MODEL_PORT}), named when another
     * process holds that port, so the operator knows what to change.
     */
    public Builder portSetting(String key) {
      this.portSetting = Optional.of(requireNonNull(key, "key"));
      return this;
    }

    /** As {@link #portSetting}, for the admin port ({@code GLASSBOX_MODEL_ADMIN_PORT}). */
    public Builder adminPortSetting(String key) {
      this.adminPortSetting = Optional.of(requireNonNull(key, "key"));
      return this;
    }

    /** Where the service registers metrics of its own; served with the server's at /metrics. */
    public PrometheusRegistry metricsRegistry() {
      return metrics.registry();
    }

    /**
     * Runs the main server's calls on the transport's event-loop threads instead of handing each
     * one to a thread of the server's pool: one thread hand-off less per call. Only for services
     * whose handlers never block: they return at once and answer later from a thread of their
     * own (the model service's batching worker). Admin services keep the pool.
     */
    public Builder nonBlockingHandlers() {
      this.nonBlockingHandlers = true;
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

    /**
     * The clock and timer that tell when the served certificate expires, in place of the system's
     * clock and a thread of the server's own; for tests.
     */
    Builder certificateClock(Clock clock, ServedCertificateExpiry.Timer timer) {
      this.certificateClock = requireNonNull(clock, "clock");
      this.certificateTimer = Optional.of(timer);
      return this;
    }

    /**
     * The key file the service's channels present ({@code client}'s): read again while the server
     * runs, on one thread however many channels share it, and shown on {@code /metrics}
     * ({@code glassbox_client_key_loaded}, {@code glassbox_client_key_reload_failures_total}).
     */
    public Builder watchClientKey(ClientSettings client) {
      this.clientKey = client.apiKey();
      return this;
    }

    /**
     * Starts listening, NOT_SERVING until {@link GrpcServer#setServing}(true). Fails with a
     * {@link ConfigException} on a non-loopback address without API keys.
     */
    public GrpcServer start() {
      installJulBridge();
      settings.apiKeys().registerMetrics(metrics.registry(), "glassbox_api_keys");
      clientKey.ifPresent(key -> key.registerMetrics(metrics.registry(), "glassbox_client_key"));
      // Executors go last, after everything registered by the service has closed.
      List<AutoCloseable> executors = new ArrayList<>();
      Server server = null;
      Optional<Server> adminServer = Optional.empty();
      Optional<MetricsPort> metricsServer = Optional.empty();
      List<Runnable> stopWatching = new ArrayList<>();
      Optional<String> chainWarning = Optional.empty();
      Optional<String> expiryWarning = Optional.empty();
      Optional<ServedCertificateExpiry> certificateExpiry = Optional.empty();
      // Everything from the first event loop on is inside: the main server's event loops hold
      // files from the moment they are built, and building the admin server can still fail.
      try {
        // Read once, and checked again as the settings were (a file replaced since is refused here):
        // gRPC serves these bytes, and the gauge and the watch follow the dates of the same chain.
        // An in-process server serves no certificate.
        Optional<ServedCertificateFile> served = transport.certificateFile()
            .map(file -> ServedCertificateFile.read(file, settings.tls().keyFile().orElseThrow()));
        CertificateDates.registerMetrics(metrics.registry(), served.map(ServedCertificateFile::chain),
            settings.tls().caFile());
        ServerBuilder<?> main = transport.main(executors, nonBlockingHandlers, metrics.registry(), served);
        Counter admissionRefusals = AdmissionInterceptor.refusalCounter(metrics.registry());
        configure(main, services, Role.CLIENT, admissionRefusals);
        main.addService(health.getHealthService());
        addReflection(main);
        Optional<ServerBuilder<?>> admin = Optional.empty();
        if (!adminServices.isEmpty()) {
          ServerBuilder<?> adminBuilder = transport.admin(adminPort, executors, served);
          configure(adminBuilder, adminServices, Role.ADMIN, admissionRefusals);
          addReflection(adminBuilder);
          admin = Optional.of(adminBuilder);
        }
        server = main.build();
        adminServer = admin.map(ServerBuilder::build);
        bind(server::start, settings.bindAddress(), ServerSettings.BIND_ADDRESS_KEY, transport.port(), portSetting);
        if (adminServer.isPresent()) {
          bind(adminServer.get()::start, settings.adminBindAddress(), ServerSettings.ADMIN_BIND_ADDRESS_KEY, adminPort,
              adminPortSetting);
        }
        metricsServer = bind(this::startMetrics, settings.bindAddress(), ServerSettings.BIND_ADDRESS_KEY,
            settings.metricsPort(),
            Optional.of(ServerSettings.METRICS_PORT_KEY));
        // The key files are read again while the server runs, each by one thread.
        stopWatching.add(settings.apiKeys().watch(name + "-api-keys"));
        clientKey.ifPresent(key -> stopWatching.add(key.watch(name + "-client-key")));
        chainWarning = served.flatMap(settings.tls()::chainWarning);
        expiryWarning = served.flatMap(file -> CertificateDates.expiryWarning(TlsSettings.CERT_KEY, file.file(),
            file.chain(), Instant.now()));
        certificateExpiry = served.map(file -> ServedCertificateExpiry.of(file, certificateClock,
            certificateTimer.orElseGet(() -> certificateTimer(executors))));
      } catch (IOException | RuntimeException e) {
        // Whatever failed, nothing built here outlives it: a port left bound refuses the next
        // start, and event loops left open keep their files.
        stopWatching.forEach(Runnable::run);
        metricsServer.ifPresent(MetricsPort::close);
        if (server != null) {
          server.shutdownNow();
        }
        adminServer.ifPresent(Server::shutdownNow);
        executors.forEach(GrpcServer::closeQuietly);
        if (server != null) {
          awaitStopped(server);
        }
        adminServer.ifPresent(GrpcServer::awaitStopped);
        throw e instanceof IOException io ? new UncheckedIOException(name + " could not start: " + e.getMessage(), io)
            : (RuntimeException) e;
      }
      closeAfterDrain.addAll(0, executors);
      stopWatching.forEach(stop -> closeAfterDrain.add(stop::run));
      certificateExpiry.ifPresent(closeAfterDrain::add);
      GrpcServer started = new GrpcServer(this, server, adminServer, metricsServer);
      started.setServing(false);
      log.info("{} listening on port {}{}{}{}{}; build {}", name, server.getPort(),
          adminServer.map(s -> ", admin port " + s.getPort()).orElse(""),
          metricsServer.map(s -> ", metrics port " + s.port()).orElse(""),
          settings.tls().enabled() ? (settings.tls().mutual() ? ", mutual TLS" : ", TLS") : ", plaintext",
          settings.apiKeys().current().enabled() ? ", API keys required" : ", no API keys", build);
      plaintextKeysWarning(server, adminServer).ifPresent(log::warn);
      chainWarning.ifPresent(warning -> log.warn("{}: {}", name, warning));
      expiryWarning.ifPresent(warning -> log.warn("{}: {}", name, warning));
      certificateExpiry.ifPresent(expiry -> expiry.start(started::certificateExpired));
      return started;
    }

    /**
     * One thread of this server's that waits for its certificate's notAfter; stopped with {@code
     * executors} (after the drain, or when the start fails).
     */
    private ServedCertificateExpiry.Timer certificateTimer(List<AutoCloseable> executors) {
      ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, new ThreadFactoryBuilder()
          .setNameFormat(name + "-certificate-expiry").setDaemon(true).build());
      executor.setRemoveOnCancelPolicy(true);
      executors.add(executor::shutdownNow);
      return (task, delay) -> executor.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * A server that takes API keys in plaintext on an address beyond loopback receives them over
     * the network in clear, for anyone on the way to read and reuse: said once, at start, with the
     * settings that turn TLS on.
     */
    private Optional<String> plaintextKeysWarning(Server main, Optional<Server> admin) {
      if (settings.tls().enabled() || !settings.apiKeys().current().enabled()) {
        return Optional.empty();
      }
      List<String> exposed = new ArrayList<>();
      if (beyondLoopback(main)) {
        exposed.add(ServerSettings.BIND_ADDRESS_KEY + "=" + settings.bindAddress());
      }
      if (admin.isPresent() && beyondLoopback(admin.get())) {
        exposed.add(ServerSettings.ADMIN_BIND_ADDRESS_KEY + "=" + settings.adminBindAddress());
      }
      if (exposed.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(name + " takes API keys in plaintext on " + String.join(" and ", exposed)
          + ": the keys cross the network in clear, for anyone on the way to read and use. Set "
          + TlsSettings.CERT_KEY + " and " + TlsSettings.KEY_KEY + " to turn TLS on (" + TlsSettings.CA_KEY
          + " too for mutual TLS), or bind " + ServerSettings.DEFAULT_BIND_ADDRESS);
    }

    private static boolean beyondLoopback(Server server) {
      return server.getListenSockets().stream()
          .anyMatch(address -> address instanceof InetSocketAddress socket && !socket.getAddress().isLoopbackAddress());
    }

    /**
     * The services of one port ({@code role}: the client port, or the admin services' port) behind
     * the interceptors; the admission of each port counts its refusals in {@code admissionRefusals},
     * and names its port in them as the connection cap does ({@code <name>-admin} for the admin port).
     */
    private void configure(ServerBuilder<?> builder, List<ServerServiceDefinition> definitions, Role role,
        Counter admissionRefusals) {
      AuthInterceptor auth = new AuthInterceptor(settings.apiKeys(), role, rateLimiter, admissionRefusals);
      AdmissionInterceptor admission = new AdmissionInterceptor(role == Role.ADMIN ? adminName(name) : name, role,
          settings.maxConcurrentCalls(), settings.maxQueuedCalls(), settings.maxQueueWait(), admissionRefusals,
          serving::get);
      closeAfterDrain.add(admission);
      admissions.add(admission);
      if (role == Role.CLIENT) {
        admission.registerGauges(metrics.registry());   // the gauges have no port label: the client port's
      }
      CallGuard guard = new CallGuard();
      for (ServerServiceDefinition definition : definitions) {
        ServerServiceDefinition typed = ServerInterceptors.intercept(definition, new UncaughtExceptionInterceptor());
        // Raw bytes in, so that CallGuard sees (and can answer) a request that does not parse.
        ServerServiceDefinition raw = ServerInterceptors.useInputStreamMessages(typed);
        builder.addService(ServerInterceptors.interceptForward(raw,
            guard, RequestIds.serverInterceptor(name), metrics.interceptor(), auth, ConnectionCap.authenticatedCalls(),
            admission));
      }
      builder.maxInboundMessageSize(MessageLimits.MAX_MESSAGE_BYTES)
          .maxInboundMetadataSize(MessageLimits.MAX_METADATA_BYTES);
    }

    private static void addReflection(ServerBuilder<?> builder) {
      builder.addService(ProtoReflectionServiceV1.newInstance());
      builder.addService(ProtoReflectionService.newInstance());
    }

    /** Something that starts listening on a port. */
    private interface Listen<T> {
      T start() throws IOException;
    }

    /**
     * Runs {@code listen}; a port another process holds is a {@link PortInUseException} naming the
     * port, the setting that chose it and the address, which Netty's "Failed to bind" and the JDK
     * HTTP server's "Address already in use" do not all say. A port the system refuses for another
     * reason (a port below 1024 to a user that is not root, an address not of this host) is a
     * {@link CannotListenException} in the system's words, blaming no other process.
     */
    private static <T> T bind(Listen<T> listen, String address, String addressSetting, int port,
        Optional<String> setting) throws IOException {
      try {
        return listen.start();
      } catch (IOException | RuntimeException e) {
        if (e instanceof IOException failure) {
          throw CannotListenException.of(failure, address, addressSetting, port, setting);
        }
        if (ServiceStartup.addressInUse(e)) {
          throw new PortInUseException(port, setting, address, e);
        }
        throw e;
      }
    }

    private Optional<MetricsPort> startMetrics() throws IOException {
      if (settings.metricsPort() == 0 || transport instanceof InProcessTransport) {
        return Optional.empty();
      }
      InetSocketAddress address = new InetSocketAddress(
          settings.resolve(ServerSettings.BIND_ADDRESS_KEY, settings.bindAddress(), name), settings.metricsPort());
      // The exporter's own pool (10 threads, no time limit, the server's dispatcher waiting for a
      // free one) stopped the port, probes included, at eleven clients that each sent a byte and
      // stalled; the JDK's server with 32 time-limited threads failed 26 of 29 liveness probes
      // beside 100 of them.
      return Optional.of(MetricsPort.start(address, metrics.registry(), probes, METRICS_LIMITS));
    }
  }

  /** Waits a little for a server stopped at once to let go of its port. */
  private static void awaitStopped(Server server) {
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(AutoCloseable resource) {
    try {
      resource.close();
    } catch (Exception e) {
      log.debug("close failed", e);
    }
  }

  /** gRPC's java.util.logging goes through SLF4J (logback), once per process. */
  private static synchronized void installJulBridge() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }

  /** Where the main and admin servers listen. */
  private interface Transport {
    /**
     * The main server; {@code resources} receives what must close after it has drained;
     * {@code nonBlocking}: calls run on the transport's threads (see {@link Builder#nonBlockingHandlers});
     * its transport's metrics go to {@code registry}.
     */
    ServerBuilder<?> main(List<AutoCloseable> resources, boolean nonBlocking, PrometheusRegistry registry,
        Optional<ServedCertificateFile> served);

    /** The admin server; {@code served}: the certificate file both servers serve, read once. */
    ServerBuilder<?> admin(int port, List<AutoCloseable> resources, Optional<ServedCertificateFile> served);

    /** The main server's port as asked for (0: a free one), or -1 in-process. */
    int port();

    /** The certificate file the servers serve; none in-process, where nothing is encrypted. */
    Optional<Path> certificateFile();
  }

  private record InProcessTransport(String inProcessName) implements Transport {
    @Override
    public int port() {
      return -1;
    }

    @Override
    public Optional<Path> certificateFile() {
      return Optional.empty();
    }

    @Override
    public ServerBuilder<?> main(List<AutoCloseable> resources, boolean nonBlocking, PrometheusRegistry registry,
        Optional<ServedCertificateFile> served) {
      return InProcessServerBuilder.forName(inProcessName).directExecutor();
    }

    @Override
    public ServerBuilder<?> admin(int port, List<AutoCloseable> resources, Optional<ServedCertificateFile> served) {
      return InProcessServerBuilder.forName(inProcessName + "-admin").directExecutor();
    }
  }

  /**
   * Netty on TCP ports; {@code caps}, empty at first, receives the connection cap of each port as
   * it is built, and is on {@code /metrics} from the main server's on (the admin server's is built
   * after it).
   */
  private record TcpTransport(String name, int port, ServerSettings settings, List<ConnectionCap> caps,
      RefusedClientCertificates refusals) implements Transport {
    @Override
    public Optional<Path> certificateFile() {
      return settings.tls().certFile();
    }

    @Override
    public ServerBuilder<?> main(List<AutoCloseable> resources, boolean nonBlocking, PrometheusRegistry registry,
        Optional<ServedCertificateFile> served) {
      ConnectionCap cap = new ConnectionCap(name, Role.CLIENT, settings.connections());
      caps.add(cap);
      ConnectionCap.registerMetrics(registry, caps);
      if (settings.tls().mutual()) {
        refusals.register(registry);
      }
      NettyServerBuilder main = netty(ServerSettings.BIND_ADDRESS_KEY, settings.bindAddress(), port, cap,
          Runtime.getRuntime().availableProcessors(), resources, served);
      return nonBlocking ? main.directExecutor() : withPool(main, name, resources);
    }

    @Override
    public ServerBuilder<?> admin(int adminPort, List<AutoCloseable> resources,
        Optional<ServedCertificateFile> served) {
      String adminName = adminName(name);
      ConnectionCap cap = new ConnectionCap(adminName, Role.ADMIN, settings.connections());
      caps.add(cap);
      // An operator's occasional call: one event-loop thread is plenty.
      return withPool(netty(ServerSettings.ADMIN_BIND_ADDRESS_KEY, settings.adminBindAddress(), adminPort, cap, 1,
          resources, served), adminName, resources);
    }

    private ServerBuilder<?> withPool(NettyServerBuilder builder, String serverName, List<AutoCloseable> resources) {
      ExecutorService executor = boundedExecutor(serverName, settings.maxConcurrentCalls());
      resources.add(executor::shutdown);
      return builder.executor(executor);
    }

    private NettyServerBuilder netty(String key, String address, int listenPort, ConnectionCap cap,
        int eventLoopThreads, List<AutoCloseable> resources, Optional<ServedCertificateFile> served) {
      InetSocketAddress socket = new InetSocketAddress(settings.resolve(key, address, cap.server()), listenPort);
      ConnectionLimits limits = settings.connections();
      EventLoopGroup eventLoops = cap.eventLoops(eventLoopThreads);
      resources.add(() -> eventLoops.shutdownGracefully(0, 5, TimeUnit.SECONDS));
      return NettyServerBuilder.forAddress(socket, settings.tls().serverCredentials(served, refusals))
          .channelFactory(cap.channelFactory())
          .bossEventLoopGroup(eventLoops)
          .workerEventLoopGroup(eventLoops)
          // gRPC waits 120 s for a client's preface; a stalled one held its file that long.
          .handshakeTimeout(limits.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .maxConnectionIdle(limits.maxConnectionIdle().toMillis(), TimeUnit.MILLISECONDS)
          // Clients re-resolve a dns:/// target only when a connection ends; ageing connections
          // out lets round_robin clients find replicas added after they connected.
          .maxConnectionAge(5, TimeUnit.MINUTES)
          .maxConnectionAgeGrace(30, TimeUnit.SECONDS)
          // A flood of streams on one connection waits in the client, not in this server.
          .maxConcurrentCallsPerConnection(settings.maxStreamsPerConnection())
          .addStreamTracerFactory(cap.callsArriving());
    }
  }

  /**
   * A fixed number of threads, never more: the concurrency limit plus spares, so calls beyond
   * the limit are refused promptly rather than waiting for a thread.
   */
  private static ExecutorService boundedExecutor(String name, int maxConcurrentCalls) {
    int threads = Math.min(maxConcurrentCalls, MAX_THREADS) + SPARE_THREADS;
    ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), new ThreadFactoryBuilder().setNameFormat(name + "-%d").setDaemon(true).build());
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }
}
