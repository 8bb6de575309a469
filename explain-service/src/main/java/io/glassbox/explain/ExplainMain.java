package io.glassbox.explain;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.Retries;
import io.glassbox.server.ServerSettings;
import io.glassbox.server.ServiceStartup;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the explain service. */
public final class ExplainMain {
  private static final Logger log = LoggerFactory.getLogger(ExplainMain.class);
  private static final String NAME = "explain-service";
  /** How long the channels' calls may finish once the server has drained, before they are cancelled. */
  private static final Duration CHANNEL_GRACE = Duration.ofSeconds(5);
  /** Where Prometheus scrapes the explain service unless GLASSBOX_METRICS_PORT says otherwise. */
  public static final int DEFAULT_METRICS_PORT = 9454;

  private ExplainMain() {}

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
   * Starts the service on the configured port and returns it SERVING once it has called the model
   * and feature services once through its channels ({@link DependencyWarmup}; bounded, a failed
   * call is only logged). {@link GrpcServer#close} drains it and then shuts down its client channels.
   */
  public static GrpcServer start(ConfigSource source) {
    ServerSettings settings = ServerSettings.load(source, DEFAULT_METRICS_PORT);
    ExplainConfig config = ExplainConfig.load(source, settings.maxConcurrentCalls());
    if (!config.insightsServed()) {
      log.warn("{}", ExplainConfig.INSIGHTS_OFF);
    }
    ClientSettings client = ClientSettings.load(source);
    // No retries here: the gateway is the one layer that retries (its DownstreamChannels says
    // why), so a model call is never multiplied by retries at two layers.
    ManagedChannel modelChannel = ClientChannels.forTarget(config.modelTarget(), client, Retries.none());
    ManagedChannel featureChannel = ClientChannels.forTarget(config.featureTarget(), client, Retries.none());
    GrpcServer server;
    Injector injector;
    try {
      injector = Guice.createInjector(new ExplainModule(config, modelChannel, featureChannel));
      server = GrpcServer.onPort(NAME, config.port(), settings).portSetting(ExplainConfig.PORT_KEY)
          .addService(injector.getInstance(ExplainGrpcService.class))
          .watchClientKey(client)
          // Calls still draining need the channels; they go once the server has drained.
          .closeAfterDrain(() -> ClientChannels.shutDown(modelChannel, CHANNEL_GRACE))
          .closeAfterDrain(() -> ClientChannels.shutDown(featureChannel, CHANNEL_GRACE))
          .start();
    } catch (RuntimeException e) {
      modelChannel.shutdownNow();
      featureChannel.shutdownNow();
      throw e;
    }
    injector.getInstance(DependencyWarmup.class).warm();
    server.setServing(true);
    log.info("{} calls the model service at {} and the feature service at {}",
        NAME, config.modelTarget(), config.featureTarget());
    return server;
  }
}
