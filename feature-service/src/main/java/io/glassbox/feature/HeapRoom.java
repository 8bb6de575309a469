package io.glassbox.feature;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

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
 *
 * <p>That reading is as old as the pool's latest collection, which may be long past: memory freed
 * since (an import's buffers, users evicted) shows only after the next, and while ingestion is
 * refused little may come to run one. So before it refuses, it collects and reads again, at most
 * once every {@value #COLLECT_INTERVAL_SECONDS} seconds, an interval that each collection that
 * made no room doubles, up to {@value #MOST_COLLECT_INTERVAL_SECONDS} ({@code System.gc()}: a full
 * collection, about 20 ms at Kubernetes' 256 MiB heap with the embedded data, seconds for a G1
 * heap of gigabytes; nothing under {@code -XX:+DisableExplicitGC}, and under
 * {@code -XX:+ExplicitGCInvokesConcurrent} a concurrent cycle, which leaves the reading as it was).
 */
final class HeapRoom {
  /** The share of the long-lived pool in use after a collection past which ingestion is refused. */
  static final double DEFAULT_LIMIT = 0.85;
  static final long COLLECT_INTERVAL_SECONDS = 10;
  /** The longest interval between collections that made no room. */
  static final long MOST_COLLECT_INTERVAL_SECONDS = 640;
  private static final long NEVER = Long.MIN_VALUE;

  private final DoubleSupplier inUse;
  private final double limit;
  private final Runnable collect;
  private final LongSupplier nanoTime;
  /** When {@link #collect} last ran, or {@link #NEVER}. */
  private final AtomicLong lastCollected = new AtomicLong(NEVER);
  /** The interval between collections: doubled by each that made no room, reset by one that did. */
  private final AtomicLong intervalSeconds = new AtomicLong(COLLECT_INTERVAL_SECONDS);

  /**
   * @param inUse the share of the long-lived pool in use after its latest collection, 0..1
   * @param limit the share past which there is no room
   * @param collect runs a collection of the long-lived pool
   * @param nanoTime the clock of the interval between collections
   */
  HeapRoom(DoubleSupplier inUse, double limit, Runnable collect, LongSupplier nanoTime) {
    this.inUse = inUse;
    this.limit = limit;
    this.collect = collect;
    this.nanoTime = nanoTime;
  }

  /** A heap that {@code inUse} reads, which nothing collects. */
  HeapRoom(DoubleSupplier inUse, double limit) {
    this(inUse, limit, () -> { }, System::nanoTime);
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
    }).orElse(() -> 0), DEFAULT_LIMIT, System::gc, System::nanoTime);
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
    if (!hasRoom()) {
      double share = inUse();
      throw new StoreFullException(String.format("the in-memory store refused %s: %.0f%% of the heap's "
          + "long-lived part is in use after a collection, past its limit of %.0f%%; lower "
          + FeatureConfig.MAX_EVENTS_KEY + " or " + FeatureConfig.DEDUPE_MAX_IDS_KEY + ", give the service "
          + "more heap, or keep the events in Redis (" + FeatureConfig.STORE_KEY + "=redis)",
          what, share * 100, limit * 100));
    }
  }

  /**
   * Whether the share in use after a collection is within the limit; past it, collects and reads
   * again first, at most once an interval (see the class comment).
   */
  boolean hasRoom() {
    double share = inUse();
    if (share > limit && mayCollect()) {
      collect.run();
      share = inUse();
      intervalSeconds.set(share > limit
          ? Math.min(MOST_COLLECT_INTERVAL_SECONDS, 2 * intervalSeconds.get()) : COLLECT_INTERVAL_SECONDS);
    }
    return share <= limit;
  }

  /** Whether this caller is the one to collect now: none has in the last interval. */
  private boolean mayCollect() {
    long now = nanoTime.getAsLong();
    long last = lastCollected.get();
    return (last == NEVER || now - last >= TimeUnit.SECONDS.toNanos(intervalSeconds.get()))
        && lastCollected.compareAndSet(last, now);
  }
}
