package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.feature.Dataset;
import io.glassbox.feature.DatasetReader;
import io.glassbox.feature.FeatureConfig;
import io.glassbox.server.ConfigSource;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UserIdsTest {
  /** `--users-file <(head -50 ids.txt)`: the shell passes a pipe, which is no regular file. */
  @Test
  void read_aPipe_readsTheIdsWrittenToIt(@TempDir Path dir) throws Exception {
    Path pipe = dir.resolve("ids");
    Process mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).inheritIO().start();
    assertEquals(0, mkfifo.waitFor());
    // Opening a pipe to write waits for its reader; a daemon thread, so a failed read leaves no thread behind.
    Thread writer = new Thread(() -> {
      try {
        Files.writeString(pipe, "12347\n12348\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, "ids-writer");
    writer.setDaemon(true);
    writer.start();

    // It failed with "dataset file .../ids does not exist".
    assertEquals(List.of("12347", "12348"), UserIds.read(pipe));
  }

  @Test
  void ofDataFolder_embeddedData_isItsUsersFile() throws IOException {
    Path root = Path.of(System.getProperty("glassbox.repo.root", ".."));

    List<String> users = UserIds.ofDataFolder(root.resolve("data/uci-online-retail"));

    assertEquals(UserIds.read(root.resolve(UserIds.EMBEDDED)), users);
    assertTrue(users.contains("12347"));
  }

  @Test
  void ofDataFolder_plainUsersCsvWithStringIds_readsTheFirstColumn(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("users.csv"),
        "user_id,s3rec_user_idx,n_interactions\nA1YJEY40YUW4SE,1,5\nA60XNB876KYML,2,7\n");

    assertEquals(List.of("A1YJEY40YUW4SE", "A60XNB876KYML"), UserIds.ofDataFolder(dir));
  }

  @Test
  void ofDataFolder_noUsersFile_takesTheDistinctUsersOfTheInteractionsInFileOrder(@TempDir Path dir)
      throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("interactions.csv.gz")))) {
      out.write("item_id,user_id,timestamp\nA,u2,1\nB,u1,2\nC,u2,3\n".getBytes(StandardCharsets.UTF_8));
    }

    assertEquals(List.of("u2", "u1"), UserIds.ofDataFolder(dir));
  }

  /**
   * A spreadsheet's "CSV UTF-8" save: a byte order mark, CRLF line endings, a quoted field holding
   * a comma, a blank line. The suite serves this folder; insights, evaluate-explanations and bench
   * said it "has no user_id column".
   */
  @Test
  void ofDataFolder_interactionsSavedByASpreadsheet_areTheCustomersTheFeatureServiceReads(@TempDir Path shop)
      throws IOException {
    Files.writeString(shop.resolve("items.csv"), "\uFEFFitem_id,title\r\n\"A,1\",Mug\r\nB,Plate\r\n");
    Files.writeString(shop.resolve("interactions.csv"), "\uFEFFuser_id,item_id,timestamp\r\n"
        + "u2,\"A,1\",1323430200\r\n\r\n\"u1\",B,1323430260\r\nu2,B,1323430320\r\n");
    List<String> served = new DatasetReader(shop).read().interactions().stream()
        .map(Dataset.Interaction::userId).distinct().toList();

    List<String> users = UserIds.ofDataFolder(shop);

    assertEquals(List.of("u2", "u1"), served);
    assertEquals(served, users);
  }

  /** The dataset layout's users.csv saved the same way: its header was drawn as a customer. */
  @Test
  void ofDataFolder_usersCsvSavedByASpreadsheet_skipsItsHeader(@TempDir Path shop) throws IOException {
    Files.writeString(shop.resolve("users.csv"), "\uFEFFuser_id;country\r\n12347;Iceland\r\n\r\n\"12348\";Finland\r\n");

    assertEquals(List.of("12347", "12348"), UserIds.ofDataFolder(shop));
  }

  /** As the feature service refuses such a folder: either file may be the stale one. */
  @Test
  void ofDataFolder_plainAndGzipOfOneFile_isRefused_notReadFromTheGzip(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("users.csv"), "user_id\nnew\n");
    try (OutputStream gzip = new GZIPOutputStream(Files.newOutputStream(dir.resolve("users.csv.gz")))) {
      gzip.write("user_id\nstale\n".getBytes(StandardCharsets.UTF_8));
    }

    IOException e = assertThrows(IOException.class, () -> UserIds.ofDataFolder(dir));
    assertEquals("data folder " + dir.toAbsolutePath() + " holds both users.csv and users.csv.gz; remove the one that"
        + " is not current",
        e.getMessage());
  }

  @Test
  void ofDataFolder_emptyFolder_failsNamingIt(@TempDir Path dir) {
    IOException e = assertThrows(IOException.class, () -> UserIds.ofDataFolder(dir));
    assertTrue(e.getMessage().contains(dir.toAbsolutePath().toString()), e.getMessage());
    assertTrue(e.getMessage().endsWith(", or name customers with --users FILE (bench, load)"
        + " or --users-file FILE (insights, evaluate-explanations)"), e.getMessage());
  }

  /** A plain list of ids has no header: the first id is a customer, not a column name. */
  @Test
  void read_idsWithoutHeader_keepsTheFirst(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("two.txt"), "12348\nnobody\n");

    assertEquals(List.of("12348", "nobody"), UserIds.read(file));
  }

  @Test
  void read_headerNamedUserId_isSkipped_blankLinesToo(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("users.csv"), "User_Id,country\n12347,Iceland\n\n 12348 ,Finland\n");

    assertEquals(List.of("12347", "12348"), UserIds.read(file));
  }

  @Test
  void read_oneIdWithoutHeader_isThatId_andAHeaderAloneHoldsNone(@TempDir Path dir) throws IOException {
    assertEquals(List.of("12348"), UserIds.read(Files.writeString(dir.resolve("one.txt"), "12348\n")));

    Path header = Files.writeString(dir.resolve("header.csv"), "user_id\n");
    IOException e = assertThrows(IOException.class, () -> UserIds.read(header));
    assertEquals(header + " holds no user ids", e.getMessage());
  }

  /** A plain list needs no header: an empty one said "f_empty.csv is empty; expected a header line". */
  @Test
  void read_emptyFile_saysItHoldsNoUserIds_namingItsPath(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("f_empty.csv"), "");

    IOException e = assertThrows(IOException.class, () -> UserIds.read(file));
    assertEquals(file + " holds no user ids", e.getMessage());
  }

  @Test
  void ofDataFolder_emptyUsersCsv_saysItHoldsNoUserIds_namingItsPath(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("users.csv"), "");

    IOException e = assertThrows(IOException.class, () -> UserIds.ofDataFolder(dir));
    assertEquals(dir.resolve("users.csv") + " holds no user ids", e.getMessage());
  }

  /** It said "interactions.csv line 3: ...", not which folder's. */
  @Test
  void ofDataFolder_badInteractionsRow_failsNamingTheFilesPath(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("interactions.csv"), "user_id,item_id,timestamp\nu1,A,1\n,B,2\n");

    IOException e = assertThrows(IOException.class, () -> UserIds.ofDataFolder(dir));
    assertEquals(dir.resolve("interactions.csv") + " line 3: user_id must not be empty", e.getMessage());
  }

  /** bench --users drew "a" and "c" from this list: the ids hold the separator a CSV would split on. */
  @Test
  void read_plainListOfIdsHoldingSemicolons_keepsWholeIds(@TempDir Path dir) throws IOException {
    assertEquals(List.of("a;b", "c;d"), UserIds.read(Files.writeString(dir.resolve("ids.txt"), "\na;b\nc;d\n")));
  }

  /** A file of interactions names a customer on each of their rows: bench said "2719 users" for 150. */
  @Test
  void read_idRepeatedOnManyRows_isOneCustomer_inFileOrder(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("my-interactions.csv");
    Files.writeString(file, "user_id,item_id,timestamp\nu2,A,1\nu1,B,2\nu2,C,3\nu2,D,4\n");

    assertEquals(List.of("u2", "u1"), UserIds.read(file));
  }

  /** As evaluate-explanations draws them: insights, bench and load sampled the embedded data's customers. */
  @Test
  void of_noFile_takesTheCustomersOfTheDataFolderTheSettingsName(@TempDir Path shop) throws IOException {
    Files.writeString(shop.resolve("users.csv"), "user_id\nshop-1\nshop-2\n");

    UserIds.Drawn drawn = UserIds.of(null, ConfigSource.of(Map.of(FeatureConfig.DATA_DIR_KEY, shop.toString())));

    assertEquals(List.of("shop-1", "shop-2"), drawn.users());
    assertEquals("the data folder " + shop + " (GLASSBOX_DATA_DIR)", drawn.origin());
  }

  /** Only the data folder is read: a feature-service setting the command never uses failed it ("must be an integer"). */
  @Test
  void of_noFile_readsOnlyTheDataFolder_notTheFeatureServiceSettings(@TempDir Path shop) throws IOException {
    Files.writeString(shop.resolve("users.csv"), "user_id\nshop-1\n");

    UserIds.Drawn drawn = UserIds.of(null, ConfigSource.of(
        Map.of(FeatureConfig.DATA_DIR_KEY, shop.toString(), FeatureConfig.MAX_EVENTS_KEY, "abc")));

    assertEquals(List.of("shop-1"), drawn.users());
  }

  @Test
  void of_noFileNorDataFolder_takesTheEmbeddedDataAndSaysSo() throws IOException {
    String root = System.getProperty("glassbox.repo.root", "..");

    UserIds.Drawn drawn = UserIds.of(null, ConfigSource.of(Map.of(ConfigSource.HOME_KEY, root)));

    assertEquals(UserIds.read(Path.of(root, UserIds.EMBEDDED)), drawn.users());
    assertEquals("the embedded data " + Path.of(root, FeatureConfig.DEFAULT_DATA_DIR), drawn.origin());
  }
}
