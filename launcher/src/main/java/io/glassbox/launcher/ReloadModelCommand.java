package io.glassbox.launcher;

import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.ReloadModelRequest;
import io.glassbox.api.v1.ReloadModelResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Asks the model service's admin port to load a model version and swap it in. */
@Command(name = "reload-model",
    description = "Load a model version on a running model service (admin port) and swap it in.")
final class ReloadModelCommand implements Callable<Integer> {
  @Option(names = "--version", defaultValue = "",
      description = "Version folder to load; empty loads the newest (default: newest).")
  String version;

  @Option(names = "--target", converter = TargetConverter.class, defaultValue = GatewayAddress.DEFAULT_MODEL_ADMIN_TARGET,
      description = "Model admin address (default ${DEFAULT-VALUE}; set " + GatewayAddress.MODEL_ADMIN_TARGET_VARIABLE
          + " to change it); with API keys, GLASSBOX_CLIENT_KEY_FILE must hold an admin key.")
  String target;

  @Option(names = "--timeout-ms", defaultValue = "60000", converter = TimeoutConverter.Millis.class,
      description = TimeoutConverter.MILLIS_HELP)
  long timeoutMs;

  @Override
  public Integer call() throws InterruptedException {
    return CliCalls.withChannel(target, Duration.ofMillis(timeoutMs), "--timeout-ms " + timeoutMs, channel -> {
      ReloadModelResponse response = ModelAdminGrpc.newBlockingStub(channel)
          .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
          .reloadModel(ReloadModelRequest.newBuilder().setVersion(version).build());
      System.out.printf("Model %s version %s is active (was %s).%n", response.getActive().getModelName(),
          response.getActive().getVersion(),
          response.getPreviousVersion().isEmpty() ? "none" : response.getPreviousVersion());
      return 0;
    });
  }
}
