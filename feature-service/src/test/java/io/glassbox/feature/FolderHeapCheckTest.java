package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
    assertRefusal(refused, "indexing stopped at row 50,000 of 384,673 with 98% of the whole heap in use after a "
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

  @Test
  void load_wholeHeapFullOnceIndexed_refusesTheFolderWhileTheStoreLoads() {
    // How many times indexing the folder looks at the heap: room for exactly those.
    AtomicInteger looks = new AtomicInteger();
    Dataset dataset = new DatasetReader(TestData.realDataDir(), LocalTimeZone.none(LocalTimeZone.DATA_FOLDER_SETTING),
        new HeapRoom(() -> 0.1, HeapRoom.DEFAULT_LIMIT), new FolderHeapCheck.WholeHeap(() -> {
          looks.incrementAndGet();
          return 0.1;
        }, () -> 0.1)).read();
    DatasetIndex.build(dataset, 100, 200);
    int indexed = looks.get();
    AtomicInteger looksNow = new AtomicInteger();
    Dataset filledByTheStore = new DatasetReader(TestData.realDataDir(),
        LocalTimeZone.none(LocalTimeZone.DATA_FOLDER_SETTING), new HeapRoom(() -> 0.1, HeapRoom.DEFAULT_LIMIT),
        new FolderHeapCheck.WholeHeap(() -> looksNow.incrementAndGet() > indexed ? 0.99 : 0.1, () -> 0.99)).read();
    InMemoryEventStore store = TestData.memoryStore();

    DatasetException refused = assertThrows(DatasetException.class, () -> store.load(filledByTheStore));

    assertRefusal(refused, "loading the in-memory store stopped at row 50,000 of 384,673");
    assertFalse(store.isReady());
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
            () -> {
              collections.incrementAndGet();
              return wholeAfterCollection.get();
            }));
  }

  private static void assertRefusal(DatasetException refused, String where) {
    Path folder = TestData.realDataDir().toAbsolutePath();
    String message = refused.getMessage();
    assertTrue(message.startsWith("data folder " + folder + " does not fit in the heap ("), message);
    assertTrue(message.contains(where), message);
    assertTrue(message.contains("MiB of heap per million rows") && message.contains("MaxRAMPercentage"), message);
  }
}
