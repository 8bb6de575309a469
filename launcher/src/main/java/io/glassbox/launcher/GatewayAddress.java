package io.glassbox.launcher;

import io.glassbox.api.v1.GatewayGrpc;
import java.time.Duration;
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
   * The environment variable that moves insights' default address: GetModelInsights is the explain
   * service's own call (the gateway serves the per-user questions only), so the gateway's variable
   * does not move it.
   */
  static final String EXPLAIN_TARGET_VARIABLE = "GLASSBOX_EXPLAIN_TARGET";
  /** insights' {@code --target} default: the explain service of {@code up}. */
  static final String DEFAULT_EXPLAIN_TARGET = "localhost:" + UpCommand.DEFAULT_EXPLAIN_PORT;
  /** import's {@code --target} default: the feature admin of {@code up}. */
  static final String DEFAULT_FEATURE_ADMIN_TARGET = "localhost:" + UpCommand.DEFAULT_FEATURE_ADMIN_PORT;
  /** reload-model's {@code --target} default: the model admin of {@code up}. */
  static final String DEFAULT_MODEL_ADMIN_TARGET = "localhost:" + UpCommand.DEFAULT_MODEL_ADMIN_PORT;

  /**
   * Supplies the environment's {@value #TARGET_VARIABLE} as the default of each {@code --target}
   * that defaults to the gateway, and {@value #EXPLAIN_TARGET_VARIABLE} of the one that defaults to
   * the explain service (each trimmed; blank is unset, as for every setting). Picocli's own
   * {@code ${env:…}} took a blank variable for the address. The environment only, read here
   * before any command runs: a settings file that cannot be read is the command's to report.
   */
  static CommandLine.IDefaultValueProvider defaultTargets(Map<String, String> environment) {
    Map<String, String> variableByDefault = Map.of(DEFAULT_TARGET, TARGET_VARIABLE,
        DEFAULT_EXPLAIN_TARGET, EXPLAIN_TARGET_VARIABLE);
    return argument -> argument instanceof CommandLine.Model.OptionSpec option && option.longestName().equals("--target")
        ? Optional.ofNullable(variableByDefault.get(option.defaultValue()))
            .flatMap(variable -> named(environment, variable).map(target -> checked(option, variable, target)))
            .orElse(null)
        : null;
  }

  /**
   * {@code target}, from {@code variable}, when {@link TargetConverter} takes it; else a usage
   * error naming the variable: the user typed no --target, so picocli's "Invalid value for option
   * '--target'" sent them looking for one.
   */
  private static String checked(CommandLine.Model.OptionSpec option, String variable, String target) {
    try {
      return new TargetConverter().convert(target);
    } catch (CommandLine.TypeConversionException e) {
      throw new CommandLine.ParameterException(option.command().commandLine(),
          "Invalid value for " + variable + " (the default of --target): " + e.getMessage());
    }
  }

  private static Optional<String> named(Map<String, String> environment, String variable) {
    return Optional.ofNullable(environment.get(variable)).map(String::trim).filter(value -> !value.isEmpty());
  }

  @Option(names = "--target", converter = TargetConverter.class,
      defaultValue = DEFAULT_TARGET, description = TARGET_DESCRIPTION)
  String target;

  @Option(names = "--timeout-ms", defaultValue = "5000", converter = TimeoutConverter.Millis.class,
      description = TimeoutConverter.MILLIS_HELP)
  long timeoutMs;

  /**
   * Runs {@code call} on a stub of the gateway with the deadline, once connected ({@link
   * CliCalls#connectWait}); the exit code is {@code call}'s, or 1 after printing why there was no
   * connection or a failed call's status (see {@link CliCalls#withChannel}).
   */
  int call(Function<GatewayGrpc.GatewayBlockingStub, Integer> call) throws InterruptedException {
    return CliCalls.withChannel(target, Duration.ofMillis(timeoutMs), channel ->
        call.apply(GatewayGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)));
  }
}
