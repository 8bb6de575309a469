package io.glassbox.launcher;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.server.ConfigSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
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
  /**
   * The environment variable that moves import's default address, the feature admin of a suite
   * started on other ports than up's (before, only --target did, and a forgotten one imported into
   * the suite on the default ports).
   */
  static final String FEATURE_ADMIN_TARGET_VARIABLE = "GLASSBOX_FEATURE_ADMIN_TARGET";
  /** The environment variable that moves reload-model's default address, as {@value #FEATURE_ADMIN_TARGET_VARIABLE} import's. */
  static final String MODEL_ADMIN_TARGET_VARIABLE = "GLASSBOX_MODEL_ADMIN_TARGET";
  /** import's {@code --target} default: the feature admin of {@code up}. */
  static final String DEFAULT_FEATURE_ADMIN_TARGET = "localhost:" + UpCommand.DEFAULT_FEATURE_ADMIN_PORT;
  /** reload-model's {@code --target} default: the model admin of {@code up}. */
  static final String DEFAULT_MODEL_ADMIN_TARGET = "localhost:" + UpCommand.DEFAULT_MODEL_ADMIN_PORT;

  /** The variables that move the commands' default addresses, in the order the hints name them. */
  static final List<String> TARGET_VARIABLES = List.of(TARGET_VARIABLE, EXPLAIN_TARGET_VARIABLE,
      FEATURE_ADMIN_TARGET_VARIABLE, MODEL_ADMIN_TARGET_VARIABLE);

  /** Which variable moves the default of a {@code --target}, by the default it moves. */
  private static final Map<String, String> VARIABLE_BY_DEFAULT = Map.of(DEFAULT_TARGET, TARGET_VARIABLE,
      DEFAULT_EXPLAIN_TARGET, EXPLAIN_TARGET_VARIABLE, DEFAULT_FEATURE_ADMIN_TARGET, FEATURE_ADMIN_TARGET_VARIABLE,
      DEFAULT_MODEL_ADMIN_TARGET, MODEL_ADMIN_TARGET_VARIABLE);

  /**
   * Reads {@value #TARGET_VARIABLE}, {@value #EXPLAIN_TARGET_VARIABLE}, {@value
   * #FEATURE_ADMIN_TARGET_VARIABLE} and {@value #MODEL_ADMIN_TARGET_VARIABLE} from {@code
   * environment} for {@code cli}'s commands: each moves the default of the {@code --target} options that default
   * to its service ({@link #defaultTargets}), and one that names no address stops a command that
   * would call it ({@link #refusingBadTargetVariables}), but not its {@code --help}.
   */
  static void readTargetVariables(CommandLine cli, Map<String, String> environment) {
    cli.setDefaultValueProvider(defaultTargets(environment));
    cli.setExecutionStrategy(refusingBadTargetVariables(environment));
  }

  /**
   * Supplies the environment's {@value #TARGET_VARIABLE} as the default of each {@code --target}
   * that defaults to the gateway, {@value #EXPLAIN_TARGET_VARIABLE} of the one that defaults to
   * the explain service, and the admin ones of import's and reload-model's (each trimmed; blank is unset, as for every setting). Picocli's own
   * {@code ${env:…}} took a blank variable for the address. The environment only, read here
   * before any command runs: a settings file that cannot be read is the command's to report.
   * A variable that names no address supplies nothing: picocli reads defaults while it parses, so
   * refusing it here stopped {@code --help} too ({@link #refusingBadTargetVariables} refuses it).
   */
  static CommandLine.IDefaultValueProvider defaultTargets(Map<String, String> environment) {
    return argument -> argument instanceof CommandLine.Model.OptionSpec option
        ? variableTarget(environment, option).filter(target -> addressProblem(target).isEmpty()).orElse(null)
        : null;
  }

  /**
   * Runs a command as picocli's {@link CommandLine.RunLast} does, but first, unless help was asked
   * for, refuses a {@code --target} not given whose variable names no address, as a usage error
   * naming the variable: the user typed no --target, so picocli's "Invalid value for option
   * '--target'" sent them looking for one.
   */
  static CommandLine.IExecutionStrategy refusingBadTargetVariables(Map<String, String> environment) {
    return parsed -> {
      Integer help = CommandLine.executeHelpRequest(parsed);
      if (help != null) {
        return help;
      }
      CommandLine.ParseResult command = parsed;
      while (command.hasSubcommand()) {
        command = command.subcommand();
      }
      CommandLine.Model.OptionSpec target = command.commandSpec().findOption("--target");
      Optional<String> problem = target == null || command.hasMatchedOption(target) ? Optional.empty()
          : variableTarget(environment, target).flatMap(GatewayAddress::addressProblem);
      if (problem.isPresent()) {
        throw new CommandLine.ParameterException(command.commandSpec().commandLine(), "Invalid value for "
            + VARIABLE_BY_DEFAULT.get(target.defaultValue()) + " (the default of --target): " + problem.get());
      }
      return new CommandLine.RunLast().execute(parsed);
    };
  }

  /**
   * What the variable that moves {@code option}'s default holds, when {@code option} is a --target
   * that one moves and the variable is set.
   */
  private static Optional<String> variableTarget(Map<String, String> environment, CommandLine.Model.OptionSpec option) {
    return option.longestName().equals("--target")
        ? Optional.ofNullable(VARIABLE_BY_DEFAULT.get(option.defaultValue())).flatMap(variable -> named(environment, variable))
        : Optional.empty();
  }

  /** Why {@link TargetConverter} refuses {@code target}, if it does. */
  private static Optional<String> addressProblem(String target) {
    try {
      new TargetConverter().convert(target);
      return Optional.empty();
    } catch (CommandLine.TypeConversionException e) {
      return Optional.of(e.getMessage());
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
    return call(UUID.randomUUID().toString(), call);
  }

  /** {@link #call(Function)} whose call carries {@code requestId} (see {@link CliCalls#withChannel}). */
  int call(String requestId, Function<GatewayGrpc.GatewayBlockingStub, Integer> call) throws InterruptedException {
    return CliCalls.withChannel(target, Duration.ofMillis(timeoutMs), "--timeout-ms " + timeoutMs,
        ConfigSource.fromEnvironment(), requestId, channel ->
            call.apply(GatewayGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)));
  }
}
