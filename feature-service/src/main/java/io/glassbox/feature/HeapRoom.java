package io.glassbox.feature;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * Whether the heap has room for more of what the in-memory store keeps. The store's bounds count
 * events, users and ids, sized to the heap ({@link FeatureConfig}); this is the check of last
 * resort that they were sized well: past it ingestion is refused with RESOURCE_EXHAUSTED, where
 * the JVM would otherwise run out of memory and the process, and all it held, be lost.
 *
 * <p>What is measured is the long-lived heap pool (the old generation, or the only heap pool of a
 * single-pool collector: the heap pool with the largest maximum) in use <em>after its latest
 * collection</em>, so garbage does not count, against its maximum. Before that pool is first
 * collected it has never been full, and there is room.
 */
final class HeapRoom {
  /** The share of the long-lived pool in use after a collection past which ingestion is refused. */
  static final double DEFAULT_LIMIT = 0.85;

  private final DoubleSupplier inUse;
  private final double limit;

  /**
   * @param inUse the share of the long-lived pool in use after its latest collection, 0..1
   * @param limit the share past which there is no room
   */
  HeapRoom(DoubleSupplier inUse, double limit) {
    this.inUse = inUse;
    this.limit = limit;
  }

  /** This JVM's heap, with {@link #DEFAULT_LIMIT}. */
  static HeapRoom ofThisJvm() {
    Optional<MemoryPoolMXBean> pool = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP && p.isCollectionUsageThresholdSupported()
            && p.getUsage().getMax() > 0)
        .max(Comparator.comparingLong(p -> p.getUsage().getMax()));
    return new HeapRoom(pool.<DoubleSupplier>map(p -> () -> {
      var afterCollection = p.getCollectionUsage();
      // The usage after the collection carries the pool's maximum: no reading of its usage now.
      return afterCollection == null || afterCollection.getMax() <= 0 ? 0
          : (double) afterCollection.getUsed() / afterCollection.getMax();
    }).orElse(() -> 0), DEFAULT_LIMIT);
  }

  /** The share of the long-lived pool in use after its latest collection, 0 before the first. */
  double inUse() {
    return inUse.getAsDouble();
  }

  /**
   * Throws {@link StoreFullException} when the heap has no room, naming {@code what} would have
   * been stored.
   */
  void require(String what) {
    double share = inUse();
    if (share > limit) {
      throw new StoreFullException(String.format("the in-memory store refused %s: %.0f%% of the heap's "
          + "long-lived part is in use after a collection, past its limit of %.0f%%; lower "
          + FeatureConfig.MAX_EVENTS_KEY + " or " + FeatureConfig.DEDUPE_MAX_IDS_KEY + ", give the service "
          + "more heap, or keep the events in Redis (" + FeatureConfig.STORE_KEY + "=redis)",
          what, share * 100, limit * 100));
    }
  }
}
