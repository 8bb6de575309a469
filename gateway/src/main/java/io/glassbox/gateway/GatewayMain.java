package io.glassbox.gateway;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.gateway.viewer.ViewerServer;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.Retries;
import io.glassbox.server.ServerSettings;
import io.glassbox.server.ServiceStartup;
import io.grpc.ManagedChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the gateway: the public Glassbox API. */
public final class GatewayMain {
  /** Where Prometheus scrapes the gateway unless GLASSBOX_METRICS_PORT says otherwise. */
  public static final int DEFAULT_METRICS_PORT = 9451;
  private static final Logger log = LoggerFactory.getLogger(GatewayMain.class);
  /** The name the gateway gives itself: in its start's messages, and in a failed call's trailers. */
  public static final String NAME = "gateway";
  /**
   * Longest wait at start for the model's trend window before reporting SERVING (a model service
   * that is up answers in milliseconds; one that is down refuses at once).
   */
  static final long FIRST_TREND_WINDOW_MILLIS = 3_000;

  private GatewayMain() {}

  public static void main(String[] args) throws InterruptedException {
    ServiceStartup.exitOnFailure(serve());
  }

  /**
   * Serves on the GLASSBOX_* environment until SIGTERM and drains: 0. A setup mistake (a setting
   * that does not parse, a port in use) is one ERROR line and 1.
   */
  public static int serve() throws InterruptedException {
    return ServiceStartup.serve(NAME, () -> start(ConfigSource.fromEnvironment()).serveUntilShutdown(),
        List.of());
  }

  /**
   * Starts the gateway on its configured port and the viewer page (unless
   * {@value ViewerConfig#PORT_KEY} is 0), and marks it SERVING once both listen, it has asked
   * the model service for its trend window (at most {@value #FIRST_TREND_WINDOW_MILLIS} ms) and it
   * has made one warm-up Recommend through its channels ({@link GatewayWarmup}; at most the default
   * deadline): it holds no data, and it answers (degraded, flagged) even while the services
   * behind it are down. A page port that is taken stops it before it ever reports SERVING.
   * Closing the returned gateway stops the page, drains the server, then closes the channels to
   * the services behind it.
   */
  public static RunningGateway start(ConfigSource source) {
    GatewayConfig config = GatewayConfig.load(source);
    ViewerConfig viewerConfig = ViewerConfig.load(source);
    ClientSettings client = ClientSettings.load(source);
    // Read before the gRPC server starts, so that TLS files the page cannot use stop it first.
    Optional<ViewerServer.Https> https =
        viewerConfig.enabled() ? ViewerServer.Https.of(client.tls()) : Optional.empty();
    // The entry point: every caller's key is limited, the suite's own too (by default).
    ServerSettings settings = ServerSettings.load(source, DEFAULT_METRICS_PORT, "none");
    RecommendFanOut.startWarning(config, settings).ifPresent(log::warn);
    Starting starting = begin(config, client, GrpcServer.onPort(NAME, config.port(), settings)
        .portSetting(GatewayConfig.PORT_KEY));
    GrpcServer server = starting.server();
    if (!viewerConfig.enabled()) {
      starting.becomeServing(Optional.of(starting.warmup()));
      return new RunningGateway(server, Optional.empty(), Optional.empty());
    }
    // The page calls the public API over a real channel to this very server, so its calls pass
    // through everything an RPC client's do (interceptors, serialization, limits).
    // TLS as configured, but no key of its own: each call carries only the key the browser sent.
    ManagedChannel self = ClientChannels.forTarget(selfTarget(viewerConfig.bindAddress(), server.port()),
        new ClientSettings(Optional.empty(), client.tls(), client.reconnectProbe()), Retries.none());
    ViewerServer viewer;
    try {
      viewer = ViewerServer.start(new InetSocketAddress(viewerConfig.bindAddress(), viewerConfig.port()),
          https, viewerConfig.exampleUsers(), settings.apiKeys()::current, self, config.defaultDeadline());
    } catch (RuntimeException e) {
      self.shutdownNow();
      server.close();
      throw e;
    }
    starting.becomeServing(Optional.of(starting.warmup()));
    return new RunningGateway(server, Optional.of(viewer), Optional.of(self));
  }

  /** The gateway's own address as seen from this process: loopback when it binds every address. */
  static String selfTarget(InetAddress bindAddress, int port) {
    InetAddress host = bindAddress.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : bindAddress;
    String literal = host.getHostAddress();
    return (literal.contains(":") ? "[" + literal + "]" : literal) + ":" + port;
  }

  /**
   * Starts the gateway on {@code server} (e.g. an in-process one in tests) and marks it SERVING
   * without the warm-up Recommend: tests on fake services count every call those see.
   */
  static GrpcServer start(GatewayConfig config, ClientSettings client, GrpcServer.Builder server) {
    Starting starting = begin(config, client, server);
    starting.becomeServing(Optional.empty());
    return starting.server();
  }

  /** The gateway's server, listening but NOT_SERVING, and what it waits for before it serves. */
  record Starting(GrpcServer server, GatewayConfig config, ModelTrendWindow trendWindow, GatewayWarmup warmup) {
    /**
     * Waits for the model's trend window (when the trend term is on, at most a while), makes the
     * warm-up Recommend with it when given (bounded by the default deadline, a failure only
     * logged), then SERVING.
     */
    void becomeServing(Optional<GatewayWarmup> warmUp) {
      awaitTrendWindow();
      warmUp.ifPresent(GatewayWarmup::warm);
      server.setServing(true);
    }

    private void awaitTrendWindow() {
      if (config.trendTerm() && !trendWindow.awaitFirst(FIRST_TREND_WINDOW_MILLIS)) {
        log.warn("the model service did not say its trend window yet; ranking without recent purchases"
            + " until it does (asked again every second)");
      }
    }
  }

  private static Starting begin(GatewayConfig config, ClientSettings client, GrpcServer.Builder server) {
    DownstreamChannels channels = DownstreamChannels.open(config, client);
    try {
      Injector injector = Guice.createInjector(new GatewayModule(config, channels.feature(),
          channels.model(), channels.explain(), server.metricsRegistry()));
      GrpcServer started = server.addService(injector.getInstance(GatewayService.class))
          .watchClientKey(client)
          .closeAfterDrain(channels)
          .start();
      return new Starting(started, config, injector.getInstance(ModelTrendWindow.class),
          injector.getInstance(GatewayWarmup.class));
    } catch (RuntimeException e) {
      channels.close();
      throw e;
    }
  }
}
