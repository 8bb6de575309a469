package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A file a command cannot read gets one line that says which and why, and no stack trace. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CliFilesTest {
  @TempDir Path dir;

  @Test
  void insights_missingUsersFile_oneLineNamingIt() {
    Path missing = dir.resolve("missing.csv");

    CliRun run = CliRun.of("insights", "--users-file", missing.toString(), "--target", "localhost:1");

    assertFailedWith(run, "glassbox insights: " + missing + ": no such file");
  }

  @Test
  void bench_relativeMissingUsersFile_saysWhichFolderItLookedIn() {
    CliRun run = CliRun.of("bench", "--users", "no-such-users.csv", "--target", "localhost:1");

    assertFailedWith(run, "glassbox bench: no-such-users.csv: no such file in " + Path.of("").toAbsolutePath());
  }

  @Test
  void load_usersFileIsAFolder_saysSo() {
    CliRun run = CliRun.of("load", "--users", dir.toString(), "--target", "localhost:1");

    assertFailedWith(run, "glassbox load: " + dir + ": is a folder, not a file");
  }

  @Test
  void insights_usersFileNamedGzButPlainText_saysItIsNotGzip() throws IOException {
    Path plain = Files.writeString(dir.resolve("users.csv.gz"), "user_id\n12347\n");

    CliRun run = CliRun.of("insights", "--users-file", plain.toString(), "--target", "localhost:1");

    assertFailedWith(run, "glassbox insights: " + plain + " cannot be opened as gzip: Not in GZIP format");
  }

  @Test
  void evaluateModel_missingCasesFile_oneLineNamingIt() {
    Path missing = dir.resolve("eval_cases.tsv");

    CliRun run = CliRun.of("evaluate-model", "--cases", missing.toString());

    assertFailedWith(run, "glassbox evaluate-model: " + missing + ": no such file");
  }

  @Test
  void evaluateModel_casesFileWithAWrongHeader_oneLineNamingItAndTheHeader() throws IOException {
    // The header is quoted escaped (Descriptions.truncate): its tabs as backslash t.
    assertCasesFileRefused("split\tuser_id\thistory\ttarget\n", "\"split\\tuser_id\\thistory\\ttarget\"");
  }

  @Test
  void evaluateModel_emptyCasesFile_saysItIsEmpty() throws IOException {
    assertCasesFileRefused("", "an empty file");
  }

  private void assertCasesFileRefused(String content, String got) throws IOException {
    Path cases = Files.writeString(dir.resolve("eval_cases.tsv"), content);

    CliRun run = CliRun.of("evaluate-model", "--cases", cases.toString());

    assertFailedWith(run, "glassbox evaluate-model: " + cases + ": the first line must be the header "
        + "split<TAB>user_id<TAB>history<TAB>targets<TAB>negatives<TAB>time<TAB>history_baskets (time and "
        + "history_baskets optional), got " + got);
  }

  /**
   * Both files are checked before anything is sent: with the items file fine and the interactions
   * file missing, the command stops on the file, not on the (unreachable) feature service it would
   * have sent the items to first.
   */
  @Test
  void import_secondFileMissing_failsOnItBeforeSendingTheFirst() throws IOException {
    Path items = Files.writeString(dir.resolve("items.csv"), "item_id,title\nX1,A THING\n");
    Path missing = dir.resolve("interactions.csv");

    CliRun run = CliRun.of("import", "--items", items.toString(), "--interactions", missing.toString(),
        "--target", "localhost:1");

    assertFailedWith(run, "glassbox import: cannot read " + missing + ": no such file");
  }

  private static void assertFailedWith(CliRun run, String line) {
    assertEquals(1, run.exit(), run.err());
    assertEquals(line + System.lineSeparator(), run.err());
    assertFalse(run.err().contains("\tat "), run.err());
  }
}
