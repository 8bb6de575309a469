package io.glassbox.launcher;

import io.glassbox.explain.ExplainMain;
import io.glassbox.feature.FeatureMain;
import io.glassbox.gateway.GatewayMain;
import io.glassbox.model.ModelMain;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * One service in this process, started by the same {@code main} its container runs, so it reads
 * the same GLASSBOX_* environment variables (ports, targets, data and model folders: see
 * deploy/kubernetes/base/glassbox.env), and answers a setup mistake as the container does: one
 * ERROR line, exit status 1. For running the suite as separate processes, as deploy/fault.sh does.
 */
@Command(name = "serve", description = "Run one service in this process, configured from GLASSBOX_* environment variables"
    + " as its container is; stops on SIGTERM after draining.")
final class ServeCommand implements Callable<Integer> {
  /** A service's entry point, as its {@code main} runs it: its exit status. */
  @FunctionalInterface
  interface Main {
    int serve() throws InterruptedException;
  }

  /** The services, by their module names. */
  enum Service {
    FEATURE_SERVICE(FeatureMain::serve),
    MODEL_SERVICE(ModelMain::serve),
    EXPLAIN_SERVICE(ExplainMain::serve),
    GATEWAY(GatewayMain::serve);

    private final Main main;

    Service(Main main) {
      this.main = main;
    }
  }

  @Parameters(index = "0", paramLabel = "SERVICE", converter = ServiceConverter.class,
      description = "feature-service, model-service, explain-service or gateway.")
  Service service;

  @Override
  public Integer call() throws InterruptedException {
    return service.main.serve();
  }

  static final class ServiceConverter implements CommandLine.ITypeConverter<Service> {
    @Override
    public Service convert(String value) {
      try {
        return Service.valueOf(value.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(
            "SERVICE must be feature-service, model-service, explain-service or gateway, got '" + value + "'");
      }
    }
  }
}
