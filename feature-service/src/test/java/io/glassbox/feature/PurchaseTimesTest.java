package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
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
}
