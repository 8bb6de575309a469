package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.feature.FeatureConfig;
import io.glassbox.feature.FeatureMain;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/glassbox import} of a file too large for its --timeout-s, against the real feature
 * service on the embedded data: the command says what became of the rows and what to do, and
 * doing it (the same command with more time) stores every row once.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ImportDeadlineTest {
  private static final int ROWS = 300_000;

  @TempDir Path dir;

  @Test
  void importPastItsDeadline_saysTheRestIsStoredByRunningItAgain_andItIs() throws Exception {
    String root = System.getProperty("glassbox.repo.root");
    Path csv = dir.resolve("many.csv");
    try (BufferedWriter out = Files.newBufferedWriter(csv)) {
      out.write("user_id,item_id,timestamp,basket_id\n");
      for (int row = 0; row < ROWS; row++) {
        // Embedded items, stamped in 2005: outside any recent-sales window of the shipped data.
        out.write("late-" + row / 100 + "," + (row % 2 == 0 ? "85123A" : "22423") + "," + (1_104_537_600L + row)
            + ",late-" + row / 5 + "\n");
      }
    }
    try (GrpcServer feature = FeatureMain.start(ConfigSource.of(Map.of(
        FeatureConfig.DATA_DIR_KEY, root + "/data/uci-online-retail",
        FeatureConfig.PORT_KEY, "0",
        FeatureConfig.ADMIN_PORT_KEY, "0",
        ServerSettings.METRICS_PORT_KEY, "0")))) {
      String target = "localhost:" + feature.adminPort();

      CliRun tooSlow = CliRun.of("import", "--interactions", csv.toString(), "--timeout-s", "1", "--target", target);

      assertEquals(1, tooSlow.exit(), tooSlow.err());
      assertTrue(commandsOwnLines(tooSlow.err()).matches(Pattern.quote(
          "glassbox import: DEADLINE_EXCEEDED: " + csv + " was not imported within --timeout-s 1.\n"
          + "glassbox import: the suite stops an import whose caller has gone at its next batch of rows, and keeps"
          + " those stored before. Run the same command again with a larger --timeout-s: interactions already"
          + " stored count as \"already there\" (items are replaced by themselves), none is stored twice.\n"
          + "glassbox import: the call was sent with request id ")
          + "[0-9a-f-]{36}" + Pattern.quote(", under which the suite's logs list it.\n")), tooSlow.err());

      CliRun again = rerun(csv, target);
      assertEquals(0, again.exit(), again.err());
      Matcher counts = Pattern.compile(Pattern.quote(csv.toString())
          + ": (\\d+) interactions rows, (\\d+) stored, (\\d+) already there\n").matcher(again.out());
      assertTrue(counts.find(), again.out());
      long stored = Long.parseLong(counts.group(2));
      long before = Long.parseLong(counts.group(3));
      assertEquals(ROWS, Long.parseLong(counts.group(1)));
      assertEquals(ROWS, stored + before);
      // The first run stopped short (before, its import went on to the end for a caller told it failed).
      assertTrue(before < ROWS, "stored by the first run: " + before);
    }
  }

  /** What the command printed, without the log lines of the feature service in this JVM. */
  private static String commandsOwnLines(String err) {
    return err.lines().filter(line -> line.startsWith("glassbox ")).map(line -> line + "\n").collect(Collectors.joining());
  }

  /** The same import with time enough, once the feature service has let go of the first. */
  private static CliRun rerun(Path csv, String target) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      CliRun run = CliRun.of("import", "--interactions", csv.toString(), "--timeout-s", "120", "--target", target);
      if (!run.err().contains("another import is running") || System.nanoTime() > until) {
        return run;
      }
      Thread.sleep(100); // a retry interval, as a person's
    }
  }
}
