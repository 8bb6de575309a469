package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** {@link CsvImport} on files of this machine, into the small dataset's in-memory store, without gRPC. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CsvImportTest {
  private static final String ITEMS = "items CSV";
  private static final String INTERACTIONS = "interactions CSV";
  private static final LocalTimeZone NO_ZONE = LocalTimeZone.none(LocalTimeZone.IMPORT_SETTING);

  @TempDir Path dir;
  private final InMemoryEventStore store = TestData.smallStore();
  private final CsvImport csvImport = new CsvImport(store, TestData.TIME_LIMIT);

  /**
   * Every check (validate only, the items file sent along, and the check before an import stores)
   * asks whether its caller has gone each 1000 rows it reads, and stops at the first ask that
   * says so, having stored nothing. Before, the checks read every row of the file whatever the
   * caller did; only the storing asked.
   */
  @Test
  void checks_callerGone_stopAfterTheFirstThousandRows_andStoreNothing() throws IOException {
    Path items = write("items.csv", "item_id,title", row -> "G" + row + ",Lamp");
    Path interactions = write("interactions.csv", "user_id,item_id,timestamp", row -> "gone-1,A," + (1_700_000_000L + row));
    BooleanSupplier gone = () -> true;

    assertStoppedChecking(ITEMS, () -> csvImport.importItems(items, ITEMS, true, gone));
    assertStoppedChecking(ITEMS, () -> csvImport.importItems(items, ITEMS, false, gone));
    assertStoppedChecking(INTERACTIONS, () -> csvImport.importInteractions(interactions, INTERACTIONS, true, NO_ZONE, gone));
    assertStoppedChecking(INTERACTIONS, () -> csvImport.importInteractions(interactions, INTERACTIONS, false, NO_ZONE, gone));
    assertStoppedChecking(ITEMS,
        () -> csvImport.validateInteractionsAfterItems(interactions, INTERACTIONS, items, ITEMS, NO_ZONE, gone));

    assertTrue(store.items(Set.of("G1")).isEmpty(), "no item stored");
    assertEquals(0, store.history("gone-1", 10).totalEvents(), "no event stored");
  }

  /**
   * The seq_pos order check over many users' moments (its table grows from 1024 to 16384 slots on
   * the way): rows in order pass, and a row at the end below the first row's seq_pos of its user
   * and moment is refused naming that row's line; a row of another user or moment is not.
   */
  @Test
  void seqPosOrder_manyMoments_refusesOnlyARowBelowAnEarlierOneOfItsUserAndMoment() throws IOException {
    String header = "user_id,item_id,timestamp,seq_pos";
    IntFunction<String> rows = row -> "u" + (row % 2500) + ",A," + (1_700_000_000L + row / 2500) + "," + row;
    Path inOrder = write("in-order.csv", header, rows);
    assertEquals(5000, csvImport.importInteractions(inOrder, INTERACTIONS, true, NO_ZONE, () -> false).rows());

    Path lastOutOfOrder = Files.writeString(dir.resolve("last-out-of-order.csv"), Files.readString(inOrder)
        + "u7,A,1700000000,0\nu7,A,1700000002,0\nu9999,A,1700000000,0\n");
    ImportRejectedException rejected = assertThrows(ImportRejectedException.class,
        () -> csvImport.importInteractions(lastOutOfOrder, INTERACTIONS, true, NO_ZONE, () -> false));
    assertTrue(rejected.getMessage().contains("1 row is invalid") && rejected.getMessage().contains(
        "line 5002: seq_pos orders this event before line 9's at the same moment"), rejected.getMessage());
  }

  /**
   * A problem quotes at most 40 characters of a value, counted as the server counts them (code
   * points), with its length. Before, it cut 40 UTF-16 units: 19 emoji and half of the 20th, which
   * a status sends as "?".
   */
  @Test
  void problems_quoteALongValueCutBetweenCharacters_withItsLength() throws IOException {
    String id = "a" + "😀".repeat(50);
    Path items = Files.writeString(dir.resolve("items.csv"), "item_id,title\n" + id + ",Lamp\n" + id + ",Lamp\n");

    ImportRejectedException rejected = assertThrows(ImportRejectedException.class,
        () -> csvImport.importItems(items, ITEMS, true, () -> false));

    assertEquals("items CSV: 1 row is invalid, nothing was stored: line 3: item_id \"a" + "😀".repeat(39)
        + "... (51 characters)\" is already on line 2", rejected.getMessage());
  }

  /** A file of a header and 5000 rows, row {@code i} made by {@code row}. */
  private Path write(String name, String header, IntFunction<String> row) throws IOException {
    return Files.writeString(dir.resolve(name), IntStream.range(0, 5000).mapToObj(row)
        .collect(Collectors.joining("\n", header + "\n", "\n")));
  }

  private static void assertStoppedChecking(String file, Executable check) {
    ImportStoppedException stopped = assertThrows(ImportStoppedException.class, check);
    assertTrue(stopped.checking(), stopped.getMessage());
    assertEquals("1000 rows of " + file + " checked, nothing stored", stopped.getMessage());
  }
}
