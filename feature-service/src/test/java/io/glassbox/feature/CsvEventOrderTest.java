package io.glassbox.feature;

import static java.util.stream.Collectors.toMap;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order of each user's events in the record the feature service serves, read from a data
 * folder or imported, is the one csv-event-order.tsv gives, which the trainer's test_import_format
 * reads too: the model learns a user's events in the order it is then given them. An import whose
 * seq_pos would order them otherwise than it can store them is refused.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CsvEventOrderTest {
  private static final String NO_SEQ_POS = "-";

  @Test
  void dataFolder_eachUsersEvents_areServedInTheTablesOrder(@TempDir Path dir) {
    List<OrderCase> cases = OrderCase.all();
    assertTrue(cases.size() > 10, "csv-event-order.tsv holds " + cases.size() + " cases");
    assertAll(cases.stream().map(c -> (Executable) () -> {
      Path folder = c.writeFolder(dir);
      InMemoryEventStore store = TestData.memoryStore();
      store.load(new DatasetReader(folder).read());
      assertEquals(c.records(), served(store, c), c.name());
    }));
  }

  /** The files import takes are a data folder too. */
  @Test
  void importedFiles_eachUsersEvents_areServedInTheTablesOrder(@TempDir Path dir) {
    Stream<OrderCase> kept = OrderCase.all().stream().filter(c -> !c.seqPosAgainstFileOrder());
    assertAll(kept.map(c -> () -> {
      InMemoryEventStore store = TestData.memoryStore();
      store.load(new Dataset(List.of(), List.of()));
      importFolder(store, c.writeFolder(dir));
      assertEquals(c.records(), served(store, c), c.name());
    }));
  }

  /**
   * An import stores a user's events of one moment in file order (appended, each after those
   * already stored): a file whose seq_pos orders them otherwise is refused naming the line, where
   * it was stored in file order and served in another order than the trainer learns from it.
   */
  @Test
  void importedFiles_seqPosAgainstFileOrder_areRefusedNamingTheLine_andNothingIsStored(@TempDir Path dir) {
    List<OrderCase> refused = OrderCase.all().stream().filter(OrderCase::seqPosAgainstFileOrder).toList();
    assertTrue(refused.size() >= 2, "csv-event-order.tsv holds " + refused.size() + " such cases");
    assertAll(refused.stream().map(c -> () -> {
      InMemoryEventStore store = TestData.memoryStore();
      store.load(new Dataset(List.of(), List.of()));
      ImportRejectedException e = assertThrows(ImportRejectedException.class, () -> importFolder(store,
          c.writeFolder(dir)));
      assertTrue(e.getMessage().contains(": seq_pos orders this event before line "), e.getMessage());
      assertEquals(c.records().keySet().stream().collect(toMap(user -> user, user -> List.of())), served(store, c),
          c.name());
    }));
  }

  private static void importFolder(EventStore store, Path folder) {
    CsvImport imports = new CsvImport(store, TestData.TIME_LIMIT);
    imports.importItems(folder.resolve("items.csv"), "items CSV", false, () -> false);
    imports.importInteractions(folder.resolve("interactions.csv"), "interactions CSV", false, TestData.NO_ZONE,
        () -> false);
  }

  /** Each of the case's users' record as the store serves it: item ids, oldest first. */
  private static Map<String, List<String>> served(EventStore store, OrderCase c) {
    Map<String, List<String>> records = new TreeMap<>();
    for (String user : c.records().keySet()) {
      records.put(user, store.history(user, 1000).events().stream().map(RecordedEvent::itemId).toList());
    }
    return records;
  }

  /** A row of a case's interactions.csv, and where its event stands in its user's record (1: oldest). */
  private record Row(String userId, String itemId, String timestamp, String seqPos, int place) {}

  /** A case of csv-event-order.tsv: its rows in file order. */
  private record OrderCase(String name, List<Row> rows) {
    static List<OrderCase> all() {
      Map<String, List<Row>> rows = new LinkedHashMap<>();
      for (List<String> line : SharedTable.cases("csv-event-order.tsv")) {
        assertEquals(6, line.size(), () -> "not a row: " + line);
        rows.computeIfAbsent(line.get(0), name -> new ArrayList<>()).add(new Row(line.get(1), line.get(2),
            SharedTable.field(line.get(3)), line.get(4), Integer.parseInt(line.get(5))));
      }
      return rows.entrySet().stream().map(e -> new OrderCase(e.getKey(), e.getValue())).toList();
    }

    boolean hasSeqPos() {
      return !rows.get(0).seqPos().equals(NO_SEQ_POS);
    }

    /** The case's two files in a folder of its name under {@code dir}: items.csv lists them last row first. */
    Path writeFolder(Path dir) throws IOException {
      Path folder = Files.createDirectories(dir.resolve(name));
      StringBuilder items = new StringBuilder("item_id,title\n");
      for (int i = rows.size() - 1; i >= 0; i--) {
        items.append(rows.get(i).itemId()).append(",Item\n");
      }
      StringBuilder interactions = new StringBuilder("user_id,item_id,timestamp" + (hasSeqPos() ? ",seq_pos\n" : "\n"));
      for (Row row : rows) {
        interactions.append(row.userId()).append(',').append(row.itemId()).append(',').append(row.timestamp())
            .append(hasSeqPos() ? "," + row.seqPos() + "\n" : "\n");
      }
      Files.writeString(folder.resolve("items.csv"), items);
      Files.writeString(folder.resolve("interactions.csv"), interactions);
      return folder;
    }

    /** Each user's record as the table orders it: item ids, oldest first. */
    Map<String, List<String>> records() {
      return records(Comparator.comparingInt(Row::place));
    }

    /** Whether seq_pos orders a user's events of one moment otherwise than the file does. */
    boolean seqPosAgainstFileOrder() {
      return hasSeqPos() && !records().equals(records(Comparator.comparing(row -> CsvValues.time(row.timestamp(),
          TestData.NO_ZONE))));
    }

    /** Each user's record with the rows in {@code order}, ties in file order: item ids, oldest first. */
    private Map<String, List<String>> records(Comparator<Row> order) {
      Map<String, List<String>> records = new TreeMap<>();
      rows.stream().sorted(order)
          .forEach(row -> records.computeIfAbsent(row.userId(), user -> new ArrayList<>()).add(row.itemId()));
      return records;
    }
  }
}
