package io.glassbox.launcher;

import io.glassbox.explain.ExplainMain;
import io.glassbox.feature.FeatureMain;
import io.glassbox.gateway.GatewayMain;
import io.glassbox.gateway.RunningGateway;
import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.gateway.viewer.ViewerServer;
import io.glassbox.model.ModelConfig;
import io.glassbox.model.ModelMain;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;
import io.glassbox.server.SettingNames;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole suite in one process: the four services on loopback ports, each started the way its
 * own {@code main} starts it, wired to each other through real gRPC channels. Services start in
 * dependency order (feature, model, explain, gateway) and stop in the reverse order, so the
 * gateway drains first.
 */
public final class Suite implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Suite.class);

  private final List<GrpcServer> backends;
  private final RunningGateway gateway;
  private final Ports ports;
  private final Optional<String> viewerOff;

  private Suite(List<GrpcServer> backends, RunningGateway gateway, Ports ports, Optional<String> viewerOff) {
    this.backends = List.copyOf(backends);
    this.gateway = gateway;
    this.ports = ports;
    this.viewerOff = viewerOff;
  }

  /**
   * Ports the suite listens on; 0 asks for a free one.
   *
   * @param featureAdmin the feature service's admin port (glassbox.v1.FeatureAdmin, key
   *     GLASSBOX_FEATURE_ADMIN_PORT); reported as -1 while the feature service has no admin service
   * @param modelAdmin the model service's admin port (glassbox.v1.ModelAdmin)
   * @param metrics the first of the four /metrics ports (gateway, then feature, model and explain
   *     on the next three: 9451 to 9454 by default; one process cannot share one port among
   *     four); 0 for none
   */
  public record Ports(
      int gateway, int feature, int model, int explain, int featureAdmin, int modelAdmin, int metrics) {
    /** The gateway's default /metrics port, the first of the four. */
    public static final int DEFAULT_METRICS = GatewayMain.DEFAULT_METRICS_PORT;

    /** Free ports picked by the operating system, no metrics; for tests. */
    public static Ports ephemeral() {
      return new Ports(0, 0, 0, 0, 0, 0, 0);
    }

    /**
     * The /metrics setting of the service whose own default is {@code defaultPort}: as far from
     * {@link #metrics} as that default is from the gateway's.
     */
    private Map<String, String> metricsPort(int defaultPort) {
      return Map.of(ServerSettings.METRICS_PORT_KEY,
          String.valueOf(metrics == 0 ? 0 : metrics + defaultPort - DEFAULT_METRICS));
    }
  }

  /**
   * Starts the four services. {@code base} supplies every other setting (data and model
   * folders, timeouts); the ports and the targets the services call each other on are set here.
   * The model's threads follow {@link #sharedModelThreads} unless {@code base} sets them. Warns
   * of each GLASSBOX_* name in {@code base} that is no setting ({@link SettingNames#warnUnknown}).
   */
  public static Suite start(ConfigSource base, Ports ports) {
    // Here, so that no command that starts a suite runs on a default the user meant to change.
    SettingNames.warnUnknown(base);
    List<GrpcServer> started = new ArrayList<>();
    try {
      GrpcServer feature = startOne(started, FeatureMain::start, base
          .with(ports.metricsPort(FeatureMain.DEFAULT_METRICS_PORT))
          .with(Map.of("GLASSBOX_FEATURE_PORT", String.valueOf(ports.feature()),
              "GLASSBOX_FEATURE_ADMIN_PORT", String.valueOf(ports.featureAdmin()))));
      GrpcServer model = startOne(started, ModelMain::start, base
          .with(sharedModelThreads(base, Runtime.getRuntime().availableProcessors()))
          .with(ports.metricsPort(ModelConfig.DEFAULT_METRICS_PORT))
          .with(Map.of(ModelConfig.PORT_KEY, String.valueOf(ports.model()),
              ModelConfig.ADMIN_PORT_KEY, String.valueOf(ports.modelAdmin()))));
      Map<String, String> targets = new HashMap<>();
      targets.put("GLASSBOX_FEATURE_TARGET", "localhost:" + feature.port());
      targets.put("GLASSBOX_MODEL_TARGET", "localhost:" + model.port());
      targets.put("GLASSBOX_EXPLAIN_PORT", String.valueOf(ports.explain()));
      GrpcServer explain = startOne(started, ExplainMain::start,
          base.with(ports.metricsPort(ExplainMain.DEFAULT_METRICS_PORT)).with(targets));
      targets.put("GLASSBOX_EXPLAIN_TARGET", "localhost:" + explain.port());
      targets.put("GLASSBOX_GATEWAY_PORT", String.valueOf(ports.gateway()));
      ConfigSource gatewayConfig = base.with(ports.metricsPort(GatewayMain.DEFAULT_METRICS_PORT)).with(targets);
      Optional<String> viewerOff = Optional.empty();
      RunningGateway gateway;
      try {
        gateway = GatewayMain.start(gatewayConfig);
      } catch (ViewerServer.ListenFailed e) {
        if (base.get(ViewerConfig.PORT_KEY).isPresent()) {
          throw e;                                 // a port the caller chose: say so and stop
        }
        // The page's default port is taken (another server on 8080 is common). The page is
        // optional and the gateway is not, so the gateway alone starts again, without the page.
        viewerOff = Optional.of(e.getMessage());
        gateway = GatewayMain.start(gatewayConfig.with(Map.of(ViewerConfig.PORT_KEY, "0")));
      }
      return new Suite(started, gateway, new Ports(gateway.port(), feature.port(), model.port(),
          explain.port(), feature.adminPort(), model.adminPort(), ports.metrics()), viewerOff);
    } catch (RuntimeException e) {
      closeAll(started);
      throw e;
    }
  }

  /**
   * ONNX Runtime threads for a model service that shares {@code cores} with the three other
   * services (and often the client) in one process: half of them, at least 1. Its own default
   * (every core for one inference) takes the cores the other services need, the more so when its
   * threads spin between runs (no longer ONNX Runtime's default here). Measured on 2 cores
   * ({@code bin/glassbox bench --compare-explanations}): with 1 thread the median Recommend fell
   * from 13.4 to 7.7-9.8 ms, and 34.2 to 20.8-25.7 ms with explanations; 2 threads without
   * spinning gave 8.9-10.8 and 26.4-28.7 ms.
   */
  static int sharedIntraOpThreads(int cores) {
    return Math.max(1, cores / 2);
  }

  /**
   * The model's thread settings in a process of {@code cores} that {@code base} leaves unset:
   * {@link #sharedIntraOpThreads} per inference, and a batch of many rows (the explain service's
   * counterfactual rows) split into as many parallel inferences as fill the cores.
   */
  static Map<String, String> sharedModelThreads(ConfigSource base, int cores) {
    Map<String, String> settings = new HashMap<>();
    int threads;
    Optional<String> configured = base.get(ModelConfig.THREADS_KEY);
    if (configured.isEmpty()) {
      threads = sharedIntraOpThreads(cores);
      settings.put(ModelConfig.THREADS_KEY, String.valueOf(threads));
    } else {
      try {
        int value = Integer.parseInt(configured.get().trim());
        threads = value > 0 ? value : cores; // 0: every core, as the model service reads it
      } catch (NumberFormatException e) {
        return settings; // the model service refuses the value with its own message
      }
    }
    if (base.get(ModelConfig.PARALLEL_RUNS_KEY).isEmpty()) {
      settings.put(ModelConfig.PARALLEL_RUNS_KEY, String.valueOf(Math.max(1, cores / threads)));
    }
    return settings;
  }

  private static GrpcServer startOne(
      List<GrpcServer> started, java.util.function.Function<ConfigSource, GrpcServer> starter,
      ConfigSource config) {
    GrpcServer server = starter.apply(config);
    started.add(server);
    return server;
  }

  /** The ports actually bound. */
  public Ports ports() {
    return ports;
  }

  /** Where the gateway serves its viewer page; empty when it is disabled. */
  public Optional<URI> viewerUri() {
    return gateway.viewerUri();
  }

  /**
   * Why the viewer page is off although it was not turned off: its default port was taken (the
   * suite then starts without it). Empty otherwise.
   */
  public Optional<String> viewerOff() {
    return viewerOff;
  }

  /** Blocks until the gateway has stopped. */
  public void awaitTermination() throws InterruptedException {
    gateway.awaitTermination();
  }

  @Override
  public void close() {
    try {
      gateway.close();
    } catch (RuntimeException e) {
      log.warn("the gateway failed to stop cleanly", e);
    }
    closeAll(backends);
  }

  private static void closeAll(List<GrpcServer> servers) {
    for (int i = servers.size() - 1; i >= 0; i--) {
      try {
        servers.get(i).close();
      } catch (RuntimeException e) {
        log.warn("a service failed to stop cleanly", e);
      }
    }
  }
}
