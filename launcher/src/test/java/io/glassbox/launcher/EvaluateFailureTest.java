package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.ConfigSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call of evaluate-explanations that fails ends the command with its status line, as the other
 * commands print one: picocli printed the StatusRuntimeException's stack trace, the status (an
 * ABORTED "the model changed during the evaluation", a refusal) buried in its first line.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class EvaluateFailureTest {
  private static final String ROOT = System.getProperty("glassbox.repo.root");

  @Test
  void evaluate_callRefused_printsTheStatusLineWithoutAStackTrace(@TempDir Path folder) throws Exception {
    // The explain service gives its own calls a nanosecond: the run's Explain call fails, and the
    // evaluation says why.
    Path users = Files.writeString(folder.resolve("users.csv"), "12347\n");

    EvaluateCommand evaluate = new EvaluateCommand();
    evaluate.settings = () -> ConfigSource.of(Map.of(
        "GLASSBOX_DATA_DIR", ROOT + "/data/uci-online-retail", "GLASSBOX_MODEL_DIR", ROOT + "/models",
        "GLASSBOX_EXPLAIN_DEPENDENCY_TIMEOUT", "PT0.000000001S"));

    CliRun run = CliRun.ofCommand(evaluate, "--users-file", users.toString(), "--users", "1");

    assertEquals(1, run.exit(), run.err());
    assertTrue(run.err().lines().anyMatch(line -> line.matches("glassbox evaluate-explanations: DEADLINE_EXCEEDED:"
        + " (model|feature) service did not answer before the deadline")), run.err());
    assertFalse(run.err().contains("StatusRuntimeException") || run.err().contains("\tat "), run.err());
  }
}
