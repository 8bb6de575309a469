package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LiveCoPurchaseTest {
  private static final List<int[]> DATASET = List.of(
      new int[] {0, 1, 2}, new int[] {0, 3}, new int[] {0, 1, 4}, new int[] {1, 2});

  private static List<String> ids(int count) {
    return IntStream.range(0, count).mapToObj(i -> "item" + i).toList();
  }

  private static LiveCoPurchase live(List<int[]> dataset, int datasetItems, int items, int maxBasketSize,
      int maxNeighbours, long maxPairs) {
    return new LiveCoPurchase(CoPurchaseIndex.build(dataset, datasetItems, maxBasketSize, maxNeighbours),
        ids(items), maxBasketSize, maxNeighbours, maxPairs, Duration.ofMinutes(1), 3);
  }

  /** Adds the lines of {@code items} to the user's order, at time 0. */
  private static void addOrder(LiveCoPurchase live, String user, String basketId, int... items) {
    for (int item : items) {
      live.add(user, basketId, item, 0);
    }
  }

  @Test
  void add_anOrderOfTwoLines_countsThePairOnceBothAreIn() {
    LiveCoPurchase live = live(DATASET, 5, 5, 100, 10, 1000);
    live.add("u9", "o1", 3, 0);
    live.publish();
    assertArrayEquals(new int[] {0}, live.graph().neighbours(3), "one line alone counts for nothing");

    live.add("u9", "o1", 4, 0);
    live.add("u9", "o1", 4, 0);   // the same item again in the same order
    live.publish();

    assertArrayEquals(new int[] {0, 4}, live.graph().neighbours(3));
    assertArrayEquals(new int[] {1, 1}, live.graph().sharedBaskets(3));
    // 0's neighbours were 1 (2), 2, 3, 4 (1 each): unchanged, since 0 is not in the order.
    assertArrayEquals(new int[] {1, 2, 3, 4}, live.graph().neighbours(0));
    assertEquals(List.of(new CoPurchaseNeighbour("item0", 1), new CoPurchaseNeighbour("item1", 1),
            new CoPurchaseNeighbour("item3", 1)),
        live.graph().neighboursOf("item4"));
  }

  @Test
  void add_isSeenByReadersOnlyAfterPublish_andOldGraphsStayAsTheyWere() {
    LiveCoPurchase live = live(DATASET, 5, 5, 100, 10, 1000);
    CoPurchaseGraph before = live.graph();
    live.add("u9", "o1", 2, 0);
    live.add("u9", "o1", 3, 0);
    assertArrayEquals(new int[] {0}, live.graph().neighbours(3));

    live.publish();

    assertArrayEquals(new int[] {0, 2}, live.graph().neighbours(3));
    assertArrayEquals(new int[] {0}, before.neighbours(3));
  }

  @Test
  void add_sameOrderIdOfAnotherUser_isAnotherOrder() {
    LiveCoPurchase live = live(DATASET, 5, 5, 100, 10, 1000);
    live.add("u1", "o1", 3, 0);
    live.add("u2", "o1", 4, 0);
    live.publish();

    assertArrayEquals(new int[] {0}, live.graph().neighbours(3));
    assertArrayEquals(new int[] {0, 1}, live.graph().neighbours(4));
  }

  @Test
  void add_anOrderOutgrowingTheCap_withdrawsItsPairs() {
    LiveCoPurchase live = live(DATASET, 5, 5, 3, 10, 1000);
    live.add("u9", "o1", 2, 0);
    live.add("u9", "o1", 3, 0);
    live.add("u9", "o1", 4, 0);
    live.publish();
    assertArrayEquals(new int[] {0, 2, 4}, live.graph().neighbours(3));

    live.add("u9", "o1", 1, 0);   // a fourth item: over the cap of 3
    live.add("u9", "o1", 0, 0);
    live.publish();

    assertArrayEquals(new int[] {0}, live.graph().neighbours(3));
    assertArrayEquals(new int[] {1}, live.graph().sharedBaskets(3));
    assertArrayEquals(new int[] {1, 0}, live.graph().neighbours(2));
  }

  /**
   * The user's open order is withdrawn as it counted, whatever the caller still holds of it (the
   * per-user cap dropped the line of 2), and of the order the caller lists under the same id only
   * the items the open order lacks (those of the user's dataset order {0, 3}): each order
   * withdrawn once, and nothing of another user's order of the same id.
   */
  @Test
  void withdraw_openOrder_isWithdrawnAsItCounted_andTheListedItemsItLacksAsListed() {
    LiveCoPurchase live = live(DATASET, 5, 5, 100, 10, 1000);
    addOrder(live, "u9", "o1", 2, 4);
    addOrder(live, "u8", "o1", 1, 3);

    live.withdraw("u9"::equals, Map.of("o1", new int[] {0, 3, 4}), (user, basketId) -> basketId);
    live.publish();

    LiveCoPurchase withoutTheUser = live(List.of(new int[] {0, 1, 2}, new int[] {0, 1, 4}, new int[] {1, 2},
        new int[] {1, 3}), 5, 5, 100, 10, 1000);
    assertEquals(TestData.describe(withoutTheUser.graph()), TestData.describe(live.graph()));
  }

  /** An open order that outgrew the cap counts for nothing: withdrawn, it subtracts nothing, whatever is listed of it. */
  @Test
  void withdraw_openOrderThatOutgrewTheCap_subtractsNothing() {
    LiveCoPurchase live = live(DATASET, 5, 5, 3, 10, 1000);
    addOrder(live, "u9", "o1", 0, 1, 2, 3);
    live.publish();
    String counted = TestData.describe(live.graph());

    live.withdraw("u9"::equals, Map.of("o1", new int[] {0, 1}), (user, basketId) -> basketId);
    live.publish();

    assertEquals(counted, TestData.describe(live.graph()), "0-1 keeps the dataset's 2");
  }

  @Test
  void add_toAnOrderIdleForTheWindowOrPushedOutByNewerOrders_startsANewOrder() {
    LiveCoPurchase live = live(DATASET, 5, 5, 100, 10, 1000);
    live.add("u9", "o1", 2, 0);
    live.add("u9", "o1", 3, 60_000);   // a minute after its last line: still open
    live.add("u9", "o1", 4, 120_001);  // a minute and a millisecond: a new order
    live.add("u8", "o2", 2, 120_001);
    live.add("u7", "o3", 2, 120_002);
    live.add("u6", "o4", 2, 120_003);
    live.add("u5", "o5", 2, 120_004);  // the fourth open order of at most 3: o2 is closed
    live.add("u8", "o2", 4, 120_005);
    live.publish();

    assertArrayEquals(new int[] {0, 2}, live.graph().neighbours(3));
    assertArrayEquals(new int[] {0, 1}, live.graph().neighbours(4));
  }

  @Test
  void addItems_newItemsGetNeighboursFromOrders() {
    LiveCoPurchase live = live(DATASET, 5, 5, 100, 10, 1000);
    live.addItems(ids(7).subList(5, 7));
    live.add("u9", "o1", 6, 0);
    live.add("u9", "o1", 0, 0);
    live.add("u8", "o2", 6, 0);
    live.add("u8", "o2", 0, 0);
    live.publish();

    assertEquals(7, live.graph().itemCount());
    assertEquals(6, live.graph().indexOf("item6"));
    assertArrayEquals(new int[] {0}, live.graph().neighbours(6));
    assertArrayEquals(new int[] {2}, live.graph().sharedBaskets(6));
    // 0 now shares 2 baskets with 1 and 6: ties by index.
    assertArrayEquals(new int[] {1, 6, 2, 3, 4}, live.graph().neighbours(0));
    assertArrayEquals(new int[] {}, live.graph().neighbours(5));
  }

  @Test
  void newItemNeighbours_listNewItemsTheNeighboursAreTooStrongFor() {
    // Item 0's one kept neighbour is 1 (2 dataset baskets); item 5 is new and sells with it once.
    LiveCoPurchase live = live(DATASET, 5, 5, 100, 1, 1000);
    live.addItems(List.of("item5"));
    live.add("u9", "o1", 5, 0);
    live.add("u9", "o1", 0, 0);
    live.publish();

    assertArrayEquals(new int[] {1}, live.graph().neighbours(0));
    assertArrayEquals(new int[] {5}, live.graph().newItemNeighbours(0));
    assertArrayEquals(new int[] {1}, live.graph().newItemSharedBaskets(0));
    assertArrayEquals(new int[] {}, live.graph().newItemNeighbours(1), "a dataset item is no new-item neighbour");
    assertArrayEquals(new int[] {}, live.graph().newItemNeighbours(5), "item 0 is no new item");
    assertFalse(live.graph().isNewItem(4));
    assertTrue(live.graph().isNewItem(5));
  }

  @Test
  void add_pastMaxPairs_countsNoMoreOrders() {
    LiveCoPurchase live = live(DATASET, 5, 5, 100, 10, 4);
    assertTrue(live.add("u9", "o1", 2, 0));
    assertTrue(live.add("u9", "o1", 3, 0));   // 2 counts held
    assertTrue(live.add("u8", "o2", 3, 0));
    assertTrue(live.add("u8", "o2", 4, 0));   // 4
    assertFalse(live.add("u8", "o2", 2, 0));  // would need 8
    assertTrue(live.isFull());
    assertFalse(live.add("u7", "o3", 1, 0));
    live.publish();

    assertEquals(4, live.pairsHeld());
    assertArrayEquals(new int[] {0, 2, 4}, live.graph().neighbours(3));
    assertArrayEquals(new int[] {1, 0, 3}, live.graph().neighbours(2));
  }

  /**
   * On random data, with orders growing over several ingestions, some past the cap, and a kept
   * neighbour list shorter than most items' neighbours, the graph is what building the index
   * over the dataset's baskets and the orders gives, at every publish.
   */
  @Test
  void graph_equalsAFullRebuild_onRandomOrders() {
    Random random = new Random(7);
    int datasetItems = 40;
    int items = 50;
    int maxBasketSize = 6;
    int kept = 5;
    List<int[]> dataset = new ArrayList<>();
    for (int b = 0; b < 150; b++) {
      dataset.add(random.ints(1 + random.nextInt(8), 0, datasetItems).distinct().toArray());
    }
    LiveCoPurchase live = new LiveCoPurchase(CoPurchaseIndex.build(dataset, datasetItems, maxBasketSize, kept),
        ids(datasetItems), maxBasketSize, kept, Long.MAX_VALUE, Duration.ofDays(1), 1000);
    live.addItems(ids(items).subList(datasetItems, items));
    Map<String, Set<Integer>> orders = new LinkedHashMap<>();
    for (int round = 0; round < 30; round++) {
      for (int line = 0; line < 25; line++) {
        String user = "u" + random.nextInt(8);
        String order = "o" + random.nextInt(6);
        int item = random.nextInt(items);
        live.add(user, order, item, 0);
        orders.computeIfAbsent(user.length() + ":" + user + order, k -> new LinkedHashSet<>()).add(item);
      }
      live.publish();

      List<int[]> all = new ArrayList<>(dataset);
      orders.values().forEach(o -> all.add(o.stream().mapToInt(Integer::intValue).toArray()));
      CoPurchaseIndex rebuilt = CoPurchaseIndex.build(all, items, maxBasketSize, kept);
      CoPurchaseIndex whole = CoPurchaseIndex.build(all, items, maxBasketSize, items);
      for (int item = 0; item < items; item++) {
        assertArrayEquals(rebuilt.neighbours(item), live.graph().neighbours(item), "round " + round + " item " + item);
        assertArrayEquals(rebuilt.sharedBaskets(item), live.graph().sharedBaskets(item));
        // The new-item neighbours: all of the item's neighbours among the new items, in order.
        int[] neighbours = whole.neighbours(item);
        int[] shared = whole.sharedBaskets(item);
        int[] newItems = IntStream.range(0, neighbours.length).filter(n -> neighbours[n] >= datasetItems).toArray();
        assertArrayEquals(IntStream.of(newItems).map(n -> neighbours[n]).toArray(),
            live.graph().newItemNeighbours(item), "round " + round + " item " + item);
        assertArrayEquals(IntStream.of(newItems).map(n -> shared[n]).toArray(), live.graph().newItemSharedBaskets(item));
      }
    }
  }

  /**
   * Statistics written part-way through the lines and read back count the later lines as the ones
   * that wrote them: open orders (outgrown ones too, and their order of closing by number and by
   * age), new items and their indices, the held counts and the point where they are full carry over.
   */
  @Test
  void restored_countsLaterLinesAsTheStatisticsThatWroteThem() throws IOException {
    CoPurchaseIndex dataset = CoPurchaseIndex.build(DATASET, 5, 3, 20);
    List<String> datasetIds = ids(5);
    Duration openFor = Duration.ofMillis(150);
    LiveCoPurchase running = new LiveCoPurchase(dataset, datasetIds, 3, 20, 100, openFor, 5);
    Random random = new Random(11);
    LiveCoPurchase restored = null;
    for (int line = 0; line < 400; line++) {
      if (line == 200) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        running.writeTo(new DataOutputStream(bytes));
        restored = LiveCoPurchase.restored(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())),
            dataset, datasetIds, 3, 20, 100, openFor, 5);
        assertEquals(TestData.describe(running.graph()), TestData.describe(restored.graph()));
        assertFalse(restored.isFull(), "full only after the lines written; held " + restored.pairsHeld());
      }
      List<LiveCoPurchase> both = restored == null ? List.of(running) : List.of(running, restored);
      int items = running.graph().itemCount();
      if (line % 40 == 5) {
        both.forEach(live -> live.addItems(List.of("new" + items)));
      }
      String user = "u" + random.nextInt(3);
      String order = "o" + random.nextInt(2);
      int item = random.nextInt(running.graph().itemCount());
      long millis = line * 10L;
      both.forEach(live -> live.add(user, order, item, millis));
      if (line % 10 == 9) {
        both.forEach(LiveCoPurchase::publish);
        if (restored != null) {
          assertEquals(TestData.describe(running.graph()), TestData.describe(restored.graph()), "after line " + line);
          assertEquals(running.pairsHeld(), restored.pairsHeld());
          assertEquals(running.isFull(), restored.isFull());
        }
      }
    }
    assertTrue(running.isFull(), "full before the last line; held " + running.pairsHeld());
  }
}
