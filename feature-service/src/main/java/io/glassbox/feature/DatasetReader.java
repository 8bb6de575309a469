package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import io.glassbox.server.RequestChecks;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Reads a prepared dataset folder: {@code items.csv.gz} or {@code items.csv}
 * ({@code item_id,title[,brand,category,price]}) and {@code interactions.csv.gz} or
 * {@code interactions.csv} ({@code user_id,item_id,timestamp[,event][,invoice_no][,seq_pos]};
 * timestamp in unix seconds or ISO-8601 with an offset, or without one in the zone named by
 * {@value LocalTimeZone#DATA_FOLDER_SETTING}). Columns are found by name, extra columns
 * are ignored; a folder holding both a file and its gzip is refused. So the two files {@code bin/glassbox import}
 * takes are a dataset folder too: their {@code basket_id} is read as the invoice when there is no
 * {@code invoice_no}. Without {@code event}, or with it empty, a row is a purchase; {@code review}
 * (a review dataset such as Amazon Beauty, where a review stands for a purchase) reads as a
 * purchase. Without an invoice column a basket is one user's purchases on one day (day-level
 * dates are all such data has): the shop's day, in the zone {@value
 * LocalTimeZone#DATA_FOLDER_SETTING} names, a UTC day when none is named. A time keeps its
 * fraction of a second, as an import keeps it; events of one moment are in {@code seq_pos} order,
 * without it in file order. An item without a title is titled with its id. Fails with a message
 * naming the file and line of the first bad row.
 */
public final class DatasetReader {
  static final String ITEMS_FILE = "items.csv.gz";
  static final String INTERACTIONS_FILE = "interactions.csv.gz";
  /** The event name of review datasets, read as a purchase. */
  static final String REVIEW_EVENT = "review";
  private static final int EXAMPLE_MAX_REGULAR_ITEMS = 3;
  private final Path dataDir;
  private final LocalTimeZone timeZone;
  private final HeapRoom heap;
  private final FolderHeapCheck.WholeHeap wholeHeap;
  /**
   * Whether a read has finished: the heap is looked at in the first read only, the service's start.
   * A re-seed reads the folder again beside the co-purchase statistics the service holds, and a
   * refusal there would leave it not serving for good, where running out of memory restarts it.
   */
  private volatile boolean readOnce;

  @Inject
  public DatasetReader(FeatureConfig config) {
    this(config.dataDir(), config.dataTimeZone());
  }

  /** A folder whose times all have an offset (or are unix seconds). */
  public DatasetReader(Path dataDir) {
    this(dataDir, LocalTimeZone.none(LocalTimeZone.DATA_FOLDER_SETTING));
  }

  /** {@code timeZone}: the zone of the folder's times without an offset, if one is named. */
  public DatasetReader(Path dataDir, LocalTimeZone timeZone) {
    this(dataDir, timeZone, HeapRoom.ofThisJvm());
  }

  /**
   * {@code heap}: looked at every {@value FolderHeapCheck#EVERY_ROWS} interaction rows of the first
   * read, and while the store is built from them ({@link Dataset#heapCheck}); a folder is refused
   * once it has no room, rather than read on into a JVM that collects without end.
   */
  DatasetReader(Path dataDir, LocalTimeZone timeZone, HeapRoom heap) {
    this(dataDir, timeZone, heap, FolderHeapCheck.WholeHeap.ofThisJvm());
  }

  /**
   * {@code wholeHeap}: looked at while the store is built from the rows of the first read
   * ({@link FolderHeapCheck}).
   */
  DatasetReader(Path dataDir, LocalTimeZone timeZone, HeapRoom heap, FolderHeapCheck.WholeHeap wholeHeap) {
    this.dataDir = requireNonNull(dataDir, "dataDir");
    this.timeZone = requireNonNull(timeZone, "timeZone");
    this.heap = requireNonNull(heap, "heap");
    this.wholeHeap = requireNonNull(wholeHeap, "wholeHeap");
  }

  /** Reads both files. */
  public Dataset read() {
    if (!Files.isDirectory(dataDir)) {
      throw new DatasetException("data folder " + dataDir.toAbsolutePath()
          + " does not exist; set " + FeatureConfig.DATA_DIR_KEY + " to a prepared dataset folder");
    }
    FolderHeapCheck heapCheck = heapCheck();
    Dataset dataset = new Dataset(readItems(dataFile(ITEMS_FILE)),
        readInteractions(dataFile(INTERACTIONS_FILE), Long.MAX_VALUE, heapCheck), heapCheck);
    readOnce = true;
    return dataset;
  }

  /** The heap check of a read: the folder's until a read has finished (the start), then none. */
  private FolderHeapCheck heapCheck() {
    return readOnce ? FolderHeapCheck.NONE : FolderHeapCheck.of(dataDir, heap, wholeHeap);
  }

  private Path dataFile(String gzipName) {
    return dataFile(dataDir, gzipName);
  }

  /**
   * The gzip file or the plain CSV of the same name in {@code dataDir}, whichever exists (the gzip
   * one's path when neither does); both is refused, since either may be the stale one (an old
   * export left beside an edited file). The launcher reads a folder's users.csv[.gz] by it too.
   */
  public static Path dataFile(Path dataDir, String gzipName) {
    Path gzip = dataDir.resolve(gzipName);
    Path plain = dataDir.resolve(gzipName.substring(0, gzipName.length() - ".gz".length()));
    if (Files.exists(gzip) && Files.exists(plain)) {
      throw new DatasetException("data folder " + dataDir.toAbsolutePath() + " holds both " + plain.getFileName()
          + " and " + gzip.getFileName() + "; remove the one that is not current");
    }
    return Files.isRegularFile(plain) ? plain : gzip;
  }

  private static List<Dataset.Item> readItems(Path file) {
    List<Dataset.Item> items = new ArrayList<>();
    Map<String, Long> lineOf = new HashMap<>();
    try (CsvReader csv = open(file)) {
      int id = csv.column("item_id");
      int title = csv.column("title");
      int brand = csv.optionalColumn("brand");
      int category = csv.optionalColumn("category");
      int price = csv.optionalColumn("price");
      int width = max(id, title, brand, category, price) + 1;
      for (List<String> row = csv.next(); row != null; row = csv.next()) {
        requireWidth(csv, row, width);
        String itemId = row.get(id).trim();
        String itemTitle = row.get(title).trim();
        requireId(csv, "item_id", itemId);
        Long first = lineOf.putIfAbsent(itemId, csv.line());
        if (first != null) {
          throw new DatasetException(csv.where() + ": item_id \"" + itemId + "\" is listed twice (first on line "
              + first + "); keep one row per item");
        }
        items.add(new Dataset.Item(itemId, itemTitle.isEmpty() ? itemId : itemTitle, optional(row, brand),
            optional(row, category), parsePrice(csv, optional(row, price))));
      }
    }
    return items;
  }

  /** The first {@code maxRows} rows of {@code file}, {@code heapCheck} looked at as they are read. */
  private List<Dataset.Interaction> readInteractions(Path file, long maxRows, FolderHeapCheck heapCheck) {
    List<Dataset.Interaction> interactions = new ArrayList<>();
    // Ids repeat hundreds of times; sharing one String per id keeps the load light.
    Map<String, String> shared = new HashMap<>();
    try (CsvReader csv = open(file)) {
      int user = csv.column("user_id");
      int item = csv.column("item_id");
      int time = csv.column("timestamp");
      int event = csv.optionalColumn("event");
      int invoice = basketColumn(csv);
      int seq = csv.optionalColumn("seq_pos");
      int width = max(user, item, time, event, invoice, seq) + 1;
      long rowNumber = 0;
      List<String> row;
      // The limit first: a row past it is never read, so a bad one cannot fail the call.
      while (rowNumber < maxRows && (row = csv.next()) != null) {
        rowNumber++;
        heapCheck.atRowRead(rowNumber, "reading " + file.getFileName());
        requireWidth(csv, row, width);
        String userId = row.get(user).trim();
        String itemId = row.get(item).trim();
        requireId(csv, "user_id", userId);
        requireId(csv, "item_id", itemId);
        Instant when = parseTime(csv, row.get(time));
        String basketId = invoice >= 0 ? row.get(invoice).trim() : dayBasket(timeZone, when);
        String basketProblem = RequestChecks.optionalIdProblem(basketId);
        if (basketProblem != null) {
          throw new DatasetException(csv.where() + ": the invoice (basket)" + basketProblem);
        }
        String eventName = event < 0 ? "" : row.get(event).trim();
        EventType type = REVIEW_EVENT.equalsIgnoreCase(eventName) ? EventType.PURCHASE
            : EventType.fromWireName(eventName).orElseThrow(() ->
            new DatasetException(csv.where() + ": event must be one of " + EventType.wireNames()
                + ", got \"" + eventName + "\""));
        interactions.add(new Dataset.Interaction(
            shared.computeIfAbsent(userId, k -> k), shared.computeIfAbsent(itemId, k -> k),
            when.getEpochSecond(), when.getNano(), type, shared.computeIfAbsent(basketId, k -> k),
            seq < 0 ? rowNumber : parseSeqPos(csv, row.get(seq))));
      }
    }
    return interactions;
  }

  /**
   * Each customer of the folder's interactions file once, in file order: its {@code user_id} column
   * as {@link #read} reads it (a byte order mark, any line ending, quoting, empty lines), for the
   * launcher's commands that call the suite as the customers it serves. Only that column is read.
   */
  public List<String> userIds() {
    Path file = dataFile(INTERACTIONS_FILE);
    try (CsvReader csv = open(file, file.toString(), false)) {
      return columnIds(csv, csv.column("user_id"));
    }
  }

  /**
   * The ids a list of customers holds (a data folder's {@code users.csv[.gz]}, or a list of ids),
   * each once, in file order, blank lines skipped. When its first line that is not blank is a header
   * naming {@code user_id} (in any case) the file is read as CSV (a byte order mark, any line ending,
   * quoting, separators) and that column taken; else it is a plain list, each line (trimmed) an id,
   * so an id holding a separator loses none of it. Each id must pass the rule {@link #userIds}
   * applies; messages name {@code file} as given.
   */
  public static List<String> listedUserIds(Path file) {
    try (CsvReader csv = open(file, file.toString(), true)) {
      int user = userIdColumn(csv.header());
      if (user >= 0) {
        return columnIds(csv, user);
      }
      Set<String> users = new LinkedHashSet<>();
      for (String line = csv.firstLine(); line != null; line = csv.nextLine()) {
        String id = line.trim();
        requireId(csv, "user id", id);
        users.add(id);
      }
      return List.copyOf(users);
    }
  }

  /** Each id of {@code column} in the records left in {@code csv} once, in file order, by the id rule. */
  private static List<String> columnIds(CsvReader csv, int column) {
    Set<String> ids = new LinkedHashSet<>();
    for (List<String> row = csv.next(); row != null; row = csv.next()) {
      requireWidth(csv, row, column + 1);
      String id = row.get(column).trim();
      requireId(csv, "user_id", id);
      ids.add(id);
    }
    return List.copyOf(ids);
  }

  /** The index of the header's {@code user_id} field, in any case, or -1. */
  private static int userIdColumn(List<String> header) {
    for (int i = 0; i < header.size(); i++) {
      if (header.get(i).equalsIgnoreCase("user_id")) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Customers to show as examples, among the first {@code maxRows} interaction rows (reading
   * stops there, so this costs little on a large file): first those with 1 to
   * {@value #EXAMPLE_MAX_REGULAR_ITEMS} regular items ({@link RegularItems}: bought in two orders or more), the most
   * distinct items bought first, whose answers show every kind of reason (a regular item or two
   * for the buy-again places, a record for the model to read, and most places left to it); then
   * the others, the same way (ties: the first seen). At most {@code count}; empty when no row is a
   * purchase. Fails as {@link #read} does on a bad row among those.
   */
  public List<String> exampleUsers(int count, int maxRows) {
    // Each user's record as the store keeps it (time, then file order), read by the buy-again
    // rule itself (RegularItems: a purchase without an order is one of its own).
    Map<String, List<Dataset.Interaction>> byUser = new LinkedHashMap<>();
    for (Dataset.Interaction event : readInteractions(dataFile(INTERACTIONS_FILE), maxRows, heapCheck())) {
      byUser.computeIfAbsent(event.userId(), k -> new ArrayList<>()).add(event);
    }
    // Each buyer with what the order compares: regular items, then distinct items bought.
    record Buyer(String user, int regularItems, long itemsBought) {
      boolean fewRegularItems() {
        return regularItems >= 1 && regularItems <= EXAMPLE_MAX_REGULAR_ITEMS;
      }
    }
    List<Buyer> buyers = new ArrayList<>();
    byUser.forEach((user, events) -> {
      List<RecordedEvent> record = events.stream()
          .sorted(Dataset.Interaction.STORE_ORDER)
          .map(e -> new RecordedEvent(e.itemId(), e.time(), e.type(), e.basketId()))
          .toList();
      long bought = record.stream().filter(e -> e.type() == EventType.PURCHASE).map(RecordedEvent::itemId)
          .distinct().count();
      if (bought > 0) {
        buyers.add(new Buyer(user,
            RegularItems.of(record, RegularItems.MIN_BASKETS, Integer.MAX_VALUE).items().size(), bought));
      }
    });
    // A stable sort: ties keep the order first seen.
    return buyers.stream()
        .sorted(Comparator.comparing((Buyer buyer) -> !buyer.fewRegularItems())
            .thenComparing(buyer -> -buyer.itemsBought()))
        .limit(count).map(Buyer::user).toList();
  }

  private static CsvReader open(Path file) {
    return open(file, file.getFileName().toString(), false);
  }

  /**
   * {@code file} read as CSV, its messages naming it {@code source}. Anything readable but a folder
   * is read: the launcher's lists of customers may be a pipe ({@code --users-file <(head ids.txt)}).
   */
  private static CsvReader open(Path file, String source, boolean headerOptional) {
    if (Files.isDirectory(file)) {
      throw new DatasetException("dataset file " + file.toAbsolutePath() + " is a folder, not a file");
    }
    if (!Files.exists(file)) {
      throw new DatasetException("dataset file " + file.toAbsolutePath() + " does not exist");
    }
    boolean gzip = file.getFileName().toString().endsWith(".gz");
    InputStream raw = null;
    try {
      raw = Files.newInputStream(file);
      InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
      return new CsvReader(CsvReader.utf8(in), source, headerOptional);
    } catch (IOException e) {
      if (raw != null) {
        try {
          raw.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw new UncheckedIOException(
          file + " cannot be opened" + (gzip ? " as gzip" : "") + ": " + e.getMessage(), e);
    }
  }

  /** The rule every RPC applies to ids: an id it would refuse could never be asked about. */
  private static void requireId(CsvReader csv, String column, String value) {
    String problem = RequestChecks.idProblem(value);
    if (problem != null) {
      throw new DatasetException(csv.where() + ": " + column + problem);
    }
  }

  private static void requireWidth(CsvReader csv, List<String> row, int width) {
    if (row.size() < width) {
      throw new DatasetException(csv.where() + ": expected at least " + width + " fields, got " + row.size());
    }
  }

  private static double parsePrice(CsvReader csv, String text) {
    try {
      return CsvValues.price(text, csv.separator());
    } catch (CsvValues.UnreadableValueException e) {
      throw new DatasetException(csv.where() + ": " + e.getMessage() + ", got \"" + text + "\"");
    }
  }

  /**
   * The invoice column: {@code invoice_no}, else the import format's {@code basket_id}; -1 without
   * either. {@code import} finds it here too, so that its files are read as a folder's.
   */
  static int basketColumn(CsvReader csv) {
    int invoice = csv.optionalColumn("invoice_no");
    return invoice >= 0 ? invoice : csv.optionalColumn("basket_id");
  }

  /**
   * The basket of an event {@code when} in a file without an invoice column (review data): one
   * user's events of one day, the shop's day in {@code timeZone}; an import groups them so too.
   */
  static String dayBasket(LocalTimeZone timeZone, Instant when) {
    return "day " + timeZone.dayOf(when).toEpochDay();
  }

  /** The column's trimmed value, or empty when the file has no such column. */
  private static String optional(List<String> row, int column) {
    return column < 0 ? "" : row.get(column).trim();
  }

  /** A timestamp as {@code import} reads it ({@link CsvValues#time}), and, as there, not before 1970. */
  private Instant parseTime(CsvReader csv, String text) {
    Instant when;
    try {
      when = CsvValues.time(text.trim(), timeZone);
    } catch (CsvValues.UnreadableValueException e) {
      throw new DatasetException(csv.where() + ": " + e.getMessage() + ", got \"" + text + "\"");
    }
    String tooEarly = EventTimeLimit.tooEarly(when);
    if (tooEarly != null) {
      throw new DatasetException(csv.where() + ": timestamp " + tooEarly);
    }
    return when;
  }

  private static long parseSeqPos(CsvReader csv, String text) {
    try {
      return CsvValues.seqPos(text.trim());
    } catch (CsvValues.UnreadableValueException e) {
      throw new DatasetException(csv.where() + ": " + e.getMessage() + ", got \"" + text + "\"");
    }
  }

  private static int max(int... values) {
    int max = 0;
    for (int value : values) {
      max = Math.max(max, value);
    }
    return max;
  }
}
