package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CoPurchaseIndexTest {
  private static final List<int[]> BASKETS = List.of(
      new int[] {0, 1, 2}, new int[] {0, 3}, new int[] {0, 1, 4}, new int[] {1, 2});

  @Test
  void build_countsSharedBasketsStrongestFirstTiesByIndex() {
    CoPurchaseIndex index = CoPurchaseIndex.build(BASKETS, 5, 100, 10);

    assertArrayEquals(new int[] {1, 2, 3, 4}, index.neighbours(0));
    assertArrayEquals(new int[] {2, 1, 1, 1}, index.sharedBaskets(0));
    assertArrayEquals(new int[] {0, 2, 4}, index.neighbours(1));
    assertArrayEquals(new int[] {2, 2, 1}, index.sharedBaskets(1));
    assertEquals(4, index.basketsUsed());
  }

  @Test
  void build_keepsAtMostMaxNeighbours() {
    CoPurchaseIndex index = CoPurchaseIndex.build(BASKETS, 5, 100, 2);

    assertArrayEquals(new int[] {1, 2}, index.neighbours(0));
    assertArrayEquals(new int[] {2, 1}, index.sharedBaskets(0));
  }

  @Test
  void build_topNeighbours_matchAFullSortOnRandomBaskets() {
    Random random = new Random(42);
    int itemCount = 60;
    List<int[]> baskets = new ArrayList<>();
    for (int b = 0; b < 400; b++) {
      baskets.add(random.ints(2 + random.nextInt(10), 0, itemCount).distinct().toArray());
    }
    CoPurchaseIndex all = CoPurchaseIndex.build(baskets, itemCount, 100, itemCount);
    CoPurchaseIndex top = CoPurchaseIndex.build(baskets, itemCount, 100, 7);

    for (int item = 0; item < itemCount; item++) {
      int kept = Math.min(7, all.neighbours(item).length);
      assertArrayEquals(Arrays.copyOf(all.neighbours(item), kept), top.neighbours(item), "item " + item);
      assertArrayEquals(Arrays.copyOf(all.sharedBaskets(item), kept), top.sharedBaskets(item));
    }
  }

  @Test
  void build_skipsBasketsAboveTheCapAndSingletons() {
    List<int[]> baskets = List.of(new int[] {0, 1, 2, 3}, new int[] {0, 1}, new int[] {4});
    CoPurchaseIndex index = CoPurchaseIndex.build(baskets, 5, 3, 10);

    assertArrayEquals(new int[] {1}, index.neighbours(0));
    assertArrayEquals(new int[] {}, index.neighbours(2));
    assertArrayEquals(new int[] {}, index.neighbours(4));
    assertEquals(1, index.basketsUsed());
    assertEquals(1, index.basketsSkipped());
  }

  @Test
  void build_rejectsUselessSettings() {
    assertThrows(IllegalArgumentException.class, () -> CoPurchaseIndex.build(BASKETS, 5, 1, 10));
    assertThrows(IllegalArgumentException.class, () -> CoPurchaseIndex.build(BASKETS, 5, 10, 0));
  }

  /** Frequent items' baskets are bitsets, rare items' lists: every mix counts what a full count does. */
  @Test
  void sharedBaskets_ofAnyPair_equalsTheCountOverAllBaskets() {
    Random random = new Random(11);
    int itemCount = 30;
    List<int[]> baskets = new ArrayList<>();
    for (int b = 0; b < 700; b++) {
      // Items 0-4 are in most baskets (bitsets), the rest in few (lists); some baskets of one item.
      baskets.add(random.ints(1 + random.nextInt(6), 0, itemCount).map(i -> random.nextBoolean() ? i % 5 : i)
          .distinct().toArray());
    }
    CoPurchaseIndex index = CoPurchaseIndex.build(baskets, itemCount, 5, 3);
    for (int a = 0; a < itemCount; a++) {
      for (int b = 0; b < itemCount; b++) {
        int expected = 0;
        for (int[] basket : baskets) {
          boolean hasA = false;
          boolean hasB = false;
          for (int item : basket) {
            hasA |= item == a;
            hasB |= item == b;
          }
          if (a != b && basket.length >= 2 && basket.length <= 5 && hasA && hasB) {
            expected++;
          }
        }
        assertEquals(expected, index.sharedBaskets(a, b), a + "-" + b);
      }
    }
  }
}
