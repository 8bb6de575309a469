package io.glassbox.launcher;

import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.server.ConfigSource;
import java.util.Map;
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

  @Option(names = "--http-port", description = "Port of the explanation viewer page; 0 disables it "
      + "(default: " + ViewerConfig.PORT_KEY + ", else 8080).")
  Integer httpPort;

  @Override
  public Integer call() throws InterruptedException {
    long startNanos = System.nanoTime();
    ConfigSource config = ConfigSource.fromEnvironment();
    if (httpPort != null) {
      config = config.with(Map.of(ViewerConfig.PORT_KEY, String.valueOf(httpPort)));
    }
    Suite suite = Suite.start(config,
        new Suite.Ports(gatewayPort, featurePort, modelPort, explainPort));
    Runtime.getRuntime().addShutdownHook(new Thread(suite::close, "glassbox-shutdown"));
    Suite.Ports ports = suite.ports();
    System.out.printf(
        "Glassbox is up in %.1f s: gateway localhost:%d (feature %d, model %d, explain %d).%n"
            + "Try: bin/glassbox recommend --user 12347    Stop with Ctrl-C.%n",
        (System.nanoTime() - startNanos) / 1e9, ports.gateway(), ports.feature(), ports.model(),
        ports.explain());
    System.out.println(suite.viewerUri()
        .map(uri -> "Viewer: " + uri + "    (see each recommendation's reasons, heatmap and what-if)")
        .orElse("Viewer: disabled (" + ViewerConfig.PORT_KEY + "=0)."));
    suite.awaitTermination();
    return 0;
  }
}
