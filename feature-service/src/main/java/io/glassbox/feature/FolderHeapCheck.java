package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The heap check of a data folder at start: while its rows are read, indexed and loaded into the
 * store, every {@value #EVERY_ROWS} rows, the heap is looked at ({@link HeapRoom}: the long-lived
 * part past 85% in use after a collection), and a folder larger than the heap is refused with one
 * message saying where it stopped and what to raise, rather than run on into a JVM that collects
 * back to back, never ready, or runs out of memory. A start only: a re-seed (Redis came back
 * empty) reads the folder again beside the co-purchase statistics the service holds, and a
 * refusal there would leave it not serving for good, where running out of memory restarts it;
 * its dataset carries {@link #NONE}.
 */
final class FolderHeapCheck {
  /** How many rows are read or indexed between two looks at the heap. */
  static final int EVERY_ROWS = 50_000;
  /**
   * The heap a folder holds per million interaction rows at its peak, while the store is built from
   * the rows read (measured: generated folders of 1 and 1.5 million rows, two to five lines an
   * order, Zipf-popular items, the most in use after forced full collections during the start:
   * 236 and 321 MiB); folders of longer orders and fewer customers hold less.
   */
  static final int PEAK_MIB_PER_MILLION_ROWS = 240;
  /**
   * The heap to give per million rows under the deployed serial collector, whose old generation is
   * two thirds of the heap, refused past 85% of it: 240 / 0.57 (1 million rows start at -Xmx420m).
   */
  static final int HEAP_MIB_PER_MILLION_ROWS = 420;
  /** No check: a re-read, or a dataset built in place. */
  static final FolderHeapCheck NONE = new FolderHeapCheck(null, null);

  private final Path dataDir;
  private final HeapRoom heap;

  /** Refuses {@code dataDir} once {@code heap} has no room. */
  static FolderHeapCheck of(Path dataDir, HeapRoom heap) {
    return new FolderHeapCheck(requireNonNull(dataDir, "dataDir"), requireNonNull(heap, "heap"));
  }

  private FolderHeapCheck(Path dataDir, HeapRoom heap) {
    this.dataDir = dataDir;
    this.heap = heap;
  }

  /**
   * Looks at the heap when {@code rows} is a multiple of {@value #EVERY_ROWS} (a reading of a
   * memory pool, and a full collection at most once an interval when past the limit); throws
   * {@link DatasetException} when it has no room, saying that {@code doing} stopped at row
   * {@code rows} of {@code ofRows} (0: not known yet).
   */
  void atRow(long rows, long ofRows, String doing) {
    if (heap == null || rows == 0 || rows % EVERY_ROWS != 0 || heap.hasRoom()) {
      return;
    }
    long heapMib = Runtime.getRuntime().maxMemory() >> 20;
    throw new DatasetException(String.format(Locale.ROOT, "data folder %s does not fit in the heap (%d MiB): "
        + "%s stopped at row %,d%s with %.0f%% of the heap's long-lived part in use after a collection; a folder "
        + "needs about %d MiB of heap per million rows to start (about %d MiB of it in use while it is indexed); "
        + "give the service more memory (-Xmx, or the container's memory limit with -XX:MaxRAMPercentage: "
        + "deploy/kubernetes/base/feature-service.yaml, deploy/docker-compose.yml)", dataDir.toAbsolutePath(), heapMib,
        doing, rows, ofRows > 0 ? String.format(Locale.ROOT, " of %,d", ofRows) : "", heap.inUse() * 100,
        HEAP_MIB_PER_MILLION_ROWS, PEAK_MIB_PER_MILLION_ROWS));
  }
}
