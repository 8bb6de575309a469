package io.glassbox.launcher;

import io.glassbox.feature.FeatureMain;
import io.glassbox.model.ModelMain;
import io.glassbox.server.BuildInfo;
import io.glassbox.server.ReadFailures;
import io.glassbox.server.ServiceStartup;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/glassbox}: starts the suite and talks to it as a client. */
@Command(
    name = "glassbox",
    versionProvider = GlassboxCli.BuildVersion.class,
    description = "Explainable product recommendations over gRPC.",
    subcommands = {UpCommand.class, RecommendCommand.class, ExplainItemCommand.class, WhyNotCommand.class,
        WhatIfCommand.class, InsightsCommand.class, FeedbackCommand.class, ImportCommand.class, BenchCommand.class,
        LoadCommand.class, ServeCommand.class, HealthCommand.class, ReloadModelCommand.class, EraseUserCommand.class,
        EvaluateCommand.class, TrainCommand.class})
public final class GlassboxCli implements Runnable {
  /**
   * What stops a command for the caller to fix besides an unreadable file: the services' own
   * kinds of setup mistake (a setting naming data or a model that is not there), a setting that
   * does not parse (ConfigException) and a port in use, as each service's main tells them; and
   * evaluate-model's input that does not fit (EvaluationInputException: a cases or trend-events file
   * not as the trainer writes it, an option naming a model setting the model service refuses).
   */
  private static final List<Class<? extends RuntimeException>> SETUP_MISTAKES = Stream.of(
      FeatureMain.SETUP_MISTAKES, ModelMain.SETUP_MISTAKES, io.glassbox.model.eval.EvaluateCommand.INPUT_MISTAKES)
      .flatMap(List::stream).toList();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** {@code --version}: the build, as every server logs it at start ("glassbox version 0.1.0-SNAPSHOT, commit ..."). */
  static final class BuildVersion implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"glassbox " + BuildInfo.current()};
    }
  }

  /** Inherited: every command answers --help with its own usage. */
  @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, scope = CommandLine.ScopeType.INHERIT,
      description = "Show this help message and exit.")
  boolean help;

  /** Not inherited: reload-model has its own --version (the model version to load). */
  @CommandLine.Option(names = {"-V", "--version"}, versionHelp = true,
      description = "Print version information and exit.")
  boolean version;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The commands; {@code evaluate-model} is the model service's offline evaluation with the
   * served buy-again rule (which lives in the feature service) plugged in.
   */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new GlassboxCli()).addSubcommand("evaluate-model",
        new io.glassbox.model.eval.EvaluateCommand(System.out, System.err,
            java.util.Optional.of(ServedBuyAgainRule::regularItems)));
    cli.getSubcommands().get("evaluate-model").getCommandSpec().name("evaluate-model");   // its usage line
    GatewayAddress.readTargetVariables(cli, System.getenv());
    // A file that cannot be read (a wrong --users path, say), a setting that does not parse
    // (GLASSBOX_CONFIG_FILE naming no file) or one naming data or a model that is not there is
    // the caller's to fix: one line, no stack trace.
    cli.setExecutionExceptionHandler((e, command, parsed) -> {
      Optional<String> mistake = e instanceof IOException unreadable ? Optional.of(ReadFailures.describe(unreadable))
          : e instanceof RuntimeException failure ? ServiceStartup.describe(failure, SETUP_MISTAKES)
          : Optional.empty();
      if (mistake.isEmpty()) {
        throw e;
      }
      command.getErr().printf("glassbox %s: %s%n", command.getCommandName(), mistake.get());
      return 1;
    });
    return cli;
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
