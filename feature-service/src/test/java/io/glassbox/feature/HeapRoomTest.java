package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HeapRoomTest {
  /** This JVM's long-lived pool is found and read after a collection: what is held counts. */
  @Test
  void ofThisJvm_afterACollection_countsWhatIsHeld() {
    byte[] held = new byte[32 << 20];
    System.gc();

    double share = HeapRoom.ofThisJvm().inUse();

    assertTrue(share > 0 && share < HeapRoom.DEFAULT_LIMIT, "in use after a collection: " + share);
    HeapRoom.ofThisJvm().require("an event");
    assertEquals(32 << 20, held.length);
  }

  @Test
  void require_pastTheLimitOnly_refuses() {
    new HeapRoom(() -> 0.85, 0.85).require("1 event");
    StoreFullException e = assertThrows(StoreFullException.class,
        () -> new HeapRoom(() -> 0.851, 0.85).require("3 items"));
    assertTrue(e.getMessage().startsWith("the in-memory store refused 3 items: 85% of the heap's long-lived part"),
        e.getMessage());
  }

  /**
   * A reading past the limit is as old as the latest collection: memory freed since shows only
   * after the next. Before refusing, the guard collects and reads again, at most once per
   * interval; before, a refusal lasted until the next full collection, which nothing stored came
   * to run.
   */
  @Test
  void require_pastTheLimit_collectsAndReadsAgain_atMostOncePerInterval() {
    AtomicLong nanos = new AtomicLong(5);
    double[] afterCollection = {0.9};
    double[] collectedTo = {0.5};
    AtomicInteger collections = new AtomicInteger();
    HeapRoom room = new HeapRoom(() -> afterCollection[0], 0.85, () -> {
      collections.incrementAndGet();
      afterCollection[0] = collectedTo[0];
    }, nanos::get);

    room.require("1 event");
    assertEquals(1, collections.get(), "the stale 90% was 50% after a collection: room");

    afterCollection[0] = 0.9;
    collectedTo[0] = 0.88;
    assertThrows(StoreFullException.class, () -> room.require("1 event"));
    assertEquals(1, collections.get(), "within the interval: refused on the reading");
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(HeapRoom.COLLECT_INTERVAL_SECONDS));
    StoreFullException full = assertThrows(StoreFullException.class, () -> room.require("2 events"));
    assertEquals(2, collections.get());
    assertTrue(full.getMessage().startsWith("the in-memory store refused 2 events: 88% "), full.getMessage());

    // That collection made no room: the next comes after twice the interval, not once.
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(HeapRoom.COLLECT_INTERVAL_SECONDS));
    assertThrows(StoreFullException.class, () -> room.require("1 event"));
    assertEquals(2, collections.get());
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(HeapRoom.COLLECT_INTERVAL_SECONDS));
    collectedTo[0] = 0.5;
    room.require("1 event");
    assertEquals(3, collections.get(), "after twice the interval");

    // One that made room brings the interval back to its start.
    afterCollection[0] = 0.9;
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(HeapRoom.COLLECT_INTERVAL_SECONDS));
    room.require("1 event");
    assertEquals(4, collections.get());
  }

  @Test
  void require_collectionsThatMakeNoRoom_comeAtMostEveryMostInterval() {
    AtomicLong nanos = new AtomicLong(5);
    AtomicInteger collections = new AtomicInteger();
    HeapRoom room = new HeapRoom(() -> 0.9, 0.85, collections::incrementAndGet, nanos::get);

    for (int second = 0; second < 10 * HeapRoom.MOST_COLLECT_INTERVAL_SECONDS; second++) {
      assertThrows(StoreFullException.class, () -> room.require("1 event"));
      nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));
    }

    // 10, 20, ..., 640 s apart (7 collections in 1,270 s), then every 640 s: 15 in 6,400 s.
    assertEquals(15, collections.get());
  }
}
