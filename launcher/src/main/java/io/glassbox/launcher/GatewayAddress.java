package io.glassbox.launcher;

import io.glassbox.api.v1.GatewayGrpc;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * Where the commands that call the gateway once ({@code recommend}, {@code explain},
 * {@code why-not}, {@code what-if}, {@code feedback}) call it, and how long they wait.
 */
final class GatewayAddress {
  @Option(names = "--target", defaultValue = "localhost:50051", description = "Gateway address (default ${DEFAULT-VALUE}).")
  String target;

  @Option(names = "--timeout-ms", defaultValue = "5000", description = "Deadline in milliseconds (default ${DEFAULT-VALUE}).")
  long timeoutMs;

  /**
   * Runs {@code call} on a stub of the gateway with the deadline; the exit code is {@code call}'s,
   * or 1 after printing a failed call's status (see {@link CliCalls#withChannel}).
   */
  int call(Function<GatewayGrpc.GatewayBlockingStub, Integer> call) throws InterruptedException {
    return CliCalls.withChannel(target, channel ->
        call.apply(GatewayGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)));
  }
}
