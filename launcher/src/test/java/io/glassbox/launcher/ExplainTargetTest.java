package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * insights calls the explain service, not the gateway: GLASSBOX_EXPLAIN_TARGET moves its default
 * address as GLASSBOX_GATEWAY_TARGET moves the gateway commands' (before, nothing but --target did,
 * and it went to localhost:50054 where another suite could answer).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExplainTargetTest {
  @Test
  void insights_withoutTarget_callsTheExplainServiceTheEnvironmentNames() {
    Map<String, String> environment = Map.of(GatewayAddress.EXPLAIN_TARGET_VARIABLE, " explain.shop:50054 ",
        GatewayAddress.TARGET_VARIABLE, "gateway.shop:50051");

    assertEquals("explain.shop:50054", parsed(environment, "insights").target);
    assertEquals("localhost:1", parsed(environment, "insights", "--target", "localhost:1").target);
    assertEquals("localhost:50054", parsed(Map.of(GatewayAddress.TARGET_VARIABLE, "gateway.shop:50051"), "insights").target);
  }

  private static InsightsCommand parsed(Map<String, String> environment, String... args) {
    CommandLine cli = GlassboxCli.commandLine();
    cli.setDefaultValueProvider(GatewayAddress.defaultTargets(environment));
    cli.parseArgs(args);
    return cli.getSubcommands().get("insights").getCommand();
  }
}
