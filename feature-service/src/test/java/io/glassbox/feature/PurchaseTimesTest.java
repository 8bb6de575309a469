package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PurchaseTimesTest {
  private static final Instant END = Instant.ofEpochSecond(1000);
  private static final Duration ALL = Duration.ofSeconds(1000);

  @Test
  void sort_keepsTheNewestTimesPerItem() {
    PurchaseTimes times = new PurchaseTimes(1, 3);
    for (long second : new long[] {50, 10, 40, 20, 30}) {
      times.add(0, second);
    }
    times.sort();

    assertEquals(3, times.count(0, END, ALL));
    assertEquals(0, times.count(0, Instant.ofEpochSecond(30), Duration.ofSeconds(30)));
    assertEquals(1, times.count(0, Instant.ofEpochSecond(31), Duration.ofSeconds(31)));
  }

  @Test
  void insert_atTheCap_dropsTheOldestAndIgnoresOlderStill() {
    PurchaseTimes times = new PurchaseTimes(1, 3);
    times.insert(0, 10);
    times.insert(0, 30);
    times.insert(0, 20);

    times.insert(0, 5);
    assertEquals(3, times.count(0, END, ALL));
    assertEquals(1, times.count(0, Instant.ofEpochSecond(11), Duration.ofSeconds(10)));

    times.insert(0, 25);
    assertEquals(3, times.count(0, END, ALL));
    assertEquals(0, times.count(0, Instant.ofEpochSecond(11), Duration.ofSeconds(10)));
    assertEquals(3, times.count(0, Instant.ofEpochSecond(31), Duration.ofSeconds(20)));
  }

  @Test
  void ensureItems_growsForNewCatalogueItems() {
    PurchaseTimes times = new PurchaseTimes(1, 3);
    times.ensureItems(3);
    times.insert(2, 7);

    assertEquals(1, times.count(2, END, ALL));
    assertEquals(0, times.count(1, END, ALL));
  }

  @Test
  void count_sameWindowAgain_givesTheSameCounts_andAnInsertIsCountedAtOnce() {
    PurchaseTimes times = new PurchaseTimes(2, 10);
    times.insert(0, 100);
    times.insert(0, 200);
    times.insert(1, 150);
    Instant asOf = Instant.ofEpochSecond(250);
    Duration window = Duration.ofSeconds(100);

    assertEquals(1, times.count(0, asOf, window));
    assertEquals(1, times.count(0, asOf, window));
    assertEquals(1, times.count(1, asOf, window));

    times.insert(0, 240);
    assertEquals(2, times.count(0, asOf, window));
    assertEquals(1, times.count(1, asOf, window));
  }

  @Test
  void count_alternatingWindows_eachGetsItsOwnCount() {
    PurchaseTimes times = new PurchaseTimes(1, 10);
    for (long second : new long[] {10, 20, 30, 40}) {
      times.insert(0, second);
    }

    for (int round = 0; round < 3; round++) {
      assertEquals(4, times.count(0, END, ALL));
      assertEquals(2, times.count(0, Instant.ofEpochSecond(41), Duration.ofSeconds(15)));
      assertEquals(1, times.count(0, Instant.ofEpochSecond(20), Duration.ofSeconds(15)));
    }
  }

  @Test
  void count_manyThreadsAtOnce_allSeeTheRightCounts() throws Exception {
    int items = 200;
    PurchaseTimes times = new PurchaseTimes(items, 1000);
    for (int item = 0; item < items; item++) {
      for (int k = 0; k <= item; k++) {
        times.add(item, 10L * k);
      }
    }
    times.sort();
    Instant asOf = Instant.ofEpochSecond(10L * items);
    List<Thread> threads = new ArrayList<>();
    AtomicInteger wrong = new AtomicInteger();
    for (int t = 0; t < 4; t++) {
      Thread thread = new Thread(() -> {
        for (int round = 0; round < 50; round++) {
          for (int item = 0; item < items; item++) {
            // Window [asOf - 10 * items, asOf): every purchase of the item.
            if (times.count(item, asOf, ALL.multipliedBy(2)) != item + 1) {
              wrong.incrementAndGet();
            }
          }
        }
      });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    assertEquals(0, wrong.get());
  }
}
