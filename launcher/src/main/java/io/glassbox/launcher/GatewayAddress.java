package io.glassbox.launcher;

import io.glassbox.api.v1.GatewayGrpc;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Where the commands that call the gateway once ({@code recommend}, {@code explain},
 * {@code why-not}, {@code what-if}, {@code feedback}) call it, and how long they wait.
 */
final class GatewayAddress {
  /** The environment variable that moves every command's default gateway address. */
  static final String TARGET_VARIABLE = "GLASSBOX_GATEWAY_TARGET";
  /**
   * {@code --target}'s default: the gateway of {@code up}, unless {@value #TARGET_VARIABLE} names
   * another ({@link #defaultTargets}).
   */
  static final String DEFAULT_TARGET = "localhost:" + UpCommand.DEFAULT_GATEWAY_PORT;
  static final String TARGET_DESCRIPTION = "Gateway address (default ${DEFAULT-VALUE}; set " + TARGET_VARIABLE
      + " to change it for every command that calls the gateway).";

  /**
   * Supplies the environment's {@value #TARGET_VARIABLE} (trimmed; blank is unset, as for every
   * setting) as the default of each {@code --target} that defaults to the gateway. Picocli's own
   * {@code ${env:…}} took a blank variable for the address. The environment only, read here
   * before any command runs: a settings file that cannot be read is the command's to report.
   */
  static CommandLine.IDefaultValueProvider defaultTargets(Map<String, String> environment) {
    Optional<String> named = Optional.ofNullable(environment.get(TARGET_VARIABLE)).map(String::trim)
        .filter(value -> !value.isEmpty());
    return argument -> argument instanceof CommandLine.Model.OptionSpec option && option.longestName().equals("--target")
        && DEFAULT_TARGET.equals(option.defaultValue()) ? named.orElse(null) : null;
  }

  @Option(names = "--target", converter = TargetConverter.class,
      defaultValue = DEFAULT_TARGET, description = TARGET_DESCRIPTION)
  String target;

  @Option(names = "--timeout-ms", defaultValue = "5000", converter = TimeoutConverter.Millis.class,
      description = "How long to wait for the answer, in milliseconds, once connected, 1.." + TimeoutConverter.MAX_MILLIS
          + " (default ${DEFAULT-VALUE}).")
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
