package io.glassbox.launcher;

import io.glassbox.server.ConfigException;
import io.glassbox.server.ReadFailures;
import java.io.IOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/glassbox}: starts the suite and talks to it as a client. */
@Command(
    name = "glassbox",
    version = "glassbox 0.1.0",
    description = "Explainable product recommendations over gRPC.",
    subcommands = {UpCommand.class, RecommendCommand.class, ExplainItemCommand.class, WhyNotCommand.class,
        WhatIfCommand.class, InsightsCommand.class, FeedbackCommand.class, ImportCommand.class, BenchCommand.class,
        LoadCommand.class, ServeCommand.class, HealthCommand.class, ReloadModelCommand.class,
        EvaluateCommand.class, TrainCommand.class})
public final class GlassboxCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

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
    // A file that cannot be read (a wrong --users path, say) or a setting that does not parse
    // (GLASSBOX_CONFIG_FILE naming no file) is the caller's to fix: one line, no stack trace.
    cli.setExecutionExceptionHandler((e, command, parsed) -> {
      String mistake;
      if (e instanceof IOException unreadable) {
        mistake = ReadFailures.describe(unreadable);
      } else if (e instanceof ConfigException setting) {
        mistake = setting.getMessage();
      } else {
        throw e;
      }
      command.getErr().printf("glassbox %s: %s%n", command.getCommandName(), mistake);
      return 1;
    });
    return cli;
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
