package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class InMemoryEventStoreTest {
  private final InMemoryEventStore store = TestData.smallStore();

  private static List<String> itemIds(UserHistory history) {
    return history.events().stream().map(RecordedEvent::itemId).toList();
  }

  private static NewEvent event(String user, String item, long second, EventType type) {
    return new NewEvent(user, new RecordedEvent(item, Instant.ofEpochSecond(second), type));
  }

  @Test
  void history_ordersByTimeThenSequence() {
    UserHistory history = store.history("u1", 50);

    assertEquals(List.of("A", "B", "C", "A", "D"), itemIds(history));
    assertEquals(5, history.totalEvents());
    assertTrue(history.knownUser());
    assertEquals(Instant.ofEpochSecond(100), history.events().get(0).time());
    assertEquals(EventType.PURCHASE, history.events().get(0).type());
  }

  @Test
  void history_limit_returnsMostRecentOldestFirst() {
    UserHistory history = store.history("u1", 2);

    assertEquals(List.of("A", "D"), itemIds(history));
    assertEquals(5, history.totalEvents());
  }

  @Test
  void history_unknownUser_isEmptyAndUnknown() {
    assertEquals(UserHistory.unknown(), store.history("nobody", 50));
  }

  @Test
  void userItems_recentDistinctMostRecentFirst() {
    UserItems items = store.userItems("u1", 3).orElseThrow();

    assertEquals(List.of("D", "A", "C"), items.recentDistinctItemIds());
    assertEquals(Set.of("A", "B", "C", "D"), items.allItemIds());
    assertTrue(store.userItems("nobody", 3).isEmpty());
  }

  @Test
  void userItems_negativeFeedback_isInTheHistoryButNotARecentItem() {
    store.append(List.of(event("u1", "E", 300, EventType.FEEDBACK_NEGATIVE)));

    UserItems items = store.userItems("u1", 2).orElseThrow();
    assertEquals(List.of("D", "A"), items.recentDistinctItemIds());
    assertTrue(items.allItemIds().contains("E"));
  }

  @Test
  void item_hasDisplayFieldsCurrencyAndCount() {
    CatalogItem item = store.item("A").orElseThrow();

    assertEquals(new CatalogItem("A", "Alpha mug", "", "", 1.5, "GBP", 3), item);
    assertEquals(0, store.item("E").orElseThrow().interactionCount());
    assertTrue(store.item("Z").isEmpty());
  }

  @Test
  void coPurchaseNeighbours_countSharedBaskets() {
    assertEquals(List.of(new CoPurchaseNeighbour("B", 2), new CoPurchaseNeighbour("C", 1),
            new CoPurchaseNeighbour("D", 1), new CoPurchaseNeighbour("F", 1)),
        store.coPurchaseNeighbours("A"));
    assertEquals(List.of(), store.coPurchaseNeighbours("E"));
    assertEquals(List.of(), store.coPurchaseNeighbours("unknown"));
  }

  @Test
  void mostPurchased_ordersByPurchasesThenIdAndLeavesOutUnbought() {
    assertEquals(List.of(new PopularItem("A", 3), new PopularItem("B", 3), new PopularItem("C", 2),
        new PopularItem("D", 1), new PopularItem("F", 1)), store.mostPurchased(10));
    assertEquals(2, store.mostPurchased(2).size());
  }

  @Test
  void append_newUser_isCreatedAndOrderedByTimeWithTiesInIngestionOrder() {
    store.append(List.of(
        event("new", "B", 300, EventType.CLICK),
        event("new", "C", 100, EventType.PURCHASE),
        event("new", "D", 300, EventType.ADD_TO_CART),
        event("new", "A", 100, EventType.FEEDBACK_POSITIVE)));

    UserHistory history = store.history("new", 50);
    assertEquals(List.of("C", "A", "B", "D"), itemIds(history));
    assertEquals(EventType.FEEDBACK_POSITIVE, history.events().get(1).type());
    assertEquals(4, history.totalEvents());
  }

  @Test
  void append_keepsNanosecondPrecision() {
    Instant time = Instant.ofEpochSecond(500, 123_456_789);
    store.append(List.of(new NewEvent("u1", new RecordedEvent("E", time, EventType.PURCHASE))));

    assertEquals(time, store.history("u1", 1).events().get(0).time());
  }

  @Test
  void append_unknownItem_storesNothing() {
    List<NewEvent> batch = List.of(event("u1", "E", 300, EventType.PURCHASE),
        event("u9", "nope", 300, EventType.PURCHASE));

    UnknownItemException e = assertThrows(UnknownItemException.class, () -> store.append(batch));

    assertEquals(1, e.eventIndex());
    assertEquals("nope", e.itemId());
    assertEquals(5, store.history("u1", 50).totalEvents());
    assertFalse(store.history("u9", 50).knownUser());
    assertEquals(0, store.item("E").orElseThrow().interactionCount());
  }

  @Test
  void append_purchasesUpdatePopularityAndOtherEventsOnlyInteractionCounts() {
    List<NewEvent> batch = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      batch.add(event("u" + i, "E", 400, EventType.PURCHASE));
    }
    batch.add(event("u1", "F", 400, EventType.CLICK));
    store.append(batch);

    assertEquals(new PopularItem("E", 4), store.mostPurchased(1).get(0));
    assertEquals(2, store.item("F").orElseThrow().interactionCount());
    assertEquals(1, store.mostPurchased(10).stream()
        .filter(p -> p.itemId().equals("F")).findFirst().orElseThrow().purchases());
  }

  @Test
  void append_concurrentWithReads_everyEventLandsAndReadsStaySorted() throws Exception {
    int writers = 4;
    int eventsEach = 200;
    ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < eventsEach; i++) {
            store.append(List.of(event("shared", "A", (i * 7919L + writer) % 1000, EventType.CLICK)));
          }
          return null;
        }));
      }
      futures.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < 500; i++) {
          List<RecordedEvent> events = store.history("shared", 1000).events();
          for (int k = 1; k < events.size(); k++) {
            assertFalse(events.get(k).time().isBefore(events.get(k - 1).time()), "history out of order");
          }
        }
        return null;
      }));
      start.countDown();
      for (Future<?> future : futures) {
        future.get(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(writers * eventsEach, store.history("shared", 1000).totalEvents());
    assertEquals(3 + writers * eventsEach, store.item("A").orElseThrow().interactionCount());
  }

  @Test
  void everyRead_beforeLoad_throwsNotReady() {
    InMemoryEventStore empty = new InMemoryEventStore(100, 200, "GBP");

    assertFalse(empty.isReady());
    assertThrows(StoreNotReadyException.class, () -> empty.history("u1", 10));
    assertThrows(StoreNotReadyException.class, () -> empty.item("A"));
    assertThrows(StoreNotReadyException.class, () -> empty.mostPurchased(10));
    assertThrows(StoreNotReadyException.class, () -> empty.append(List.of()));
  }

  @Test
  void load_twice_fails() {
    assertTrue(store.isReady());
    assertThrows(IllegalStateException.class, () -> store.load(TestData.small()));
  }

  @Test
  void load_duplicateItem_fails() {
    InMemoryEventStore fresh = new InMemoryEventStore(100, 200, "GBP");
    Dataset.Item item = new Dataset.Item("A", "t", "", "", 0);
    assertThrows(DatasetException.class, () -> fresh.load(new Dataset(List.of(item, item), List.of())));
  }

  @Test
  void recentPurchases_countPurchasesInTheHalfOpenWindowBeforeTheRequestTime() {
    // Purchases: A at 50, 100, 200; B at 10, 50, 100; E never; window [50, 200).
    long[] counts = store.recentPurchases(List.of("A", "B", "E", "not-in-catalogue"),
        Instant.ofEpochSecond(200), Duration.ofSeconds(150));

    assertArrayEquals(new long[] {2, 2, 0, 0}, counts);
    assertEquals(Optional.of(Instant.ofEpochSecond(200)), store.latestEventTime());
  }

  @Test
  void recentPurchases_includeIngestedPurchasesAndIgnoreOtherEvents() {
    store.append(List.of(event("u9", "A", 150, EventType.PURCHASE),
        event("u9", "E", 160, EventType.CLICK), event("u9", "E", 300, EventType.PURCHASE)));

    assertArrayEquals(new long[] {3, 0}, store.recentPurchases(List.of("A", "E"),
        Instant.ofEpochSecond(200), Duration.ofSeconds(150)));
    assertArrayEquals(new long[] {1}, store.recentPurchases(List.of("E"),
        Instant.ofEpochSecond(301), Duration.ofSeconds(10)));
    assertEquals(Optional.of(Instant.ofEpochSecond(300)), store.latestEventTime());
  }
}
