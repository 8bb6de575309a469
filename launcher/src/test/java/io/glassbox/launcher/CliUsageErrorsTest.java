package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Option values a command cannot use are usage errors (exit 2, the reason and the usage), found before any call. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CliUsageErrorsTest {
  private static final List<List<String>> EVERY_TARGET = List.of(List.of("recommend", "--user", "12348"),
      List.of("health"), List.of("insights"), List.of("reload-model"), List.of("import", "--items", "items.csv"),
      List.of("bench"), List.of("load"));

  @Test
  void target_gRpcCannotRead_isAUsageError() {
    for (List<String> command : EVERY_TARGET) {
      CliRun run = CliRun.of(with(command, "--target", "not a host:::"));

      assertEquals(2, run.exit(), command + ": " + run.err());
      assertTrue(run.err().startsWith("Invalid value for option '--target': 'not a host:::' is not an address:"
          + " give host:port (localhost:50051) or a gRPC target such as dns:///host:port\n"), run.err());
      assertTrue(run.err().contains("Usage: glassbox " + command.get(0)) && !run.err().contains("Exception"), run.err());
    }
  }

  /**
   * Building a channel does not read the port: localhost:99999 was taken, then failed with a stack
   * trace on a gRPC thread and a wait for a connection.
   */
  @Test
  void target_portOutsideOneTo65535_isAUsageError() {
    for (List<String> command : EVERY_TARGET) {
      for (String target : List.of("localhost:99999", "127.0.0.1:0", "dns:///localhost:65536", "[::1]:123456")) {
        CliRun run = CliRun.of(with(command, "--target", target));

        assertEquals(2, run.exit(), command + " " + target + ": " + run.err());
        assertTrue(run.err().startsWith("Invalid value for option '--target': '" + target + "' is not an address: its port "
            + target.substring(target.lastIndexOf(':') + 1) + " is not 1..65535\n"), run.err());
        assertTrue(!run.err().contains("Exception"), run.err());
      }
    }
  }

  /** Zero or less was sent, and failed as "ClientCall started after CallOptions deadline was exceeded". */
  @Test
  void timeout_notPositive_isAUsageErrorWithItsRange() {
    List<List<String>> every = List.of(List.of("recommend", "--user", "12348", "--timeout-ms"),
        List.of("reload-model", "--timeout-ms"), List.of("bench", "--timeout-ms"), List.of("insights", "--timeout-s"),
        List.of("import", "--items", "items.csv", "--timeout-s"));
    for (List<String> command : every) {
      String option = command.get(command.size() - 1);
      String range = option.equals("--timeout-ms") ? "1..3600000 milliseconds" : "1..86400 seconds";
      for (String value : List.of("0", "-5", "soon")) {
        CliRun run = CliRun.of(with(command, value));

        assertEquals(2, run.exit(), command + " " + value + ": " + run.err());
        assertTrue(run.err().startsWith("Invalid value for option '" + option + "': '" + value
            + "' is not a timeout: give " + range + "\n"), run.err());
      }
    }
  }

  /**
   * 0 was sent, which the gateway reads as "the default": recommend --limit 0 printed 10 items, and
   * bench --limit 0 measured default answers; load refused it in words of its own.
   */
  @Test
  void limit_outsideItsHelpsRange_isAUsageError() {
    List<List<String>> every = List.of(List.of("recommend", "--user", "12348"),
        List.of("explain", "--user", "12348", "--item", "20727"), List.of("why-not", "--user", "12348", "--item", "20727"),
        List.of("what-if", "--user", "12348", "--remove", "21211"), List.of("bench", "--requests", "1", "--warmup", "0"),
        List.of("load"), List.of("insights"));
    for (List<String> command : every) {
      for (String value : List.of("0", "51", "-1")) {
        CliRun run = CliRun.of(with(command, "--target", "127.0.0.1:1", "--limit", value));

        assertEquals(2, run.exit(), command + " " + value + ": " + run.err());
        assertTrue(run.err().startsWith("Invalid value for option '--limit': '" + value
            + "' is not a limit: give 1..50, or leave --limit out for the default\n"), run.err());
      }
    }
  }

  /**
   * insights' --pairs and --users ranges were only in their help: --pairs 0 got the service's
   * default (20, not the help's 10) and 101 came back INVALID_ARGUMENT; --users was checked only
   * once the command ran, in words of its own.
   */
  @Test
  void insightsPairsAndUsers_outsideTheirHelpsRange_areUsageErrors() {
    for (String value : List.of("0", "101", "-1")) {
      CliRun run = CliRun.of("insights", "--target", "127.0.0.1:1", "--pairs", value);

      assertEquals(2, run.exit(), value + ": " + run.err());
      assertTrue(run.err().startsWith("Invalid value for option '--pairs': '" + value
          + "' is not a number of pairs: give 1..100\n"), run.err());
    }
    for (String value : List.of("0", "501")) {
      CliRun run = CliRun.of("insights", "--target", "127.0.0.1:1", "--users", value);

      assertEquals(2, run.exit(), value + ": " + run.err());
      assertTrue(run.err().startsWith("Invalid value for option '--users': '" + value
          + "' is not a number of customers: give 1..500\n"), run.err());
    }
  }

  /**
   * evaluate-explanations and bench said "--users must be >= 1 and --limit 1..50" (or of
   * --requests and --warmup) whichever was wrong, without what it got; their help gave no range.
   */
  @Test
  void evaluateAndBenchCounts_outsideTheirHelpsRange_areUsageErrorsNamingTheOption() {
    List<List<String>> cases = List.of(
        List.of("evaluate-explanations", "--limit", "500", "'500' is not a limit: give 1..50, or leave --limit out"),
        List.of("evaluate-explanations", "--users", "0", "'0' is not a number of customers: give 1..1000000"),
        List.of("bench", "--requests", "-3", "'-3' is not a number of measured calls: give 1..1000000"),
        List.of("bench", "--warmup", "-1", "'-1' is not a number of warm-up calls: give 0..1000000"));
    for (List<String> wrong : cases) {
      CliRun run = CliRun.of(wrong.get(0), wrong.get(1), wrong.get(2));

      assertEquals(2, run.exit(), wrong + ": " + run.err());
      assertTrue(run.err().startsWith("Invalid value for option '" + wrong.get(1) + "': " + wrong.get(3)), run.err());
    }
    String evaluateHelp = CliRun.of("evaluate-explanations", "--help").out();
    assertTrue(evaluateHelp.contains("Customers to sample, 1..1000000") && evaluateHelp.contains("customer, 1..50"),
        evaluateHelp);
    String benchHelp = CliRun.of("bench", "--help").out();
    assertTrue(benchHelp.contains("Measured calls, 1..1000000") && benchHelp.contains("calls first, 0..1000000"),
        benchHelp);
  }

  /** health --wait PT3000000H overflowed a count of nanoseconds: an ArithmeticException's stack trace. */
  @Test
  void healthWait_overADay_isAUsageError() {
    CliRun run = CliRun.of("health", "--target", "127.0.0.1:1", "--wait", "PT3000000H");

    assertEquals(2, run.exit(), run.err());
    assertTrue(run.err().startsWith("Invalid value for option '--wait': 'PT3000000H' is longer than --wait takes:"
        + " give at most 24h\n"), run.err());
  }

  /**
   * health --wait in hours or minutes: 25h was refused as "not a positive duration like 500ms, 30s
   * or PT5M", while the refusal of a longer wait said "give at most 24h"; now it says that.
   */
  @Test
  void healthWait_inHoursOverADay_saysAtMost24h() {
    for (String value : List.of("25h", "1441m")) {
      CliRun run = CliRun.of("health", "--target", "127.0.0.1:1", "--wait", value);

      assertEquals(2, run.exit(), run.err());
      assertTrue(run.err().startsWith("Invalid value for option '--wait': '" + value + "' is longer than --wait takes:"
          + " give at most 24h\n"), run.err());
    }
  }

  /**
   * load --warmup is checked as --duration is, before anything is printed or sent: PT3000000H (or
   * 500ms, under the 1 s a run takes) printed the plan line, then an IllegalArgumentException's stack trace.
   */
  @Test
  void loadWarmup_outsideOneSecondToAnHour_isAUsageError() {
    Map.of("PT3000000H", "PT3000000H", "500ms", "PT0.5S").forEach((value, read) -> {
      CliRun run = CliRun.of("load", "--target", "127.0.0.1:1", "--warmup", value);

      assertEquals(2, run.exit(), run.err());
      assertEquals("glassbox load: --warmup: duration must be 1 s to 60 min, got " + read + "\n", run.err());
      assertEquals("", run.out());
    });
  }

  private static String[] with(List<String> command, String... more) {
    return Stream.concat(command.stream(), Arrays.stream(more)).toArray(String[]::new);
  }
}
