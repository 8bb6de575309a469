package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import com.sun.management.GcInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * The heap check of a data folder at start, every {@value #EVERY_ROWS} rows: a folder larger than
 * the heap is refused with one message saying where it stopped and what to raise, rather than run
 * on into a JVM that collects back to back, never ready, or runs out of memory.
 *
 * <p>While the rows are read: the long-lived pool's share in use after its latest collection
 * ({@link HeapRoom}, past 85%). While the store is built from them (indexed, then loaded into the
 * in-memory store) the rows read, the index and the store are held at once, more than the serial
 * collector's old generation holds, while its young generation still has room: a folder that
 * starts may fill the old generation for a while. So there the check reads the <em>whole</em>
 * heap in use after the latest full collection (free: the collector's own reading, looked at
 * every {@value #INDEX_EVERY_ROWS} rows when a new one ran), and only past {@value #WHOLE_HEAP_LIMIT}
 * of the heap's maximum runs a full collection itself to confirm it, once for each such reading:
 * a heap that full collects back to back, each collection freeing a few MiB, until it runs out of
 * memory; or, without one, after {@value #FULL_IN_A_ROW} of the collector's in a row past
 * {@value #FULL_IN_A_ROW_LIMIT} (G1 runs out of memory below {@value #WHOLE_HEAP_LIMIT}). Measured
 * under the Kubernetes flags (see the feature service's README), folders that start peak at up to
 * 92%; under G1 at 128 MiB up to 98% (770,000 rows, the edge: some of its runs ran out of memory).
 *
 * <p>A start only: a re-seed (Redis came back empty) reads the folder again beside the
 * co-purchase statistics the service holds, and a refusal there would leave it not serving for
 * good, where running out of memory restarts it; its dataset carries {@link #NONE}.
 */
final class FolderHeapCheck {
  /** How many rows are read between two looks at the long-lived pool ({@link HeapRoom}). */
  static final int EVERY_ROWS = 50_000;
  /**
   * How many rows are indexed or loaded between two looks at the whole heap (a read of the
   * collectors' counts, a few microseconds): near a full heap a collection takes seconds and the
   * rows between two come slowly, so a look every {@value #EVERY_ROWS} rows came after the JVM had
   * run out of memory (G1, 880,000 rows in 128 MiB).
   */
  static final int INDEX_EVERY_ROWS = 1_000;
  /**
   * The share of the whole heap in use after a full collection past which a folder being indexed
   * is refused.
   */
  static final double WHOLE_HEAP_LIMIT = 0.97;
  /**
   * The share of the whole heap in use after {@value #FULL_IN_A_ROW} full collections in a row past
   * which a folder being indexed is refused without a collection of the check's own. G1 runs out of
   * memory below {@value #WHOLE_HEAP_LIMIT}: it keeps free regions for new objects (95% in use
   * after each of its last 7 to 15 full collections at 64 MiB). Folders that start read up to three
   * full collections in a row past this share (G1 at 128 MiB, 760,000 rows, three runs: 93%, 96 to
   * 97%, then 73 to 82%), one under the serial collector (94%).
   */
  static final double FULL_IN_A_ROW_LIMIT = 0.93;
  /** How many full collections in a row past {@value #FULL_IN_A_ROW_LIMIT} refuse a folder. */
  static final int FULL_IN_A_ROW = 4;
  /**
   * The heap a folder takes per million interaction rows, loaded on the in-memory store (measured:
   * generated folders of 0.5 and 1 million rows under -XX:+UseSerialGC, in use after a full
   * collection once ready), for the advice of a folder that does not fit.
   */
  static final int HEAP_MIB_PER_MILLION_ROWS = 190;
  /** No check: a re-read, or a dataset built in place. */
  static final FolderHeapCheck NONE = new FolderHeapCheck(null, null, null);

  private final Path dataDir;
  private final HeapRoom heap;
  private final WholeHeap wholeHeap;
  /**
   * The count of full collections when the check last looked at the whole heap (after its own
   * collection when it ran one), or -1 before it first looked: the reading changes only with it.
   */
  private long looked = -1;
  /** The looks in a row that read a new full collection past {@value #FULL_IN_A_ROW_LIMIT}. */
  private long fullInARow;

  /**
   * Refuses {@code dataDir} once {@code heap} has no room while it is read, and while it is indexed
   * once both {@code wholeHeap.afterLatest} and {@code wholeHeap.afterCollection} are past
   * {@value #WHOLE_HEAP_LIMIT}.
   */
  static FolderHeapCheck of(Path dataDir, HeapRoom heap, WholeHeap wholeHeap) {
    return new FolderHeapCheck(requireNonNull(dataDir, "dataDir"), requireNonNull(heap, "heap"),
        requireNonNull(wholeHeap, "wholeHeap"));
  }

  private FolderHeapCheck(Path dataDir, HeapRoom heap, WholeHeap wholeHeap) {
    this.dataDir = dataDir;
    this.heap = heap;
    this.wholeHeap = wholeHeap;
  }

  /**
   * The share of the whole heap in use, against its maximum, 0..1.
   *
   * @param afterLatest after the latest collection of the whole heap, without collecting (0 before
   *     the first)
   * @param fullCollections how many full collections have run (whose latest {@code afterLatest} reads)
   * @param afterCollection after a full collection it runs
   */
  record WholeHeap(DoubleSupplier afterLatest, LongSupplier fullCollections, DoubleSupplier afterCollection) {
    WholeHeap {
      requireNonNull(afterLatest, "afterLatest");
      requireNonNull(fullCollections, "fullCollections");
      requireNonNull(afterCollection, "afterCollection");
    }

    /**
     * The collectors whose collections are full ones: the serial collector's (as deployed), the
     * parallel collector's and G1's full collections. G1's young and mixed collections, and ZGC's or
     * Shenandoah's cycles, also name every heap pool, but what they leave is not what a full
     * collection would: R113's review saw G1's young readings past 97% thousands of times on a heap
     * that never ran out. Under those collectors (ZGC, Shenandoah) nothing is read and nothing
     * refused: the start may run out of memory, as before this check.
     */
    static final List<String> FULL_COLLECTORS = List.of("MarkSweepCompact", "PS MarkSweep", "G1 Old Generation");

    /**
     * This JVM's: the latest of {@link #FULL_COLLECTORS}' collections, and {@code System.gc()}, read
     * only when a full collection did run (none under {@code -XX:+DisableExplicitGC}: garbage would
     * count as in use, and a folder that starts be refused; then 0, nothing refused).
     */
    static WholeHeap ofThisJvm() {
      // The beans and pools, looked up once: each lookup builds them anew (names and all), and the
      // check reads them every few thousand rows.
      List<GarbageCollectorMXBean> fullCollectors = ManagementFactory.getGarbageCollectorMXBeans().stream()
          .filter(collector -> FULL_COLLECTORS.contains(collector.getName())).toList();
      List<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
          .filter(pool -> pool.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).toList();
      LongSupplier fullCollections = () -> fullCollectors.stream()
          .mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
      return new WholeHeap(() -> afterLatest(fullCollectors, heapPools), fullCollections, () -> {
        long before = fullCollections.getAsLong();
        System.gc();
        if (fullCollections.getAsLong() == before) {
          return 0;
        }
        Runtime runtime = Runtime.getRuntime();
        return (double) (runtime.totalMemory() - runtime.freeMemory()) / runtime.maxMemory();
      });
    }

    private static double afterLatest(List<GarbageCollectorMXBean> fullCollectors, List<String> heapPools) {
      GcInfo latest = null;
      for (GarbageCollectorMXBean collector : fullCollectors) {
        if (collector instanceof com.sun.management.GarbageCollectorMXBean withInfo) {
          GcInfo info = withInfo.getLastGcInfo();
          if (info != null && (latest == null || info.getEndTime() > latest.getEndTime())) {
            latest = info;
          }
        }
      }
      if (latest == null) {
        return 0;
      }
      long used = latest.getMemoryUsageAfterGc().entrySet().stream()
          .filter(pool -> heapPools.contains(pool.getKey())).mapToLong(pool -> pool.getValue().getUsed()).sum();
      return (double) used / Runtime.getRuntime().maxMemory();
    }
  }

  /**
   * While the rows are read: looks at {@link HeapRoom} when {@code rows} is a multiple of
   * {@value #EVERY_ROWS}; throws {@link DatasetException} when it has no room, saying that
   * {@code doing} stopped at row {@code rows}.
   */
  void atRowRead(long rows, String doing) {
    if (heap == null || rows == 0 || rows % EVERY_ROWS != 0 || heap.hasRoom()) {
      return;
    }
    throw refusal(doing, "row", rows, -1, String.format(Locale.ROOT,
        "%.0f%% of the heap's long-lived part in use after a collection", heap.inUse() * 100));
  }

  /**
   * While the store is built from the rows: when {@code rows} is a multiple of
   * {@value #INDEX_EVERY_ROWS}, {@link #atIndexed} of row {@code rows} of {@code ofRows}.
   */
  void atRowIndexed(long rows, long ofRows, String doing) {
    atIndexed(rows, ofRows, "row", doing);
  }

  /**
   * While the store is built: when {@code done} (of {@code of} {@code unit}s: rows, customers,
   * items) is a multiple of {@value #INDEX_EVERY_ROWS} and the JVM ran a full collection since the
   * check last looked, reads the heap it left; when past {@value #WHOLE_HEAP_LIMIT}, collects and
   * throws {@link DatasetException} when it still is, saying that {@code doing} stopped at
   * {@code unit} {@code done} of {@code of}; or throws when {@value #FULL_IN_A_ROW} full collections
   * in a row left it past {@value #FULL_IN_A_ROW_LIMIT}.
   *
   * <p>So it collects at most once for each full collection of the JVM's own that read past the
   * limit, not once an interval: near a full heap the collector runs one every few seconds, and the
   * JVM ran out of memory within 10 s of a look that let it through (G1, 880,000 rows in 128 MiB).
   * Every step that allocates in proportion to the folder looks (the rows grouped, the customers
   * ordered, the co-purchase statistics built per item, the rows loaded): R121's review saw G1
   * run out of memory after full collections left 96, 97 and 98% with no look between them.
   */
  void atIndexed(long done, long of, String unit, String doing) {
    if (heap == null || done == 0 || done % INDEX_EVERY_ROWS != 0) {
      return;
    }
    long collections = wholeHeap.fullCollections().getAsLong();
    if (collections == looked) {
      return;
    }
    // The full collections since the last look, counted, of which only the latest's reading is
    // known: while a folder is built the heap in use after them climbs.
    double inUse = countInARow(collections, wholeHeap.afterLatest().getAsDouble());
    if (inUse > WHOLE_HEAP_LIMIT) {
      // Confirmed by a collection of the check's own, which counts as one more in a row.
      double afterOwn = wholeHeap.afterCollection().getAsDouble();
      long collected = wholeHeap.fullCollections().getAsLong();
      if (collected == looked) {
        return;
      }
      inUse = countInARow(collected, afterOwn);
      if (inUse > WHOLE_HEAP_LIMIT) {
        throw refusal(doing, unit, done, of, String.format(Locale.ROOT,
            "%.0f%% of the whole heap in use after a full collection", inUse * 100));
      }
    }
    if (fullInARow >= FULL_IN_A_ROW) {
      throw refusal(doing, unit, done, of, String.format(Locale.ROOT, "%.0f%% of the whole heap in use after a "
          + "full collection, %d in a row past %.0f%%", inUse * 100, fullInARow, FULL_IN_A_ROW_LIMIT * 100));
    }
  }

  /**
   * Counts the full collections since the last look into {@link #fullInARow} when {@code inUse}
   * (after the latest of them) is past {@value #FULL_IN_A_ROW_LIMIT}, ends the run when it is not;
   * {@code collections}: the count now. Returns {@code inUse}.
   */
  private double countInARow(long collections, double inUse) {
    long since = looked < 0 ? 1 : collections - looked;
    looked = collections;
    fullInARow = inUse > FULL_IN_A_ROW_LIMIT ? fullInARow + since : 0;
    return inUse;
  }

  /** {@code of}: how many {@code unit}s {@code doing} goes through, or -1 while the rows are read. */
  private DatasetException refusal(String doing, String unit, long done, long of, String inUse) {
    long heapMib = Runtime.getRuntime().maxMemory() >> 20;
    return new DatasetException(String.format(Locale.ROOT, "data folder %s does not fit in the heap (%d MiB): "
        + "%s stopped at %s %,d%s with %s; a folder takes about %d MiB of heap per million rows; give the "
        + "service more memory (-Xmx, through GLASSBOX_JAVA_OPTS for bin/glassbox, or the container's memory "
        + "limit with -XX:MaxRAMPercentage: deploy/kubernetes/base/feature-service.yaml, deploy/docker-compose.yml), "
        + "or start it on a smaller folder", dataDir.toAbsolutePath(), heapMib, doing, unit, done,
        of < 0 ? "" : String.format(Locale.ROOT, " of %,d", of), inUse,
        HEAP_MIB_PER_MILLION_ROWS));
  }
}
