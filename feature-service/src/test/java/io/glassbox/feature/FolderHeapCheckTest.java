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
 * the rows: a folder that reads within the heap, then fills it while it is indexed, is refused
 * with the reader's message, not left to run out of memory; a re-read (a re-seed) is not.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FolderHeapCheckTest {
  private static final int EMBEDDED_ROWS = 384_673;

  @Test
  void build_heapWithoutRoomOnceRead_refusesTheFolderWhileIndexing() {
    AtomicReference<Double> inUse = new AtomicReference<>(0.1);
    Dataset dataset = reader(inUse).read();

    inUse.set(0.99);

    DatasetException refused = assertThrows(DatasetException.class, () -> DatasetIndex.build(dataset, 100, 200));
    assertRefusal(refused, "indexing stopped at row 50,000 of 384,673 with 99% of the heap's long-lived part");
  }

  @Test
  void load_heapWithoutRoomOnceIndexed_refusesTheFolderWhileTheStoreLoads() {
    // How many times reading and indexing the folder look at the heap: room for exactly those.
    AtomicInteger looks = new AtomicInteger();
    DatasetIndex.build(new DatasetReader(TestData.realDataDir(), LocalTimeZone.none(LocalTimeZone.DATA_FOLDER_SETTING),
        new HeapRoom(() -> {
          looks.incrementAndGet();
          return 0.1;
        }, HeapRoom.DEFAULT_LIMIT)).read(), 100, 200);
    int readAndIndexed = looks.get();
    AtomicInteger looksNow = new AtomicInteger();
    HeapRoom filledByTheStore = new HeapRoom(() -> looksNow.incrementAndGet() > readAndIndexed ? 0.99 : 0.1,
        HeapRoom.DEFAULT_LIMIT);
    Dataset dataset = new DatasetReader(TestData.realDataDir(), LocalTimeZone.none(LocalTimeZone.DATA_FOLDER_SETTING),
        filledByTheStore).read();
    InMemoryEventStore store = TestData.memoryStore();

    DatasetException refused = assertThrows(DatasetException.class, () -> store.load(dataset));

    assertRefusal(refused, "loading the in-memory store stopped at row 50,000 of 384,673");
    assertFalse(store.isReady());
  }

  /** A re-seed reads the folder again beside the statistics held: neither its read nor its indexing is refused. */
  @Test
  void build_heapWithoutRoom_doesNotRefuseAReread() {
    AtomicReference<Double> inUse = new AtomicReference<>(0.1);
    DatasetReader reader = reader(inUse);
    reader.read();

    inUse.set(0.99);
    Dataset reread = reader.read();

    assertEquals(EMBEDDED_ROWS, DatasetIndex.build(reread, 100, 200).events());
    assertEquals(EMBEDDED_ROWS, DatasetIndex.buildForSeed(reread, DatasetIndex.fingerprint(reread)).events());
  }

  private static DatasetReader reader(AtomicReference<Double> inUse) {
    return new DatasetReader(TestData.realDataDir(), LocalTimeZone.none(LocalTimeZone.DATA_FOLDER_SETTING),
        new HeapRoom(inUse::get, HeapRoom.DEFAULT_LIMIT));
  }

  private static void assertRefusal(DatasetException refused, String where) {
    Path folder = TestData.realDataDir().toAbsolutePath();
    String message = refused.getMessage();
    assertTrue(message.startsWith("data folder " + folder + " does not fit in the heap ("), message);
    assertTrue(message.contains(where), message);
    assertTrue(message.contains("MiB of heap per million rows") && message.contains("MaxRAMPercentage"), message);
  }
}
