package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The heap check of a data folder at start goes on past the read, while the store is built from
 * the rows, on the whole heap: a folder that reads within the heap, then fills all of it while it
 * is indexed, is refused with the reader's message, not left to run out of memory; one that only
 * fills the old generation for a while is not, nor is a re-read (a re-seed).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FolderHeapCheckTest {
  private static final int EMBEDDED_ROWS = 384_673;

  private final AtomicReference<Double> oldGeneration = new AtomicReference<>(0.1);
  private final AtomicReference<Double> wholeAfterLatest = new AtomicReference<>(0.1);
  private final AtomicReference<Double> wholeAfterCollection = new AtomicReference<>(0.1);
  private final AtomicInteger collections = new AtomicInteger();

  @Test
  void build_wholeHeapFullOnceRead_refusesTheFolderWhileIndexing() {
    Dataset dataset = reader().read();

    wholeAfterLatest.set(0.99);
    wholeAfterCollection.set(0.98);

    DatasetException refused = assertThrows(DatasetException.class, () -> DatasetIndex.build(dataset, 100, 200));
    assertRefusal(refused, "indexing stopped at row 1,000 of 384,673 with 98% of the whole heap in use after a "
        + "full collection");
  }

  /** What the serial collector does while a folder that starts is indexed: its old generation full, its young not. */
  @Test
  void build_oldGenerationFullWholeHeapWithRoom_indexesTheFolder() {
    Dataset dataset = reader().read();

    oldGeneration.set(1.0);
    wholeAfterLatest.set(0.93);
    wholeAfterCollection.set(0.93);

    assertEquals(EMBEDDED_ROWS, DatasetIndex.build(dataset, 100, 200).events());
    assertEquals(0, collections.get());
  }

  /** A collector whose latest collection of the whole heap left garbage (G1's young ones): its own collection decides. */
  @Test
  void build_wholeHeapFullOnlyBeforeTheChecksCollection_indexesTheFolder() {
    Dataset dataset = reader().read();

    wholeAfterLatest.set(0.99);
    wholeAfterCollection.set(0.6);

    assertEquals(EMBEDDED_ROWS, DatasetIndex.build(dataset, 100, 200).events());
    assertTrue(collections.get() >= 1, "the check's own collection");
  }

  /**
   * G1 near a full heap: the check's collection reads just under the limit, the collector's next
   * full collection past it. That reading is confirmed at the next look, not an interval later, by
   * when the JVM had run out of memory (880,000 rows in 128 MiB).
   */
  @Test
  void build_nextFullCollectionPastTheLimit_confirmedAtTheNextLook() {
    wholeAfterLatest.set(0.99);
    AtomicInteger ownCollections = new AtomicInteger();
    Dataset filling = readWith(new FolderHeapCheck.WholeHeap(wholeAfterLatest::get, aFullCollectionEachLook(),
        () -> ownCollections.incrementAndGet() == 1 ? 0.96 : 0.98));

    DatasetException refused = assertThrows(DatasetException.class, () -> DatasetIndex.build(filling, 100, 200));

    assertRefusal(refused, "indexing stopped at row 2,000 of 384,673 with 98% of the whole heap in use after a "
        + "full collection");
    assertEquals(2, ownCollections.get());
  }

  /** G1 out of room: its own full collections leave 95% in use each, never 97%, until it runs out of memory. */
  @Test
  void build_fourFullCollectionsInARowPast93Percent_refusesTheFolderWithoutCollecting() {
    wholeAfterLatest.set(0.95);
    wholeAfterCollection.set(0.5);

    DatasetException refused = assertThrows(DatasetException.class, () -> DatasetIndex.build(reader().read(), 100, 200));

    assertRefusal(refused, "indexing stopped at row 4,000 of 384,673 with 95% of the whole heap in use after a "
        + "full collection, 4 in a row past 93%");
    assertEquals(0, collections.get());
  }

  /** A folder that starts: three full collections in a row past 93% (G1 at 128 MiB), then room. */
  @Test
  void build_fullCollectionsPast93PercentNotFourInARow_indexesTheFolder() {
    Dataset dataset = readWith(fullCollectionsLeaving(0.5, 0.95, 0.95, 0.95, 0.9, 0.95, 0.96, 0.95, 0.6));

    assertEquals(EMBEDDED_ROWS, DatasetIndex.build(dataset, 100, 200).events());
  }

  /** No full collection since the check's own: nothing new to read, and no collection of its own again. */
  @Test
  void build_noFullCollectionSinceTheChecksOwn_collectsOnce() {
    wholeAfterLatest.set(0.99);
    AtomicLong fullCollections = new AtomicLong();
    Dataset dataset = readWith(new FolderHeapCheck.WholeHeap(wholeAfterLatest::get, fullCollections::get, () -> {
      fullCollections.incrementAndGet();
      return 0.9;
    }));

    assertEquals(EMBEDDED_ROWS, DatasetIndex.build(dataset, 100, 200).events());
    assertEquals(1, fullCollections.get());
  }

  @Test
  void load_wholeHeapFullOnceIndexed_refusesTheFolderWhileTheStoreLoads() {
    // How many times indexing the folder looks at the heap: room for exactly those.
    AtomicInteger looks = new AtomicInteger();
    Dataset dataset = readWith(new FolderHeapCheck.WholeHeap(() -> {
      looks.incrementAndGet();
      return 0.1;
    }, aFullCollectionEachLook(), () -> 0.1));
    DatasetIndex.build(dataset, 100, 200);
    int indexed = looks.get();
    AtomicInteger looksNow = new AtomicInteger();
    Dataset filledByTheStore = readWith(new FolderHeapCheck.WholeHeap(
        () -> looksNow.incrementAndGet() > indexed ? 0.99 : 0.1, aFullCollectionEachLook(), () -> 0.99));
    InMemoryEventStore store = TestData.memoryStore();

    DatasetException refused = assertThrows(DatasetException.class, () -> store.load(filledByTheStore));

    assertRefusal(refused, "loading the in-memory store stopped at row 1,000 of 384,673");
    assertFalse(store.isReady());
  }

  /**
   * The steps after the rows' loops look too: G1 ran out of memory after full collections left 96,
   * 97 and 98% while the customers were ordered, with no look between them (R121, 770,000 rows in 128 MiB).
   */
  @Test
  void build_wholeHeapFullOnceTheRowsAreIndexed_refusesTheFolderWhileTheCustomersAreOrdered() {
    int rowLooks = 2 * (EMBEDDED_ROWS / FolderHeapCheck.INDEX_EVERY_ROWS);
    Dataset filledAfterTheRows = readWith(fullAfterLooks(rowLooks));

    DatasetException refused = assertThrows(DatasetException.class,
        () -> DatasetIndex.build(filledAfterTheRows, 100, 200));

    assertRefusal(refused, "ordering the customers stopped at customer 1,000 of " + String.format("%,d", customers()));
  }

  @Test
  void build_wholeHeapFullOnceTheCustomersAreOrdered_refusesTheFolderWhileCoPurchasesAreCounted() {
    int looksBefore = 2 * (EMBEDDED_ROWS / FolderHeapCheck.INDEX_EVERY_ROWS)
        + customers() / FolderHeapCheck.INDEX_EVERY_ROWS;
    Dataset filledAfterTheCustomers = readWith(fullAfterLooks(looksBefore));

    DatasetException refused = assertThrows(DatasetException.class,
        () -> DatasetIndex.build(filledAfterTheCustomers, 100, 200));

    assertRefusal(refused, "building the co-purchase statistics stopped at item 1,000 of ");
  }

  /**
   * Full collections are counted, not looks: three ran between two looks (a step that allocates
   * quickly), the latest past 93%, then one more past it is the fourth in a row.
   */
  @Test
  void build_fullCollectionsBetweenTwoLooks_countInTheRow() {
    AtomicLong fullCollections = new AtomicLong();
    AtomicInteger looks = new AtomicInteger();
    Dataset dataset = readWith(new FolderHeapCheck.WholeHeap(() -> looks.get() == 1 ? 0.5 : 0.95,
        () -> fullCollections.addAndGet(looks.incrementAndGet() == 2 ? 3 : 1), () -> 0.5));

    DatasetException refused = assertThrows(DatasetException.class, () -> DatasetIndex.build(dataset, 100, 200));

    assertRefusal(refused, "indexing stopped at row 3,000 of 384,673 with 95% of the whole heap in use after a "
        + "full collection, 4 in a row past 93%");
  }

  /**
   * The check's own collection that finds room ends the run: two of the collector's past 93%, the
   * check's own at 60%, then three more past 93% refuse nothing.
   */
  @Test
  void build_checksOwnCollectionBelow93Percent_startsTheRowAgain() {
    Dataset dataset = readWith(fullCollectionsLeaving(0.6, 0.95, 0.95, 0.99, 0.95, 0.95, 0.95, 0.5));

    assertEquals(EMBEDDED_ROWS, DatasetIndex.build(dataset, 100, 200).events());
  }

  /** The check's own collection past 93% but under 97% is one more in the row: the fourth refuses. */
  @Test
  void build_checksOwnCollectionPast93Percent_countsInTheRow() {
    Dataset dataset = readWith(fullCollectionsLeaving(0.96, 0.95, 0.95, 0.99));

    DatasetException refused = assertThrows(DatasetException.class, () -> DatasetIndex.build(dataset, 100, 200));

    assertRefusal(refused, "indexing stopped at row 3,000 of 384,673 with 96% of the whole heap in use after a "
        + "full collection, 4 in a row past 93%");
  }

  /** A re-seed reads the folder again beside the statistics held: neither its read nor its indexing is refused. */
  @Test
  void build_heapWithoutRoom_doesNotRefuseAReread() {
    DatasetReader reader = reader();
    reader.read();

    oldGeneration.set(0.99);
    wholeAfterLatest.set(0.99);
    wholeAfterCollection.set(0.99);
    Dataset reread = reader.read();

    assertEquals(EMBEDDED_ROWS, DatasetIndex.build(reread, 100, 200).events());
    assertEquals(EMBEDDED_ROWS, DatasetIndex.buildForSeed(reread, DatasetIndex.fingerprint(reread)).events());
  }

  private DatasetReader reader() {
    return new DatasetReader(TestData.realDataDir(), LocalTimeZone.none(LocalTimeZone.DATA_FOLDER_SETTING),
        new HeapRoom(oldGeneration::get, HeapRoom.DEFAULT_LIMIT), new FolderHeapCheck.WholeHeap(wholeAfterLatest::get,
            aFullCollectionEachLook(), () -> {
              collections.incrementAndGet();
              return wholeAfterCollection.get();
            }));
  }

  /** The folder read first (a start's read) with room in the long-lived pool, indexed under {@code wholeHeap}. */
  private static Dataset readWith(FolderHeapCheck.WholeHeap wholeHeap) {
    return new DatasetReader(TestData.realDataDir(), LocalTimeZone.none(LocalTimeZone.DATA_FOLDER_SETTING),
        new HeapRoom(() -> 0.1, HeapRoom.DEFAULT_LIMIT), wholeHeap).read();
  }

  /**
   * A full collection between each two looks, each leaving the next of {@code readings} in use (the
   * last from then on); the check's own leaving {@code own}.
   */
  private static FolderHeapCheck.WholeHeap fullCollectionsLeaving(double own, double... readings) {
    AtomicInteger looks = new AtomicInteger();
    return new FolderHeapCheck.WholeHeap(() -> readings[Math.min(looks.getAndIncrement(), readings.length - 1)],
        aFullCollectionEachLook(), () -> own);
  }

  /** A full collection between each two looks, leaving 10% in use for the first {@code looks}, then 99%. */
  private static FolderHeapCheck.WholeHeap fullAfterLooks(int looks) {
    AtomicInteger looked = new AtomicInteger();
    return new FolderHeapCheck.WholeHeap(() -> looked.incrementAndGet() > looks ? 0.99 : 0.1, aFullCollectionEachLook(),
        () -> 0.99);
  }

  /** How many customers the embedded data has. */
  private static int customers() {
    return DatasetIndex.build(readWith(new FolderHeapCheck.WholeHeap(() -> 0.1, () -> 0, () -> 0.1)), 100, 200)
        .usersByActivity().size();
  }

  /** The collector's count of full collections as when one ran between each two looks at it. */
  private static LongSupplier aFullCollectionEachLook() {
    return new AtomicLong()::incrementAndGet;
  }

  private static void assertRefusal(DatasetException refused, String where) {
    Path folder = TestData.realDataDir().toAbsolutePath();
    String message = refused.getMessage();
    assertTrue(message.startsWith("data folder " + folder + " does not fit in the heap ("), message);
    assertTrue(message.contains(where), message);
    assertTrue(message.contains("MiB of heap per million rows") && message.contains("MaxRAMPercentage"), message);
    assertTrue(message.contains("GLASSBOX_JAVA_OPTS") && message.endsWith("or start it on a smaller folder"), message);
  }
}
