package io.glassbox.launcher;

import io.glassbox.server.ConfigSource;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Starts all four services in this process and stays in the foreground until interrupted. */
@Command(name = "up", description = "Start the whole suite on the embedded default (gateway on localhost:50051).")
final class UpCommand implements Callable<Integer> {
  @Option(names = "--gateway-port", defaultValue = "50051", description = "Gateway port (default ${DEFAULT-VALUE}).")
  int gatewayPort;

  @Option(names = "--feature-port", defaultValue = "50052", description = "Feature service port (default ${DEFAULT-VALUE}).")
  int featurePort;

  @Option(names = "--model-port", defaultValue = "50053", description = "Model service port (default ${DEFAULT-VALUE}).")
  int modelPort;

  @Option(names = "--explain-port", defaultValue = "50054", description = "Explain service port (default ${DEFAULT-VALUE}).")
  int explainPort;

  @Option(names = "--feature-admin-port", defaultValue = "50062",
      description = "Feature admin port, loopback only unless GLASSBOX_ADMIN_BIND_ADDRESS says otherwise (default ${DEFAULT-VALUE}).")
  int featureAdminPort;

  @Option(names = "--model-admin-port", defaultValue = "50063",
      description = "Model admin port, loopback only unless GLASSBOX_ADMIN_BIND_ADDRESS says otherwise (default ${DEFAULT-VALUE}).")
  int modelAdminPort;

  @Option(names = "--no-metrics", description = "Serve no /metrics (otherwise ports 9451-9454).")
  boolean noMetrics;

  @Override
  public Integer call() throws InterruptedException {
    long startNanos = System.nanoTime();
    Suite suite = Suite.start(ConfigSource.fromEnvironment(),
        new Suite.Ports(gatewayPort, featurePort, modelPort, explainPort, featureAdminPort,
            modelAdminPort, !noMetrics));
    Runtime.getRuntime().addShutdownHook(new Thread(suite::close, "glassbox-shutdown"));
    Suite.Ports ports = suite.ports();
    System.out.printf(
        "Glassbox is up in %.1f s: gateway localhost:%d (feature %d, model %d, explain %d, model admin %d).%n"
            + "Try: bin/glassbox recommend --user 12347    Stop with Ctrl-C.%n",
        (System.nanoTime() - startNanos) / 1e9, ports.gateway(), ports.feature(), ports.model(),
        ports.explain(), ports.modelAdmin());
    suite.awaitTermination();
    return 0;
  }
}
