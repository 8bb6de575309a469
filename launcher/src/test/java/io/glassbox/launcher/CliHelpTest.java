package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.BuildInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code bin/glassbox COMMAND --help} prints that command's usage, for every command. */
class CliHelpTest {
  @Test
  void everyCommand_answersHelpWithItsUsage() {
    CommandLine cli = GlassboxCli.commandLine();
    Set<String> names = cli.getSubcommands().keySet();
    assertTrue(names.containsAll(Set.of("up", "recommend", "serve", "evaluate-model")), names.toString());
    for (String name : names) {
      for (String flag : new String[] {"--help", "-h"}) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = GlassboxCli.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
            .execute(name, flag);

        assertEquals(0, exit, name + " " + flag + ": " + err);
        assertTrue(out.toString().startsWith("Usage: glassbox " + name + " "), name + " " + flag + ": " + out);
        assertEquals("", err.toString(), name + " " + flag);
      }
    }
  }

  /** --version said "glassbox 0.1.0" of every build: an operator could not tell two builds apart. */
  @Test
  void version_namesTheBuildsVersionAndCommit() {
    StringWriter out = new StringWriter();
    int exit = GlassboxCli.commandLine().setOut(new PrintWriter(out)).execute("--version");

    BuildInfo build = BuildInfo.current();
    assertEquals(0, exit);
    assertEquals("glassbox version " + build.version() + ", commit " + build.commit(), out.toString().strip());
  }

  /** up's help named only the embedded dataset: a newcomer with a shop of their own did not learn how to serve it. */
  @Test
  void up_help_saysHowToServeTheShopsOwnData() {
    String help = helpOf("up");

    assertTrue(help.contains("To serve your own shop's data, set GLASSBOX_DATA_DIR"
        + " to a folder of its items and interactions (README, \"Your own shop\", says how, and how to train a model"
        + " on it)."), help);
  }

  /** evaluate-explanations' help named no way to choose the version: a tester had to guess GLASSBOX_MODEL_VERSION. */
  @Test
  void evaluateExplanations_help_saysWhichModelVersionItEvaluates() {
    String help = helpOf("evaluate-explanations");

    assertTrue(help.contains("The model is the suite's: GLASSBOX_MODEL_DIR/"
        + "GLASSBOX_MODEL_NAME (default the shipped one), version GLASSBOX_MODEL_VERSION (default the newest version"
        + " folder); the report's first line names the version evaluated."), help);
  }

  /** A command's --help, its lines joined (the usage wraps them; the words are what counts). */
  private static String helpOf(String command) {
    StringWriter out = new StringWriter();
    GlassboxCli.commandLine().setOut(new PrintWriter(out)).execute(command, "--help");
    return out.toString().replaceAll("\\s+", " ");
  }
}
