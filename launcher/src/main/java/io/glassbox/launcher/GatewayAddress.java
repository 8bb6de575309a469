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
  /** The environment variable that moves every command's default gateway address. */
  static final String TARGET_VARIABLE = "GLASSBOX_GATEWAY_TARGET";
  /** {@code --target}'s default: {@value #TARGET_VARIABLE} when set, else the gateway of {@code up}. */
  static final String DEFAULT_TARGET = "${env:" + TARGET_VARIABLE + ":-localhost:50051}";
  static final String TARGET_DESCRIPTION = "Gateway address (default ${DEFAULT-VALUE}; set " + TARGET_VARIABLE
      + " to change it for every command).";

  @Option(names = "--target", defaultValue = DEFAULT_TARGET, description = TARGET_DESCRIPTION)
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
