package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * import, erase-user and reload-model call the admin ports: GLASSBOX_FEATURE_ADMIN_TARGET and
 * GLASSBOX_MODEL_ADMIN_TARGET move their default addresses by the rules of GLASSBOX_GATEWAY_TARGET.
 * Before, only --target did, so an operator with a suite on other ports passed it every time, and a
 * forgotten one reloaded the model of the suite on up's default ports.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AdminTargetTest {
  @Test
  void importAndReloadModel_withoutTarget_callTheAdminPortsTheEnvironmentNames() {
    Map<String, String> environment = Map.of(GatewayAddress.FEATURE_ADMIN_TARGET_VARIABLE, " features.shop:51062 ",
        GatewayAddress.MODEL_ADMIN_TARGET_VARIABLE, "models.shop:51063\n",
        GatewayAddress.TARGET_VARIABLE, "gateway.shop:50051");

    assertEquals("features.shop:51062", this.<ImportCommand>parsed(environment, "import").target);
    assertEquals("features.shop:51062", this.<EraseUserCommand>parsed(environment, "erase-user", "--user", "u1").target);
    assertEquals("models.shop:51063", this.<ReloadModelCommand>parsed(environment, "reload-model").target);
    assertEquals("localhost:1", this.<ReloadModelCommand>parsed(environment, "reload-model", "--target",
        "localhost:1").target);
    // Blank is unset, and the gateway's variable does not move the admin ports.
    Map<String, String> blank = Map.of(GatewayAddress.FEATURE_ADMIN_TARGET_VARIABLE, " ",
        GatewayAddress.MODEL_ADMIN_TARGET_VARIABLE, "", GatewayAddress.TARGET_VARIABLE, "gateway.shop:50051");
    assertEquals("localhost:50062", this.<ImportCommand>parsed(blank, "import").target);
    assertEquals("localhost:50062", this.<EraseUserCommand>parsed(blank, "erase-user", "--user", "u1").target);
    assertEquals("localhost:50063", this.<ReloadModelCommand>parsed(blank, "reload-model").target);
  }

  /** A variable naming no address stops the command, naming the variable, but not its --help. */
  @Test
  void importAndReloadModel_variableNamingNoAddress_isAUsageErrorNamingTheVariable_butHelpPrints() {
    Map<String, String> environment = Map.of(GatewayAddress.FEATURE_ADMIN_TARGET_VARIABLE, "localhost:99999",
        GatewayAddress.MODEL_ADMIN_TARGET_VARIABLE, "nonsense");

    Run reload = run(environment, "reload-model");
    Run load = run(environment, "import", "--items", "items.csv");
    Run reloadHelp = run(environment, "reload-model", "--help");
    Run importHelp = run(environment, "import", "--help");

    assertEquals(2, reload.exit(), reload.printed());
    assertTrue(reload.printed().startsWith("Invalid value for GLASSBOX_MODEL_ADMIN_TARGET (the default of --target):"
        + " 'nonsense' is not an address"), reload.printed());
    assertEquals(2, load.exit(), load.printed());
    assertTrue(load.printed().startsWith("Invalid value for GLASSBOX_FEATURE_ADMIN_TARGET (the default of --target):"
        + " 'localhost:99999' is not an address: its port 99999 is not 1..65535\n"), load.printed());
    assertEquals(0, reloadHelp.exit(), reloadHelp.printed());
    // The usage wraps its lines; the words are what counts.
    assertTrue(reloadHelp.printed().replaceAll("\\s+", " ").contains("Model admin address (default localhost:50063; set"
        + " GLASSBOX_MODEL_ADMIN_TARGET to change it)"), reloadHelp.printed());
    assertEquals(0, importHelp.exit(), importHelp.printed());
    assertTrue(importHelp.printed().replaceAll("\\s+", " ").contains("Feature admin address (default localhost:50062; set"
        + " GLASSBOX_FEATURE_ADMIN_TARGET to change it)"), importHelp.printed());
  }

  private <T> T parsed(Map<String, String> environment, String... args) {
    CommandLine cli = GlassboxCli.commandLine();
    cli.setDefaultValueProvider(GatewayAddress.defaultTargets(environment));
    CommandLine.ParseResult parsed = cli.parseArgs(args);
    return parsed.subcommand().commandSpec().commandLine().getCommand();
  }

  private record Run(int exit, String printed) {}

  /** {@code args} run as bin/glassbox runs them, with {@code environment} for the variables it reads. */
  private static Run run(Map<String, String> environment, String... args) {
    CommandLine cli = GlassboxCli.commandLine();
    GatewayAddress.readTargetVariables(cli, environment);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintWriter writer = new PrintWriter(printed, true, StandardCharsets.UTF_8);
    cli.setOut(writer);
    cli.setErr(writer);
    int exit = cli.execute(args);
    writer.flush();
    return new Run(exit, printed.toString(StandardCharsets.UTF_8));
  }
}
