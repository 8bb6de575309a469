package io.glassbox.launcher;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/glassbox}: starts the suite and talks to it as a client. */
@Command(
    name = "glassbox",
    mixinStandardHelpOptions = true,
    version = "glassbox 0.1.0",
    description = "Explainable product recommendations over gRPC.",
    subcommands = {UpCommand.class, RecommendCommand.class, BenchCommand.class,
        EvaluateCommand.class})
public final class GlassboxCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new GlassboxCli()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
