package io.glassbox.gateway;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;

/** Starts the gateway: the public Glassbox API. */
public final class GatewayMain {
  /** Where Prometheus scrapes the gateway unless GLASSBOX_METRICS_PORT says otherwise. */
  public static final int DEFAULT_METRICS_PORT = 9451;

  private GatewayMain() {}

  public static void main(String[] args) throws InterruptedException {
    start(ConfigSource.fromEnvironment()).serveUntilShutdown();
  }

  /**
   * Starts the gateway on its configured port and marks it SERVING: it holds no data, and it
   * answers (degraded, flagged) even while the services behind it are down. Closing the returned
   * server also closes the channels to those services, after the drain.
   */
  public static GrpcServer start(ConfigSource source) {
    GatewayConfig config = GatewayConfig.load(source);
    return start(config, ClientSettings.load(source), GrpcServer.onPort("gateway", config.port(),
        ServerSettings.load(source, DEFAULT_METRICS_PORT)));
  }

  /** Starts the gateway on {@code server} (e.g. an in-process one in tests). */
  static GrpcServer start(GatewayConfig config, ClientSettings client, GrpcServer.Builder server) {
    DownstreamChannels channels = DownstreamChannels.open(config, client);
    try {
      Injector injector = Guice.createInjector(new GatewayModule(config, channels.feature(),
          channels.model(), channels.explain(), server.metricsRegistry()));
      GrpcServer started = server.addService(injector.getInstance(GatewayService.class))
          .closeAfterDrain(channels)
          .start();
      started.setServing(true);
      return started;
    } catch (RuntimeException e) {
      channels.close();
      throw e;
    }
  }
}
