package io.glassbox.launcher;

import io.glassbox.explain.ExplainMain;
import io.glassbox.feature.FeatureMain;
import io.glassbox.gateway.GatewayMain;
import io.glassbox.gateway.RunningGateway;
import io.glassbox.model.ModelMain;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
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

  private Suite(List<GrpcServer> backends, RunningGateway gateway, Ports ports) {
    this.backends = List.copyOf(backends);
    this.gateway = gateway;
    this.ports = ports;
  }

  /** Ports the suite listens on; 0 asks for a free one. */
  public record Ports(int gateway, int feature, int model, int explain) {
    /** The documented defaults: gateway 50051, feature 50052, model 50053, explain 50054. */
    public static Ports defaults() {
      return new Ports(50051, 50052, 50053, 50054);
    }

    /** Free ports picked by the operating system; for tests. */
    public static Ports ephemeral() {
      return new Ports(0, 0, 0, 0);
    }
  }

  /**
   * Starts the four services. {@code base} supplies every other setting (data and model
   * folders, timeouts, the gateway's viewer port); the ports and the targets the services call
   * each other on are set here.
   */
  public static Suite start(ConfigSource base, Ports ports) {
    List<GrpcServer> started = new ArrayList<>();
    try {
      GrpcServer feature = startOne(started, FeatureMain::start,
          base.with(Map.of("GLASSBOX_FEATURE_PORT", String.valueOf(ports.feature()))));
      GrpcServer model = startOne(started, ModelMain::start,
          base.with(Map.of("GLASSBOX_MODEL_PORT", String.valueOf(ports.model()))));
      Map<String, String> targets = new HashMap<>();
      targets.put("GLASSBOX_FEATURE_TARGET", "localhost:" + feature.port());
      targets.put("GLASSBOX_MODEL_TARGET", "localhost:" + model.port());
      targets.put("GLASSBOX_EXPLAIN_PORT", String.valueOf(ports.explain()));
      GrpcServer explain = startOne(started, ExplainMain::start, base.with(targets));
      targets.put("GLASSBOX_EXPLAIN_TARGET", "localhost:" + explain.port());
      targets.put("GLASSBOX_GATEWAY_PORT", String.valueOf(ports.gateway()));
      RunningGateway gateway = GatewayMain.start(base.with(targets));
      return new Suite(started, gateway,
          new Ports(gateway.port(), feature.port(), model.port(), explain.port()));
    } catch (RuntimeException e) {
      closeAll(started);
      throw e;
    }
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
