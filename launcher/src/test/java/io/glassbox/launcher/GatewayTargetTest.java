package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GLASSBOX_GATEWAY_TARGET moves the gateway address of every command that calls it, so that a
 * person working against one suite need not repeat --target on each command (before, only
 * --target could, and a forgotten one asked localhost:50051).
 */
/*
 * Each test starts up to four CLI JVMs; on a loaded 2-core machine one takes 10-20 s to start,
 * so the limit, there to end a hang, leaves room for four (one test with seven hit 60 s in CI).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayTargetTest {
  @Test
  void commands_withoutTarget_callTheAddressTheEnvironmentNames() throws Exception {
    String target = "127.0.0.1:" + SuiteAnswer.closedPort();

    Result recommend = cli(target, "recommend", "--user", "12347");
    assertEquals(1, recommend.exitCode(), recommend.output());
    assertTrue(recommend.output().contains("UNAVAILABLE: could not connect to " + target), recommend.output());
    Result health = cli(target, "health");
    assertTrue(health.output().contains("UNAVAILABLE: could not connect to " + target), health.output());
    Result explicit = cli(target, "recommend", "--user", "12347", "--target", "127.0.0.1:1");
    assertTrue(explicit.output().contains("UNAVAILABLE: could not connect to 127.0.0.1:1 "), explicit.output());
    // Blank is unset, as for every setting (it was taken for the address: a stack trace).
    Result blank = cli(" ", "recommend", "--help");
    assertTrue(blank.output().contains("Gateway address (default localhost:50051;"), blank.output());
  }

  /** The user typed no --target: the message names the variable they set (it named --target). */
  @Test
  void commands_variableNamingNoAddress_isAUsageErrorNamingTheVariable() throws Exception {
    Result gateway = cli("bad host:::", "recommend", "--user", "12347");
    Result explain = cli("127.0.0.1:1", Map.of(GatewayAddress.EXPLAIN_TARGET_VARIABLE, "localhost:99999"), "insights");

    assertEquals(2, gateway.exitCode(), gateway.output());
    assertTrue(gateway.output().startsWith("Invalid value for GLASSBOX_GATEWAY_TARGET (the default of --target):"
        + " 'bad host:::' is not an address: give host:port"), gateway.output());
    assertTrue(gateway.output().contains("Usage: glassbox recommend") && !gateway.output().contains("Exception"),
        gateway.output());
    assertEquals(2, explain.exitCode(), explain.output());
    assertTrue(explain.output().startsWith("Invalid value for GLASSBOX_EXPLAIN_TARGET (the default of --target):"
        + " 'localhost:99999' is not an address: its port 99999 is not 1..65535\n"), explain.output());
  }

  /**
   * Help prints whatever the environment holds: a variable naming no address is refused when a
   * command runs, not when it is only asked how it is used. Before, "recommend --help" (every
   * command with a --target it moves) printed "Invalid value for GLASSBOX_GATEWAY_TARGET" and exit 2.
   */
  @ParameterizedTest
  @ValueSource(strings = {"recommend", "load", "health"})
  void help_variableNamingNoAddress_stillPrintsTheUsage(String command) throws Exception {
    // One command of each kind of --target the variable moves: GatewayAddress's, GatewayCallOptions', health's own.
    Result help = cli("nonsense", command, "--help");
    assertEquals(0, help.exitCode(), help.output());
    assertTrue(help.output().startsWith("Usage: glassbox " + command + " "), help.output());
  }

  @Test
  void help_variableNamingNoAddress_topAndInsightsUsage_andAGivenTargetWins() throws Exception {
    Result top = cli("nonsense", "--help");
    Result insights = cli("127.0.0.1:1", Map.of(GatewayAddress.EXPLAIN_TARGET_VARIABLE, "nonsense"), "insights", "-h");
    Result given = cli("nonsense", "recommend", "--user", "12347", "--target", "127.0.0.1:1");

    assertEquals(0, top.exitCode(), top.output());
    assertTrue(top.output().startsWith("Usage: glassbox [-hV] [COMMAND]"), top.output());
    assertEquals(0, insights.exitCode(), insights.output());
    assertTrue(insights.output().startsWith("Usage: glassbox insights "), insights.output());
    // A --target given wins over the variable, which then is not read.
    assertTrue(given.output().contains("UNAVAILABLE: could not connect to 127.0.0.1:1 "), given.output());
  }

  /** Reading the variable before any command runs leaves a settings file that cannot be read to the command. */
  @Test
  void commands_settingsFileMissing_sayItInOneLine() throws Exception {
    Result run = cli("127.0.0.1:1", Map.of("GLASSBOX_CONFIG_FILE", "no-such.conf"), "recommend", "--user", "12347");

    assertEquals(1, run.exitCode(), run.output());
    assertTrue(run.output().startsWith("glassbox recommend: GLASSBOX_CONFIG_FILE=no-such.conf cannot be read")
        && !run.output().contains("Exception"), run.output());
  }

  /**
   * Insights, bench and load read the settings when they run, not when picocli makes them to build
   * the command line: they did, so a settings file that cannot be read ended every command, --help
   * too, in a stack trace ("Could not instantiate class io.glassbox.launcher.BenchCommand").
   */
  @Test
  void help_settingsFileMissing_stillPrintsTheUsage_andInsightsSaysItInOneLine() throws Exception {
    Map<String, String> missing = Map.of("GLASSBOX_CONFIG_FILE", "no-such.conf");
    Result help = cli("127.0.0.1:1", missing, "--help");
    Result insights = cli("127.0.0.1:1", missing, "insights", "--target", "127.0.0.1:1");

    assertEquals(0, help.exitCode(), help.output());
    assertTrue(help.output().startsWith("Usage: glassbox [-hV] [COMMAND]"), help.output());
    assertEquals(1, insights.exitCode(), insights.output());
    assertTrue(insights.output().startsWith("glassbox insights: GLASSBOX_CONFIG_FILE=no-such.conf cannot be read")
        && !insights.output().contains("Exception"), insights.output());
  }

  private record Result(int exitCode, String output) {}

  /** The CLI in a JVM of its own, with GLASSBOX_GATEWAY_TARGET set to {@code target}. */
  private static Result cli(String target, String... args) throws IOException, InterruptedException {
    return cli(target, Map.of(), args);
  }

  private static Result cli(String target, Map<String, String> environment, String... args)
      throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String[] command = new String[args.length + 4];
    command[0] = java;
    command[1] = "-cp";
    command[2] = System.getProperty("java.class.path");
    command[3] = GlassboxCli.class.getName();
    System.arraycopy(args, 0, command, 4, args.length);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put(GatewayAddress.TARGET_VARIABLE, target);
    builder.environment().putAll(environment);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), output);
    return new Result(process.exitValue(), output);
  }
}
