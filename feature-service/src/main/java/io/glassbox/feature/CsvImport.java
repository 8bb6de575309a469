package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import io.glassbox.server.Descriptions;
import io.glassbox.server.RequestChecks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Imports a shop's own data from CSV files into an {@link EventStore}, all-or-nothing: a first
 * pass validates every row (collecting what is wrong, line by line), a second pass stores the
 * rows in batches, and only when the first found nothing wrong. Interaction rows get an event id
 * derived from their content, so importing the same file twice stores each event once: the store
 * knows the id within its dedupe window, and the content in the user's record after it
 * ({@link NewEvent#copy}). Before each batch it asks whether the caller has gone (a passed deadline, a
 * cancelled call): then it stops there ({@link ImportStoppedException}), and the same import
 * again stores the rest. The checks ask too, every batch of rows read, so that a check nobody
 * waits for any more stops reading a file of a million rows.
 */
final class CsvImport {
  static final long MAX_ROWS = 1_000_000;
  static final int MAX_TEXT_LENGTH = 1000;
  /** Longest piece of a value a problem quotes, in characters. */
  private static final int MAX_QUOTED_CHARS = 40;
  private static final int BATCH = 1000;
  /** For a pass that stores: it asks before each batch it stores ({@link #stopIfGone}), with what it stored. */
  private static final BooleanSupplier ASKED_PER_BATCH_STORED = () -> false;

  /**
   * What an import did.
   *
   * @param rows data rows read
   * @param stored items added or replaced, or events newly stored
   * @param duplicates events already stored before
   * @param repeats interaction rows identical to an earlier row of the file, each stored as an
   *     event of its own (or among the duplicates), or to be, by a check; 0 for items
   */
  record Result(long rows, long stored, long duplicates, long repeats) {
    Result(long rows, long stored, long duplicates) {
      this(rows, stored, duplicates, 0);
    }
  }

  private final EventStore store;
  private final EventTimeLimit timeLimit;
  private final LocalTimeZone shopZone;

  CsvImport(EventStore store, EventTimeLimit timeLimit) {
    this(store, timeLimit, LocalTimeZone.none(LocalTimeZone.DATA_FOLDER_SETTING));
  }

  /** {@code shopZone}: the data folder's zone, whose days group a file's purchases when it names none. */
  CsvImport(EventStore store, EventTimeLimit timeLimit, LocalTimeZone shopZone) {
    this.store = requireNonNull(store, "store");
    this.timeLimit = requireNonNull(timeLimit, "timeLimit");
    this.shopZone = requireNonNull(shopZone, "shopZone");
  }

  /** Imports {@code item_id,title[,brand,category,price]} rows; see the FeatureAdmin proto. */
  Result importItems(Path file, String name, boolean validateOnly, BooleanSupplier callerGone) {
    long rows = checkItems(file, name, new HashMap<>(), callerGone);
    if (validateOnly) {
      return new Result(rows, 0, 0);
    }
    List<Dataset.Item> batch = new ArrayList<>(BATCH);
    long[] stored = {0};
    readItems(file, name, new Problems(name), item -> {
      batch.add(item);
      if (batch.size() == BATCH) {
        stored[0] += flushItems(batch, rows, stored[0], callerGone);
      }
    }, new HashMap<>(), ASKED_PER_BATCH_STORED);
    stored[0] += flushItems(batch, rows, stored[0], callerGone);
    return new Result(rows, stored[0], 0);
  }

  /**
   * Pass 1 of an items import: checks every row, throwing {@link ImportRejectedException} when any
   * is invalid; else returns the rows read, with each item id and its line put in {@code firstLine}.
   */
  private static long checkItems(Path file, String name, Map<String, Long> firstLine, BooleanSupplier callerGone) {
    Problems problems = new Problems(name);
    long rows = readItems(file, name, problems, item -> { }, firstLine, callerGone);
    problems.throwIfAny();
    return rows;
  }

  private int flushItems(List<Dataset.Item> batch, long rows, long stored, BooleanSupplier callerGone) {
    int size = batch.size();
    if (size > 0) {
      stopIfGone(callerGone, rows, stored, 0);
      try {
        store.putItems(List.copyOf(batch));
      } catch (StoreFullException e) {
        throw stoppedIfBegun(e, new Result(rows, stored, 0));
      }
      batch.clear();
    }
    return size;
  }

  private static long readItems(Path file, String name, Problems problems, Consumer<Dataset.Item> valid,
                                Map<String, Long> firstLine, BooleanSupplier callerGone) {
    try (CsvReader csv = open(file, name)) {
      int id = csv.column("item_id");
      int title = csv.column("title");
      int brand = csv.optionalColumn("brand");
      int category = csv.optionalColumn("category");
      int price = csv.optionalColumn("price");
      long rows = 0;
      for (List<String> row = csv.next(); row != null; row = csv.next()) {
        rows = countRow(rows, name, callerGone);
        String itemId = field(row, id);
        String itemTitle = field(row, title);
        String problem = checkId("item_id", itemId);
        if (problem == null) {
          problem = checkText("title", itemTitle, 1);
        }
        if (problem == null) {
          problem = checkText("brand", field(row, brand), 0);
        }
        if (problem == null) {
          problem = checkText("category", field(row, category), 0);
        }
        double itemPrice = 0;
        if (problem == null) {
          try {
            itemPrice = CsvValues.price(field(row, price), csv.separator());
          } catch (CsvValues.UnreadableValueException e) {
            problem = e.getMessage() + ", got \"" + clip(field(row, price)) + "\"";
          }
        }
        if (problem == null) {
          Long earlier = firstLine.putIfAbsent(itemId, csv.line());
          if (earlier != null) {
            problem = "item_id \"" + clip(itemId) + "\" is already on line " + earlier;
          }
        }
        if (problem != null) {
          problems.add(csv.line(), problem);
        } else {
          valid.accept(new Dataset.Item(itemId, itemTitle, field(row, brand), field(row, category), itemPrice));
        }
      }
      return rows;
    }
  }

  /** Imports {@code user_id,item_id,timestamp[,event][,basket_id][,seq_pos]} rows; see the FeatureAdmin proto. */
  Result importInteractions(Path file, String name, boolean validateOnly, LocalTimeZone timeZone,
                            BooleanSupplier callerGone) {
    return importInteractions(file, name, validateOnly, timeZone, Set.of(), callerGone);
  }

  /**
   * Checks the interactions {@code file} as {@link #importInteractions} would once {@code itemsFile}
   * had been imported ({@link #importItems}), and stores nothing: {@code itemsFile}'s rows are
   * checked first, and its items count as in the catalogue. An items import only adds or replaces
   * items, so the catalogue then holds exactly the items it holds now and these.
   */
  Result validateInteractionsAfterItems(Path file, String name, Path itemsFile, String itemsName,
                                        LocalTimeZone timeZone, BooleanSupplier callerGone) {
    Map<String, Long> itemLines = new HashMap<>();
    checkItems(itemsFile, itemsName, itemLines, callerGone);
    return importInteractions(file, name, true, timeZone, itemLines.keySet(), callerGone);
  }

  /** {@code itemsToCome}: item ids to take as in the catalogue, whatever the store holds. */
  private Result importInteractions(Path file, String name, boolean validateOnly, LocalTimeZone timeZone,
                                    Set<String> itemsToCome, BooleanSupplier callerGone) {
    Problems problems = new Problems(name);
    // Pass 1: syntax per row; catalogue membership checked in batches of distinct ids. The items
    // to come are looked up where they are, not copied: a million ids take 113 to 220 MiB.
    Set<String> known = new HashSet<>();
    Map<String, List<Long>> pending = new HashMap<>();
    // One reading of the clock for both passes, so that they accept the same rows.
    Instant now = timeLimit.now();
    long rows = readInteractions(file, name, problems, now, timeZone, true, callerGone, (line, event) -> {
      String itemId = event.event().itemId();
      if (!itemsToCome.contains(itemId) && !known.contains(itemId)) {
        pending.computeIfAbsent(itemId, k -> new ArrayList<>()).add(line);
        if (pending.size() == BATCH) {
          checkCatalogue(pending, known, problems);
        }
      }
    });
    checkCatalogue(pending, known, problems);
    problems.throwIfAny();
    // Pass 2: each event with its content-derived id, stored in batches. A check reads it too, to
    // count the repeats before they are stored, so it holds what an import holds, no more: the
    // copies' keys, once pass 1's seq_pos table is gone.
    RowCopies copies = new RowCopies();
    List<NewEvent> batch = new ArrayList<>(BATCH);
    long[] totals = {0, 0};
    // Pass 1 refused any row whose seq_pos is out of order: not checked again.
    readInteractions(file, name, new Problems(name), now, timeZone, false,
        validateOnly ? callerGone : ASKED_PER_BATCH_STORED, (line, event) -> {
          NewEvent identified = copies.withContentId(event);
          if (!validateOnly) {
            batch.add(identified);
            if (batch.size() == BATCH) {
              append(batch, totals, rows, callerGone);
            }
          }
        });
    append(batch, totals, rows, callerGone);
    return new Result(rows, totals[0], totals[1], copies.repeats());
  }

  private void append(List<NewEvent> batch, long[] totals, long rows, BooleanSupplier callerGone) {
    if (batch.isEmpty()) {
      return;
    }
    stopIfGone(callerGone, rows, totals[0], totals[1]);
    AppendResult result;
    try {
      result = store.append(List.copyOf(batch));
    } catch (StoreFullException e) {
      throw stoppedIfBegun(e, new Result(rows, totals[0], totals[1]));
    }
    totals[0] += result.stored();
    totals[1] += result.duplicates();
    batch.clear();
  }

  /**
   * The store filled up: an import that has stored (or found already there) some rows stops with
   * them kept, so the caller learns they were; one that has not fails as any full store does.
   */
  private static RuntimeException stoppedIfBegun(StoreFullException full, Result soFar) {
    return soFar.stored() + soFar.duplicates() == 0 ? full : new ImportStoppedException(soFar, full);
  }

  private static void stopIfGone(BooleanSupplier callerGone, long rows, long stored, long duplicates) {
    if (callerGone.getAsBoolean()) {
      throw new ImportStoppedException(new Result(rows, stored, duplicates));
    }
  }

  private void checkCatalogue(Map<String, List<Long>> pending, Set<String> known, Problems problems) {
    if (pending.isEmpty()) {
      return;
    }
    Set<String> found = store.items(pending.keySet()).keySet();
    known.addAll(found);
    pending.forEach((itemId, lines) -> {
      if (!found.contains(itemId)) {
        for (long line : lines) {
          problems.add(line, "item_id \"" + clip(itemId)
              + "\" is not in the catalogue (import it with the items first)");
        }
      }
    });
    pending.clear();
  }

  /** Receives a valid row with the line it starts on. */
  private interface RowConsumer {
    void accept(long line, NewEvent event);
  }

  private long readInteractions(Path file, String name, Problems problems, Instant now, LocalTimeZone timeZone,
                                boolean checkSeqPos, BooleanSupplier callerGone, RowConsumer valid) {
    try (CsvReader csv = open(file, name)) {
      int user = csv.column("user_id");
      int item = csv.column("item_id");
      int time = csv.column("timestamp");
      int event = csv.optionalColumn("event");
      int basket = DatasetReader.basketColumn(csv);
      String basketName = basket < 0 ? "basket_id" : csv.header().get(basket);
      int seq = csv.optionalColumn("seq_pos");
      SeqPosOrder seqPosOrder = seq < 0 || !checkSeqPos ? null : new SeqPosOrder();
      long rows = 0;
      for (List<String> row = csv.next(); row != null; row = csv.next()) {
        rows = countRow(rows, name, callerGone);
        String userId = field(row, user);
        String itemId = field(row, item);
        String problem = checkId("user_id", userId);
        if (problem == null) {
          problem = checkId("item_id", itemId);
        }
        Instant when = null;
        if (problem == null) {
          try {
            when = CsvValues.time(field(row, time), timeZone);
            String refused = timeLimit.problem(when, now);
            problem = refused == null ? null : "timestamp " + refused;
          } catch (CsvValues.UnreadableValueException e) {
            problem = e.getMessage() + ", got \"" + clip(field(row, time)) + "\"";
          }
        }
        EventType type = null;
        if (problem == null) {
          type = EventType.fromWireName(field(row, event)).orElse(null);
          if (type == null) {
            problem = "event must be empty or one of " + EventType.wireNames() + ", got \""
                + clip(field(row, event)) + "\"";
          }
        }
        // As a data folder reads it: without an order column, one user's purchases of one day are one
        // order, the shop's day unless the file names its own zone.
        String basketId = basket >= 0 ? field(row, basket) : when == null ? ""
            : DatasetReader.dayBasket(timeZone.zone().isPresent() ? timeZone : shopZone, when);
        String basketProblem = RequestChecks.optionalIdProblem(basketId);
        if (problem == null && basketProblem != null) {
          problem = basketName + basketProblem;
        }
        if (problem == null && seqPosOrder != null) {
          problem = seqPosOrder.problem(userId, when, field(row, seq), csv.line());
        }
        if (problem != null) {
          problems.add(csv.line(), problem);
        } else {
          valid.accept(csv.line(), new NewEvent(userId, new RecordedEvent(itemId, when, type, basketId)));
        }
      }
      return rows;
    }
  }

  /** {@code rows} and the row just read; stops a read past the row limit, or every batch with the caller gone. */
  private static long countRow(long rows, String name, BooleanSupplier callerGone) {
    if (rows == MAX_ROWS) {
      throw new ImportTooLargeException(name + " has more than " + MAX_ROWS + " rows; split it");
    }
    if (rows % BATCH == 0 && rows > 0 && callerGone.getAsBoolean()) {
      throw ImportStoppedException.checking(name, rows);
    }
    return rows + 1;
  }

  /**
   * Gives each row of a file its event id, counting the rows identical to an earlier one. A row
   * repeated is an event of its own (a shopper can buy the same thing twice in one second; a data
   * folder and the trainer read such lines as two events; neither shipped dataset has any, as the
   * UCI preparation merged an invoice's lines of one item), so its id numbers its occurrence: a
   * re-run of the file finds each one stored. The numbering is of one file: a part of a split file
   * starts again at 1, so a row repeating one in an earlier part gets that row's id and is taken as
   * already stored. One map entry per distinct row, about 64 bytes: 61 MiB for a million.
   */
  private static final class RowCopies {
    private final Map<Long, Integer> occurrences = new HashMap<>();
    private long repeats;

    /**
     * The row's event id: a digest of its content and of how many identical rows came before it
     * in the file. A row without a basket gets the id it got before baskets could be imported, so
     * re-running an older file stores nothing twice.
     */
    NewEvent withContentId(NewEvent event) {
      String basketId = event.event().basketId();
      byte[] digest = Digests.sha256(event.userId() + '\0' + event.event().itemId() + '\0'
          + event.event().time() + '\0' + event.event().type().wireName()
          + (basketId.isEmpty() ? "" : '\0' + basketId));
      long key = Digests.bits(digest, 0);
      int occurrence = occurrences.merge(key, 1, Integer::sum);
      if (occurrence > 1) {
        repeats++;
      }
      return new NewEvent(event.userId(), event.event(),
          "csv:" + HexFormat.of().formatHex(digest, 0, 16) + ":" + occurrence, occurrence);
    }

    /** Rows read so far that repeat an earlier row. */
    long repeats() {
      return repeats;
    }
  }

  private static String checkId(String column, String value) {
    String problem = RequestChecks.idProblem(value);
    return problem == null ? null : column + problem;
  }

  private static String checkText(String column, String value, int minLength) {
    if (value.length() < minLength) {
      return column + " must not be empty";
    }
    String tooLong = RequestChecks.lengthProblem(value, MAX_TEXT_LENGTH);
    return tooLong == null ? null : column + tooLong;
  }

  /** A trimmed field, "" when the column is absent or the row is short. */
  private static String field(List<String> row, int column) {
    return column >= 0 && column < row.size() ? row.get(column).trim() : "";
  }

  /**
   * {@code value} as a problem quotes it: in fewer characters than a lone message does
   * ({@link Descriptions#MAX_QUOTED_CHARS}), since a rejection names up to
   * {@value ImportRejectedException#MAX_NAMED} problems in one description.
   */
  private static String clip(String value) {
    return Descriptions.truncate(value, MAX_QUOTED_CHARS);
  }

  private static CsvReader open(Path file, String name) {
    try {
      return new CsvReader(CsvReader.utf8(Files.newInputStream(file)), name);
    } catch (IOException e) {
      throw new UncheckedIOException(name + " cannot be read: " + e.getMessage(), e);
    }
  }

  /**
   * A seq_pos column, read as a data folder's (DatasetReader), which orders a user's events of one
   * moment by it: an import appends them, each after those already stored, so it keeps file order
   * there, and a row whose seq_pos is below an earlier row's of the same user and moment is refused,
   * where it would be served in another order than the trainer learns the file in. It keeps the
   * highest seq_pos of each user's moment read so far, under a 64-bit key of the user and the
   * moment in an open-addressing table of 20-byte slots, at most half full: about 40 MiB for a
   * million moments, 60 while it grows (a map of records took about 160 bytes a moment: a
   * million-row file ran a 256 MiB service out of heap). Two
   * moments share a key about once in 2^65 / n^2 files of n moments (a million: once in 37
   * million); such a row would be refused, naming the line, never stored out of order.
   */
  private static final class SeqPosOrder {
    private static final int FIRST_CAPACITY = 1 << 10;

    private long[] keys = new long[FIRST_CAPACITY];   // 0: empty (a key of 0 is taken as 1)
    private long[] highest = new long[FIRST_CAPACITY];
    private int[] lines = new int[FIRST_CAPACITY];
    private int size;

    /** What is wrong with a row's seq_pos, or null. */
    String problem(String userId, Instant when, String text, long line) {
      long seqPos;
      try {
        seqPos = CsvValues.seqPos(text);
      } catch (CsvValues.UnreadableValueException e) {
        return e.getMessage() + ", got \"" + clip(text) + "\"";
      }
      long key = key(userId, when);
      int slot = slotOf(key);
      if (keys[slot] == 0) {
        keys[slot] = key;
        highest[slot] = seqPos;
        lines[slot] = (int) Math.min(line, Integer.MAX_VALUE);
        if (++size * 2 > keys.length) {
          grow();
        }
        return null;
      }
      if (seqPos < highest[slot]) {
        return "seq_pos orders this event before line " + lines[slot] + "'s at the same moment, but an import"
            + " stores them in file order: sort the file by timestamp, then seq_pos (or leave seq_pos out)";
      }
      highest[slot] = seqPos;
      lines[slot] = (int) Math.min(line, Integer.MAX_VALUE);
      return null;
    }

    /** The slot of {@code key}: where it is, or the empty one it would take (linear probing). */
    private int slotOf(long key) {
      int mask = keys.length - 1;
      int slot = (int) key & mask;
      while (keys[slot] != 0 && keys[slot] != key) {
        slot = (slot + 1) & mask;
      }
      return slot;
    }

    private void grow() {
      long[] oldKeys = keys;
      long[] oldHighest = highest;
      int[] oldLines = lines;
      keys = new long[oldKeys.length * 2];
      highest = new long[keys.length];
      lines = new int[keys.length];
      for (int i = 0; i < oldKeys.length; i++) {
        if (oldKeys[i] != 0) {
          int slot = slotOf(oldKeys[i]);
          keys[slot] = oldKeys[i];
          highest[slot] = oldHighest[i];
          lines[slot] = oldLines[i];
        }
      }
    }

    /** A 64-bit key of the user and the moment (FNV-1a over the id, then a strong mix), never 0. */
    private static long key(String userId, Instant when) {
      long h = 0xcbf29ce484222325L;
      for (int i = 0; i < userId.length(); i++) {
        h = (h ^ userId.charAt(i)) * 0x100000001b3L;
      }
      h = mix(mix(h ^ when.getEpochSecond()) ^ when.getNano());
      return h == 0 ? 1 : h;
    }

    /** The finaliser of MurmurHash3: every input bit moves every output bit. */
    private static long mix(long z) {
      z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
      z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
      return z ^ (z >>> 33);
    }
  }

  /** Invalid rows seen so far: all counted, those on the first lines named, in line order. */
  private static final class Problems {
    private final String file;
    private final TreeMap<Long, String> named = new TreeMap<>();
    private long count;

    Problems(String file) {
      this.file = file;
    }

    void add(long line, String problem) {
      count++;
      named.put(line, "line " + line + ": " + problem);
      if (named.size() > ImportRejectedException.MAX_NAMED) {
        named.pollLastEntry();
      }
    }

    void throwIfAny() {
      if (count > 0) {
        throw new ImportRejectedException(file, count, List.copyOf(named.values()));
      }
    }
  }
}
