package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link EventStore} owes its callers, run against each store by a subclass
 * ({@link InMemoryEventStoreTest}, {@link RedisEventStoreTest}) over {@link TestData#small()}.
 */
abstract class EventStoreContractTest {
  protected EventStore store;

  /** A fresh, empty, unloaded store with these bounds (every neighbour kept, GBP). */
  protected abstract EventStore newStore(StoreBounds bounds);

  @BeforeEach
  void loadSmallDataset() {
    store = loaded(TestData.ROOMY);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  protected EventStore loaded(StoreBounds bounds) {
    EventStore fresh = newStore(bounds);
    fresh.load(TestData.small());
    return fresh;
  }

  /** A store of the small dataset that keeps {@code maxEventsPerUser} events per user. */
  private EventStore cappedAt(int maxEventsPerUser) {
    return loaded(new StoreBounds(maxEventsPerUser, 1000, 1_000_000, Duration.ofDays(1), 1000));
  }

  private static List<String> itemIds(UserHistory history) {
    return history.events().stream().map(RecordedEvent::itemId).toList();
  }

  private static NewEvent event(String user, String item, long second, EventType type) {
    return new NewEvent(user, new RecordedEvent(item, Instant.ofEpochSecond(second), type));
  }

  /** A purchase of {@code item} in order {@code basket}. */
  private static NewEvent order(String user, String item, long second, String basket) {
    return new NewEvent(user, new RecordedEvent(item, Instant.ofEpochSecond(second), EventType.PURCHASE, basket));
  }

  @Test
  void history_asManyAsTheIntegerLimit_isTheWholeRetainedRecord() {
    // GetUserHistory with purchases_only reads so, then keeps the last purchases.
    assertEquals(5, store.history("u1", Integer.MAX_VALUE).events().size());
    assertEquals(5, store.historyWithRegularItems("u1", Integer.MAX_VALUE, 2, 50).history().events().size());
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

  /**
   * A data folder's times keep their fraction of a second, as imported and ingested ones do, and
   * order the record by it (CsvEventOrderTest reads a folder so); an event ingested later within
   * the second takes its place among them.
   */
  @Test
  void load_timesWithAFraction_keepItAndAreOrderedByIt() {
    EventStore fractions = newStore(TestData.ROOMY);
    try {
      fractions.load(new Dataset(
          List.of(new Dataset.Item("A", "Alpha", "", "", 1), new Dataset.Item("B", "Beta", "", "", 1)),
          List.of(new Dataset.Interaction("f", "A", 100, 700_000_000, EventType.PURCHASE, "o1", 0),
              new Dataset.Interaction("f", "B", 100, 200_000_000, EventType.PURCHASE, "o1", 1),
              new Dataset.Interaction("f", "A", 100, 0, EventType.CLICK, "", 2))));
      fractions.append(List.of(new NewEvent("f",
          new RecordedEvent("B", Instant.ofEpochSecond(100, 500_000_000), EventType.CLICK))));

      assertEquals(List.of(new RecordedEvent("A", Instant.ofEpochSecond(100), EventType.CLICK, ""),
              new RecordedEvent("B", Instant.ofEpochSecond(100, 200_000_000), EventType.PURCHASE, "o1"),
              new RecordedEvent("B", Instant.ofEpochSecond(100, 500_000_000), EventType.CLICK, ""),
              new RecordedEvent("A", Instant.ofEpochSecond(100, 700_000_000), EventType.PURCHASE, "o1")),
          fractions.history("f", 50).events());
      assertEquals(Optional.of(Instant.ofEpochSecond(100, 700_000_000)), fractions.latestPurchaseTime());
    } finally {
      fractions.close();
    }
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

  private static NewEvent bought(String user, String item, long second, String basket) {
    return new NewEvent(user, new RecordedEvent(item, Instant.ofEpochSecond(second), EventType.PURCHASE, basket));
  }

  @Test
  void history_carriesTheBasketIdOfEachEvent() {
    store.append(List.of(bought("u1", "B", 300, "i5"), bought("u1", "C", 400, "")));

    assertEquals(List.of("i1", "i1", "i1", "i2", "i2", "i5", ""),
        store.history("u1", 50).events().stream().map(RecordedEvent::basketId).toList());
  }

  @Test
  void regularItems_itemsInTwoOrMoreOrders_withCountsAndLastPurchase() {
    RegularItems regular = store.regularItems("u1", 2, 50);

    // u1: i1 = A B C at t=100, i2 = A D at t=200; only A is in two orders.
    assertEquals(List.of(new RegularItems.RegularItem("A", 2, Instant.ofEpochSecond(200))), regular.items());
    assertEquals(2, regular.orders());
  }

  @Test
  void regularItems_turnedDownSinceItsLastPurchase_isLeftOutUntilBoughtAgain() {
    store.append(List.of(event("u1", "A", 300, EventType.FEEDBACK_NEGATIVE)));

    RegularItems turnedDown = store.regularItems("u1", 2, 50);
    assertEquals(List.of(), turnedDown.items());
    assertEquals(2, turnedDown.orders());

    store.append(List.of(bought("u1", "A", 400, "i7")));
    assertEquals(List.of(new RegularItems.RegularItem("A", 3, Instant.ofEpochSecond(400))),
        store.regularItems("u1", 2, 50).items());
  }

  @Test
  void regularItems_mostOrdersFirstThenMostRecent_andOnlyPurchasesCount() {
    store.append(List.of(
        bought("u1", "B", 300, "i5"), bought("u1", "D", 300, "i5"),
        bought("u1", "D", 400, "i6"), bought("u1", "D", 400, "i6"),   // one order, two lines
        bought("u1", "C", 500, ""), bought("u1", "C", 600, ""),       // basket-less: an order each
        event("u1", "A", 700, EventType.CLICK),
        event("u1", "B", 700, EventType.ADD_TO_CART)));

    RegularItems regular = store.regularItems("u1", 2, 50);

    // C: i1 + two basket-less orders = 3, last at 600; D: i2, i5, i6 = 3, last at 400;
    // B: i1, i5 = 2, last at 300; A: i1, i2 = 2, last at 200 (its click is not a purchase).
    assertEquals(List.of(
        new RegularItems.RegularItem("C", 3, Instant.ofEpochSecond(600)),
        new RegularItems.RegularItem("D", 3, Instant.ofEpochSecond(400)),
        new RegularItems.RegularItem("B", 2, Instant.ofEpochSecond(300)),
        new RegularItems.RegularItem("A", 2, Instant.ofEpochSecond(200))), regular.items());
    assertEquals(6, regular.orders());
    assertEquals(List.of("C", "D"), store.regularItems("u1", 3, 50).items().stream()
        .map(RegularItems.RegularItem::itemId).toList());
    assertEquals(List.of("C"), store.regularItems("u1", 2, 1).items().stream()
        .map(RegularItems.RegularItem::itemId).toList());
    assertEquals(List.of(), store.regularItems("u1", 4, 50).items());
  }

  @Test
  void regularItems_sameTimeTies_goToTheLaterIngested() {
    store.append(List.of(bought("tie", "A", 10, "x"), bought("tie", "B", 10, "x"),
        bought("tie", "B", 20, "y"), bought("tie", "A", 20, "y")));

    assertEquals(List.of("A", "B"), store.regularItems("tie", 2, 50).items().stream()
        .map(RegularItems.RegularItem::itemId).toList());
  }

  @Test
  void regularItems_unknownUser_isEmptyWithNoOrders() {
    assertEquals(new RegularItems(List.of(), 0), store.regularItems("nobody", 2, 50));
  }

  @Test
  void userItems_recentDistinctMostRecentFirst() {
    UserItems items = store.userItems("u1", 3).orElseThrow();

    assertEquals(List.of("D", "A", "C"), items.recentDistinctItemIds());
    assertEquals(Set.of("A", "B", "C", "D"), items.excludedItemIds());
    assertTrue(store.userItems("nobody", 3).isEmpty());
  }

  @Test
  void userItems_negativeFeedback_isInTheHistoryButNotARecentItem() {
    store.append(List.of(event("u1", "E", 300, EventType.FEEDBACK_NEGATIVE)));

    UserItems items = store.userItems("u1", 2).orElseThrow();
    assertEquals(List.of("D", "A"), items.recentDistinctItemIds());
    assertTrue(items.excludedItemIds().contains("E"));
  }

  @Test
  void userItems_boughtThenTurnedDown_isNoSeedUntilBoughtAgain() {
    store.append(List.of(event("u1", "D", 300, EventType.FEEDBACK_NEGATIVE)));

    assertEquals(List.of("A", "C"), store.userItems("u1", 2).orElseThrow().recentDistinctItemIds());

    store.append(List.of(event("u1", "D", 400, EventType.PURCHASE)));
    assertEquals(List.of("D", "A"), store.userItems("u1", 2).orElseThrow().recentDistinctItemIds());
  }

  @Test
  void userItems_clicksAndAddsToCart_areNeitherSeedsNorLeftOut() {
    store.append(List.of(event("u1", "E", 300, EventType.CLICK), event("u1", "F", 310, EventType.ADD_TO_CART)));

    UserItems items = store.userItems("u1", 2).orElseThrow();
    assertEquals(List.of("D", "A"), items.recentDistinctItemIds());
    assertEquals(Set.of("A", "B", "C", "D"), items.excludedItemIds());
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
  void coPurchaseGraph_holdsTheSameNeighboursByIndex() {
    CoPurchaseGraph graph = store.coPurchaseGraph();

    for (String itemId : List.of("A", "B", "C", "D", "E", "F")) {
      int index = graph.indexOf(itemId);
      assertEquals(itemId, graph.itemIdAt(index));
      List<CoPurchaseNeighbour> byIndex = new ArrayList<>();
      for (int n = 0; n < graph.neighbours(index).length; n++) {
        byIndex.add(new CoPurchaseNeighbour(graph.itemIdAt(graph.neighbours(index)[n]), graph.sharedBaskets(index)[n]));
      }
      assertEquals(store.coPurchaseNeighbours(itemId), byIndex, itemId);
    }
    assertEquals(-1, graph.indexOf("unknown"));
  }

  @Test
  void mostPurchased_ordersByPurchasesThenIdAndLeavesOutUnbought() {
    assertEquals(List.of(new PopularItem("A", 3), new PopularItem("B", 3), new PopularItem("C", 2),
        new PopularItem("D", 1), new PopularItem("F", 1)), store.mostPurchased(10));
    assertEquals(2, store.mostPurchased(2).size());
    assertEquals(new Popularity(store.mostPurchased(2), 5), store.popularity(2));
    assertEquals(new Popularity(List.of(), 5), store.popularity(0));
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
    assertEquals(6, store.popularity(1).itemsBought(), "E bought for the first time");
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
    EventStore empty = newStore(TestData.ROOMY);
    try {
      assertFalse(empty.isReady());
      assertThrows(StoreNotReadyException.class, () -> empty.history("u1", 10));
      assertThrows(StoreNotReadyException.class, () -> empty.item("A"));
      assertThrows(StoreNotReadyException.class, () -> empty.mostPurchased(10));
      assertThrows(StoreNotReadyException.class, () -> empty.append(List.of()));
    } finally {
      empty.close();
    }
  }

  @Test
  void load_twice_fails() {
    assertTrue(store.isReady());
    assertThrows(IllegalStateException.class, () -> store.load(TestData.small()));
  }

  @Test
  void load_duplicateItem_fails() {
    EventStore fresh = newStore(TestData.ROOMY);
    try {
      Dataset.Item item = new Dataset.Item("A", "t", "", "", 0);
      assertThrows(DatasetException.class, () -> fresh.load(new Dataset(List.of(item, item), List.of())));
    } finally {
      fresh.close();
    }
  }

  @Test
  void append_sameEventIdTwice_storesItOnce() {
    NewEvent first = new NewEvent("u1", new RecordedEvent("E", Instant.ofEpochSecond(300), EventType.PURCHASE), "ev-1");

    assertEquals("stored 1, duplicates 0", TestData.counts(store.append(List.of(first))));
    assertEquals("stored 0, duplicates 1", TestData.counts(store.append(List.of(first))));

    assertEquals(6, store.history("u1", 50).totalEvents());
    assertEquals(1, store.item("E").orElseThrow().interactionCount());
    assertEquals(new PopularItem("E", 1), store.mostPurchased(10).stream()
        .filter(p -> p.itemId().equals("E")).findFirst().orElseThrow());
  }

  /**
   * An imported row's id is derived from its content, and names which identical row of its file
   * it is (its copy): a rerun of the file after the dedupe window forgot the ids finds the rows in
   * the user's record and stores none of them twice.
   */
  @Test
  void append_contentCopiesAlreadyInTheRecord_areDuplicatesUnderIdsNotRemembered() {
    RecordedEvent line = new RecordedEvent("E", Instant.ofEpochSecond(300, 5), EventType.PURCHASE, "order-7");
    assertEquals("stored 2, duplicates 0", TestData.counts(store.append(List.of(
        new NewEvent("u9", line, "csv:first-run:1", 1), new NewEvent("u9", line, "csv:first-run:2", 2)))),
        "two identical rows of one file are two events");

    assertEquals("stored 0, duplicates 2", TestData.counts(store.append(List.of(
        new NewEvent("u9", line, "csv:rerun:1", 1), new NewEvent("u9", line, "csv:rerun:2", 2)))));
    assertEquals("stored 1, duplicates 0", TestData.counts(store.append(List.of(
        new NewEvent("u9", line, "csv:longer-file:3", 3)))), "a third identical row is a third event");
    RecordedEvent click = new RecordedEvent("A", Instant.ofEpochSecond(300, 5), EventType.CLICK);
    assertEquals("stored 1, duplicates 1", TestData.counts(store.append(List.of(
        new NewEvent("u9", click, "csv:one-file:1", 1), new NewEvent("u9", click, "csv:another-file:1", 1)))),
        "the first copy of one file, then of another, in one batch");
    assertEquals(4, store.history("u9", 50).totalEvents());
    assertEquals(3, store.item("E").orElseThrow().interactionCount());
  }

  /** The content of a stored event differs in one of item, time, type and order: not the same event. */
  @Test
  void append_contentCopyOfAnotherItemTimeTypeOrOrder_isStored() {
    RecordedEvent line = new RecordedEvent("E", Instant.ofEpochSecond(300, 5), EventType.PURCHASE, "order-7");
    store.append(List.of(new NewEvent("u9", line, "csv:a:1", 1)));

    List<RecordedEvent> others = List.of(
        new RecordedEvent("D", line.time(), EventType.PURCHASE, "order-7"),
        new RecordedEvent("E", Instant.ofEpochSecond(300, 6), EventType.PURCHASE, "order-7"),
        new RecordedEvent("E", Instant.ofEpochSecond(301, 5), EventType.PURCHASE, "order-7"),
        new RecordedEvent("E", line.time(), EventType.CLICK, "order-7"),
        new RecordedEvent("E", line.time(), EventType.PURCHASE, "order-8"),
        new RecordedEvent("E", line.time(), EventType.PURCHASE));
    for (int i = 0; i < others.size(); i++) {
      assertEquals("stored 1, duplicates 0", TestData.counts(store.append(List.of(
          new NewEvent("u9", others.get(i), "csv:other-" + i + ":1", 1)))), others.get(i).toString());
    }
    assertEquals("stored 1, duplicates 0", TestData.counts(store.append(List.of(new NewEvent("u8", line, "csv:a:1", 1)))),
        "another user's");
  }

  /** An id a client chose says nothing of the content: two clicks in one second are two events. */
  @Test
  void append_sameContentUnderAnotherIdTheClientChose_isStored() {
    RecordedEvent click = new RecordedEvent("A", Instant.ofEpochSecond(10), EventType.CLICK);
    store.append(List.of(new NewEvent("u9", click, "tap-1")));

    assertEquals("stored 1, duplicates 0", TestData.counts(store.append(List.of(new NewEvent("u9", click, "tap-2")))));
  }

  @Test
  void append_repeatedEventIdWithinOneBatch_storesItOnce() {
    NewEvent click = new NewEvent("u9", new RecordedEvent("A", Instant.ofEpochSecond(10), EventType.CLICK), "x");

    assertEquals("stored 1, duplicates 1", TestData.counts(store.append(List.of(click, click))));
    assertEquals(1, store.history("u9", 50).totalEvents());
  }

  @Test
  void append_sameEventIdResentLater_isStillADuplicate() {
    NewEvent first = new NewEvent("u1", new RecordedEvent("E", Instant.ofEpochSecond(300), EventType.PURCHASE), "ev-2");
    NewEvent resent = new NewEvent("u1", new RecordedEvent("E", Instant.ofEpochSecond(360), EventType.PURCHASE), "ev-2");

    store.append(List.of(first));

    assertEquals("stored 0, duplicates 1", TestData.counts(store.append(List.of(resent))));
    assertEquals(300, store.history("u1", 1).events().get(0).time().getEpochSecond(), "the first one wins");
  }

  @Test
  void append_eventIdOfAnotherEvent_isAConflictAndStoresNothingOfTheBatch() {
    RecordedEvent bought = new RecordedEvent("E", Instant.ofEpochSecond(300), EventType.PURCHASE);
    store.append(List.of(new NewEvent("u1", bought, "ev-3")));
    NewEvent fresh = new NewEvent("u1", new RecordedEvent("F", Instant.ofEpochSecond(310), EventType.PURCHASE), "ev-4");

    for (RecordedEvent other : List.of(new RecordedEvent("F", Instant.ofEpochSecond(300), EventType.PURCHASE),
        new RecordedEvent("E", Instant.ofEpochSecond(300), EventType.CLICK),
        new RecordedEvent("E", Instant.ofEpochSecond(300), EventType.PURCHASE, "order-9"))) {
      EventIdConflictException e = assertThrows(EventIdConflictException.class,
          () -> store.append(List.of(fresh, new NewEvent("u1", other, "ev-3"))));
      assertEquals(1, e.eventIndex());
      assertEquals(new EventIdentity(EventType.PURCHASE, "E", ""), e.earlierEvent());
    }

    assertEquals(6, store.history("u1", 50).totalEvents(), "nothing of the batches was stored");
    assertEquals("stored 1, duplicates 0", TestData.counts(store.append(List.of(fresh))), "its id is still free");
  }

  @Test
  void append_oneEventIdForTwoEventsOfOneBatch_isAConflictAndStoresNothing() {
    NewEvent click = new NewEvent("u9", new RecordedEvent("A", Instant.ofEpochSecond(10), EventType.CLICK), "y");
    NewEvent other = new NewEvent("u9", new RecordedEvent("B", Instant.ofEpochSecond(10), EventType.CLICK), "y");

    EventIdConflictException e = assertThrows(EventIdConflictException.class, () -> store.append(List.of(click, other)));

    assertEquals(1, e.eventIndex());
    assertEquals(new EventIdentity(EventType.CLICK, "A", ""), e.earlierEvent());
    assertFalse(store.history("u9", 50).knownUser());
  }

  /**
   * Item "A in order B" without an order and item "A" in order "B" are two events, though their
   * words read the same ("purchase of A in order B"): the Redis store compared those words and
   * dropped the second as a resend.
   */
  @Test
  void append_eventIdOfAnotherEventWhoseWordsReadTheSame_isAConflictNamingTheEarlierExactly() {
    store.putItems(List.of(new Dataset.Item("A in order B", "Alpha, in order", "", "", 1)));
    RecordedEvent spaced = new RecordedEvent("A in order B", Instant.ofEpochSecond(300), EventType.PURCHASE);
    RecordedEvent inOrder = new RecordedEvent("A", Instant.ofEpochSecond(300), EventType.PURCHASE, "B");
    store.append(List.of(new NewEvent("u8", spaced, "w"), new NewEvent("u9", inOrder, "w")));

    EventIdConflictException first = assertThrows(EventIdConflictException.class,
        () -> store.append(List.of(new NewEvent("u8", inOrder, "w"))));
    EventIdConflictException second = assertThrows(EventIdConflictException.class,
        () -> store.append(List.of(new NewEvent("u9", spaced, "w"))));

    assertEquals(new EventIdentity(EventType.PURCHASE, "A in order B", ""), first.earlierEvent());
    assertEquals(new EventIdentity(EventType.PURCHASE, "A", "B"), second.earlierEvent());
    assertEquals(List.of("A in order B"), itemIds(store.history("u8", 50)));
    assertEquals(List.of("A"), itemIds(store.history("u9", 50)));
  }

  @Test
  void append_oneEventIdForTwoEventsOfOneBatchWhoseWordsReadTheSame_isAConflictAndStoresNothing() {
    store.putItems(List.of(new Dataset.Item("A in order B", "Alpha, in order", "", "", 1)));
    NewEvent spaced = new NewEvent("u9", new RecordedEvent("A in order B", Instant.ofEpochSecond(10), EventType.CLICK), "y");
    NewEvent inOrder = new NewEvent("u9", new RecordedEvent("A", Instant.ofEpochSecond(10), EventType.CLICK, "B"), "y");

    EventIdConflictException e = assertThrows(EventIdConflictException.class, () -> store.append(List.of(spaced, inOrder)));

    assertEquals(1, e.eventIndex());
    assertEquals(new EventIdentity(EventType.CLICK, "A in order B", ""), e.earlierEvent());
    assertFalse(store.history("u9", 50).knownUser());
  }

  @Test
  void append_sameEventIdForAnotherUserOrWithoutId_isStored() {
    RecordedEvent click = new RecordedEvent("A", Instant.ofEpochSecond(10), EventType.CLICK);

    store.append(List.of(new NewEvent("u8", click, "x"), new NewEvent("u9", click, "x")));
    store.append(List.of(new NewEvent("u9", click), new NewEvent("u9", click)));

    assertEquals(1, store.history("u8", 50).totalEvents());
    assertEquals(3, store.history("u9", 50).totalEvents());
  }

  @Test
  void append_unknownItemInARetriedBatch_storesNothingAndLeavesTheIdsFree() {
    NewEvent good = new NewEvent("u9", new RecordedEvent("A", Instant.ofEpochSecond(10), EventType.CLICK), "g");
    NewEvent bad = new NewEvent("u9", new RecordedEvent("nope", Instant.ofEpochSecond(10), EventType.CLICK), "b");

    assertThrows(UnknownItemException.class, () -> store.append(List.of(good, bad)));

    assertEquals("stored 1, duplicates 0", TestData.counts(store.append(List.of(good))));
  }

  @Test
  void append_beyondTheTimelineCap_dropsTheOldestEventThatIsNoPurchaseFirst() {
    try (EventStore capped = cappedAt(3)) {
      capped.append(List.of(event("u7", "A", 10, EventType.CLICK), event("u7", "B", 20, EventType.PURCHASE),
          event("u7", "C", 30, EventType.ADD_TO_CART), event("u7", "D", 40, EventType.PURCHASE)));
      assertEquals(List.of("B", "C", "D"), itemIds(capped.history("u7", 50)), "the click went, not purchase B");
      capped.append(List.of(event("u7", "E", 50, EventType.CLICK)));
      assertEquals(List.of("B", "D", "E"), itemIds(capped.history("u7", 50)), "then the add to cart");
      capped.append(List.of(event("u7", "F", 60, EventType.PURCHASE)));
      assertEquals(List.of("B", "D", "F"), itemIds(capped.history("u7", 50)), "then the click just added");
      // Purchases alone: the oldest of them goes, and a click is dropped as it comes.
      capped.append(List.of(event("u7", "A", 70, EventType.PURCHASE), event("u7", "C", 80, EventType.CLICK)));
      UserHistory history = capped.history("u7", 50);
      assertEquals(List.of("D", "F", "A"), itemIds(history));
      assertEquals(8, history.totalEvents());
    }
  }

  @Test
  void append_beyondTheTimelineCap_keepsNegativeFeedbackAsItKeepsPurchases() {
    try (EventStore capped = cappedAt(3)) {
      capped.append(List.of(event("u7", "B", 10, EventType.PURCHASE), event("u7", "B", 20, EventType.FEEDBACK_NEGATIVE),
          event("u7", "C", 30, EventType.CLICK), event("u7", "D", 40, EventType.CLICK)));
      assertEquals(List.of("B", "B", "D"), itemIds(capped.history("u7", 50)), "the older click went, not the feedback");
      capped.append(List.of(event("u7", "E", 50, EventType.FEEDBACK_POSITIVE)));
      assertEquals(List.of("B", "B", "E"), itemIds(capped.history("u7", 50)), "then the other click");
      // The turned-down purchase stays turned down however many clicks come.
      assertEquals(List.of(), itemIds(capped.history("u7", 50).lastPurchases(50, true)));
      assertTrue(capped.userItems("u7", 10).orElseThrow().excludedItemIds().contains("B"));
      // Purchases and feedback alone: the oldest goes, the purchase before the feedback on it.
      capped.append(List.of(event("u7", "F", 60, EventType.PURCHASE), event("u7", "A", 70, EventType.PURCHASE)));
      UserHistory history = capped.history("u7", 50);
      assertEquals(List.of(EventType.FEEDBACK_NEGATIVE, EventType.PURCHASE, EventType.PURCHASE),
          history.events().stream().map(RecordedEvent::type).toList());
      assertEquals(List.of("F", "A"), itemIds(history.lastPurchases(50, true)));
    }
  }

  @Test
  void append_beyondTheTimelineCap_keepsTheMostRecentAndCountsAll() {
    try (EventStore capped = cappedAt(3)) {
      capped.append(List.of(event("u1", "E", 300, EventType.PURCHASE), event("u1", "F", 400, EventType.PURCHASE)));

      UserHistory history = capped.history("u1", 50);
      assertEquals(List.of("D", "E", "F"), itemIds(history));
      assertEquals(7, history.totalEvents());
      // A, B and C were bought before the events kept: still bought, so still left out of retrieval.
      UserItems items = capped.userItems("u1", 10).orElseThrow();
      assertEquals(Set.of("A", "B", "C", "D", "E", "F"), items.boughtItemIds());
      assertEquals(Set.of("A", "B", "C", "D", "E", "F"), items.excludedItemIds());
      assertEquals(List.of("F", "E", "D"), items.recentDistinctItemIds(), "dropped purchases seed nothing");
    }
  }

  @Test
  void load_beyondTheTimelineCap_keepsTheDroppedPurchasesItemsBought() {
    try (EventStore capped = cappedAt(2)) {
      // u1 keeps A and D of order i2; A, B and C of order i1 are dropped. u2 keeps B and F, not A.
      assertEquals(Set.of("A", "B", "C", "D"), capped.userItems("u1", 10).orElseThrow().boughtItemIds());
      assertEquals(Set.of("A", "B", "C", "D"), capped.userItems("u1", 10).orElseThrow().excludedItemIds());
      assertEquals(Set.of("A", "B", "F"), capped.userItems("u2", 10).orElseThrow().boughtItemIds());
      assertEquals(Set.of("B", "C"), store.userItems("u3", 10).orElseThrow().boughtItemIds());
    }
  }

  @Test
  void append_pushingAPurchaseOutOfTheTimeline_keepsItsItemBought() {
    try (EventStore capped = cappedAt(2)) {
      capped.append(List.of(order("n", "E", 1000, "x1"), order("n", "A", 2000, "x2"), order("n", "B", 3000, "x3")));

      UserItems items = capped.userItems("n", 10).orElseThrow();
      assertEquals(List.of("A", "B"), itemIds(capped.history("n", 50)));
      assertEquals(Set.of("A", "B", "E"), items.boughtItemIds());
      assertTrue(items.excludedItemIds().contains("E"), "retrieval leaves out an item bought before the kept events");
    }
  }

  @Test
  void regularItems_whenTheCapCutAnOrder_countOnlyTheWholeOrders() {
    try (EventStore capped = cappedAt(5)) {
      // Three orders of A and B: the sixth line pushes o1's A out, so the store keeps o1 in part.
      capped.append(List.of(order("n", "A", 1000, "o1"), order("n", "B", 1000, "o1"),
          order("n", "A", 2000, "o2"), order("n", "B", 2000, "o2"),
          order("n", "A", 3000, "o3"), order("n", "B", 3000, "o3")));

      EventStore.HistoryWithRegularItems kept = capped.historyWithRegularItems("n", 50, 2, 50);
      assertEquals(5, kept.history().events().size());
      assertTrue(kept.olderEventsDropped());
      // The whole orders o2 and o3 hold both items: "in 2 of your last 2 orders", not A in 2 of 3.
      assertEquals(2, kept.regularItems().orders());
      assertEquals(List.of(2, 2), kept.regularItems().items().stream().map(RegularItems.RegularItem::baskets).toList());
    }
  }

  @Test
  void regularItems_whenTheCapCutInterleavedOrders_leaveOutEveryPartlyKeptOrder() {
    try (EventStore capped = cappedAt(5)) {
      // o1's B line is stamped after o2: dropping o1's A, then o2's A leaves both orders kept in part.
      capped.append(List.of(order("n", "A", 1000, "o1"), order("n", "A", 2000, "o2"), order("n", "B", 2000, "o2"),
          order("n", "B", 3000, "o1"), order("n", "A", 4000, "o3"), order("n", "B", 4000, "o3"),
          order("n", "A", 5000, "o4")));

      EventStore.HistoryWithRegularItems kept = capped.historyWithRegularItems("n", 50, 2, 50);
      assertEquals(List.of("B", "B", "A", "B", "A"), itemIds(kept.history()));
      // o3 and o4 are the whole orders kept: A is in both, B in o3 alone (o1's B is half an order).
      assertEquals(2, kept.regularItems().orders());
      assertEquals(List.of(new RegularItems.RegularItem("A", 2, Instant.ofEpochSecond(5000))),
          kept.regularItems().items());
    }
  }

  @Test
  void regularItems_whenAnOlderPurchaseGoesOnArrival_stillLeaveOutTheOrderCutBefore() {
    try (EventStore capped = cappedAt(4)) {
      capped.append(List.of(order("n", "A", 1000, "o1"), order("n", "B", 1000, "o1"),
          order("n", "A", 2000, "o2"), order("n", "B", 2000, "o2"), order("n", "A", 3000, "o3")));
      // An import of an older order: its line is the oldest, so it is dropped at once, after o1's A.
      capped.append(List.of(order("n", "C", 500, "o0")));

      EventStore.HistoryWithRegularItems kept = capped.historyWithRegularItems("n", 50, 2, 50);
      assertEquals(List.of("B", "A", "B", "A"), itemIds(kept.history()));
      assertEquals(2, kept.regularItems().orders(), "o2 and o3; o1 is kept in part");
      assertEquals(List.of(new RegularItems.RegularItem("A", 2, Instant.ofEpochSecond(3000))),
          kept.regularItems().items());
      assertTrue(capped.userItems("n", 10).orElseThrow().boughtItemIds().contains("C"));
    }
  }

  @Test
  void load_cuttingInterleavedOrders_leavesOutEveryPartlyKeptOrder() {
    // o1's B line is stamped after o2's lines: a cap of 4 drops o1's A and o2's A.
    List<Dataset.Interaction> rows = List.of(bought("A", 1000, "o1", 0), bought("A", 2000, "o2", 1),
        bought("B", 2000, "o2", 2), bought("B", 3000, "o1", 3), bought("A", 4000, "o3", 4), bought("B", 4000, "o3", 5));
    try (EventStore capped = newStore(new StoreBounds(4, 1000, 1_000_000, Duration.ofDays(1), 1000))) {
      capped.load(new Dataset(TestData.small().items(), rows));

      EventStore.HistoryWithRegularItems kept = capped.historyWithRegularItems("n", 50, 2, 50);
      assertEquals(List.of("B", "B", "A", "B"), itemIds(kept.history()));
      assertEquals(1, kept.regularItems().orders(), "o3 alone is kept whole");
    }
  }

  @Test
  void regularItems_aLineArrivingAfterItsOrderClosed_countsInTheSameOrder() {
    // A second line of A in o1, stamped after o2: still o1, so A is bought in one order of two.
    store.append(List.of(order("n", "A", 1000, "o1"), order("n", "B", 2000, "o2")));
    store.append(List.of(order("n", "A", 3000, "o1")));

    RegularItems regular = store.historyWithRegularItems("n", 50, 2, 50).regularItems();
    assertEquals(2, regular.orders());
    assertEquals(List.of(), regular.items(), "A is not bought in 2 orders");
  }

  @Test
  void regularItems_aLineArrivingAfterTheCapCutItsOrderWhole_leavesTheOrderOut() {
    try (EventStore capped = cappedAt(3)) {
      // o1's one line goes (nothing of o1 kept), then the feedback; o1's late line is kept.
      capped.append(List.of(order("n", "A", 1000, "o1"), event("n", "F", 1500, EventType.FEEDBACK_NEGATIVE),
          order("n", "B", 2000, "o2"), order("n", "C", 3000, "o3")));
      capped.append(List.of(order("n", "A", 4000, "o1")));
      // The same after another order (o2) was cut whole since: o1 is no longer the order cut last.
      capped.append(List.of(order("m", "A", 1100, "o1"), order("m", "B", 1100, "o2"),
          event("m", "F", 1500, EventType.FEEDBACK_NEGATIVE), order("m", "C", 2000, "o3"), order("m", "D", 3000, "o4")));
      capped.append(List.of(order("m", "A", 4000, "o1")));

      EventStore.HistoryWithRegularItems n = capped.historyWithRegularItems("n", 50, 2, 50);
      assertEquals(List.of("B", "C", "A"), itemIds(n.history()));
      assertEquals(2, n.regularItems().orders(), "o2 and o3; o1 lost its first line");
      EventStore.HistoryWithRegularItems m = capped.historyWithRegularItems("m", 50, 2, 50);
      assertEquals(List.of("C", "D", "A"), itemIds(m.history()));
      assertEquals(2, m.regularItems().orders(), "o3 and o4; o1 lost its first line");
    }
  }

  @Test
  void load_thenALateLineOfAnOrderTheCapCutWhole_leavesTheOrderOut() {
    // A cap of 3 drops o1 and o2 whole.
    List<Dataset.Interaction> rows = List.of(bought("A", 1000, "o1", 0), bought("B", 2000, "o2", 1),
        bought("C", 3000, "o3", 2), bought("D", 4000, "o4", 3), bought("E", 5000, "o5", 4));
    try (EventStore capped = newStore(new StoreBounds(3, 1000, 1_000_000, Duration.ofDays(1), 1000))) {
      capped.load(new Dataset(TestData.small().items(), rows));
      capped.append(List.of(order("n", "A", 6000, "o1")));

      EventStore.HistoryWithRegularItems kept = capped.historyWithRegularItems("n", 50, 2, 50);
      assertEquals(List.of("D", "E", "A"), itemIds(kept.history()));
      assertEquals(2, kept.regularItems().orders(), "o4 and o5; the load cut o1");
    }
  }

  @Test
  void regularItems_aLateLineOfAnOrderCutBeforeTheCapOfLaterCuts_countsTheOrderWhole() {
    try (EventStore capped = cappedAt(2)) {
      for (String user : List.of("n", "m")) {
        capped.append(List.of(event(user, "F", 1500, EventType.FEEDBACK_NEGATIVE), order(user, "C", 3000, "o3")));
        // Older orders (an import): each goes as it comes, and o4's cut makes o1 the third order cut.
        capped.append(List.of(order(user, "A", 1000, "o1"), order(user, "B", 1100, "o2"), order(user, "D", 1200, "o4")));
      }
      // Each late line pushes out the feedback.
      capped.append(List.of(order("n", "A", 4000, "o1"), order("m", "B", 4000, "o2")));

      EventStore.HistoryWithRegularItems n = capped.historyWithRegularItems("n", 50, 2, 50);
      assertEquals(List.of("C", "A"), itemIds(n.history()));
      assertEquals(2, n.regularItems().orders(), "o1, past the cap of orders cut, is counted whole");
      EventStore.HistoryWithRegularItems m = capped.historyWithRegularItems("m", 50, 2, 50);
      assertEquals(List.of("C", "B"), itemIds(m.history()));
      assertEquals(1, m.regularItems().orders(), "o2 is one of the 2 orders cut last");
    }
  }

  /** User n's dataset purchase of {@code item} in order {@code basket}, the {@code seq}th row. */
  private static Dataset.Interaction bought(String item, long second, String basket, long seq) {
    return new Dataset.Interaction("n", item, second, 0, EventType.PURCHASE, basket, seq);
  }

  @Test
  void append_pushingOutPurchasesOfOrderIdsBeyondAscii_keepsTheirItemsAndOrder() {
    try (EventStore capped = cappedAt(2)) {
      // Order ids of 3-byte characters and of one outside the BMP (two chars in Java, 4 bytes in UTF-8).
      capped.append(List.of(order("n", "A", 1000, "订单1"), order("n", "B", 2000, "单😀2"),
          order("n", "C", 2000, "单😀2"), order("n", "D", 3000, "订单3")));

      assertEquals(Set.of("A", "B", "C", "D"), capped.userItems("n", 10).orElseThrow().boughtItemIds());
      // C and D are kept; B's going cut 单😀2, so 订单3 is the only whole order kept.
      assertEquals(1, capped.historyWithRegularItems("n", 50, 2, 50).regularItems().orders());
    }
  }

  @Test
  void regularItems_whenTheCapDroppedWholeOrdersOnly_countEveryKeptOrder() {
    try (EventStore capped = cappedAt(4)) {
      capped.append(List.of(order("n", "C", 500, "o0"),
          order("n", "A", 2000, "o2"), order("n", "B", 2000, "o2"),
          order("n", "A", 3000, "o3"), order("n", "B", 3000, "o3")));

      EventStore.HistoryWithRegularItems kept = capped.historyWithRegularItems("n", 50, 2, 50);
      assertEquals(2, kept.regularItems().orders(), "o0 went whole; o2 and o3 are kept whole");
      assertEquals(List.of(2, 2), kept.regularItems().items().stream().map(RegularItems.RegularItem::baskets).toList());
    }
  }

  @Test
  void regularItems_ofARecordLongerThanTheCap_countTheKeptOrdersAndSaySo() {
    try (EventStore capped = cappedAt(2)) {
      // u1 keeps D and A of basket i2 (t=200): one order; A's basket i1 (t=100) was dropped.
      EventStore.HistoryWithRegularItems kept = capped.historyWithRegularItems("u1", 50, 2, 50);
      assertTrue(kept.olderEventsDropped());
      assertEquals(1, kept.regularItems().orders());
      assertEquals(List.of(), kept.regularItems().items());

      assertFalse(store.historyWithRegularItems("u1", 50, 2, 50).olderEventsDropped(), "the whole record is kept");
      assertFalse(store.historyWithRegularItems("nobody", 50, 2, 50).olderEventsDropped());
    }
  }

  @Test
  void load_beyondTheTimelineCap_keepsTheMostRecentDatasetEvents() {
    try (EventStore capped = cappedAt(2)) {
      UserHistory history = capped.history("u1", 50);
      assertEquals(List.of("A", "D"), itemIds(history));
      assertEquals(5, history.totalEvents());
    }
  }

  @Test
  void putItems_addsNewItemsAndReplacesDisplayFieldsKeepingCounts() {
    store.putItems(List.of(new Dataset.Item("A", "Alpha mug, blue", "Acme", "Kitchen > Mugs", 2.5),
        new Dataset.Item("NEW", "New spaced", "", "", 0)));

    assertEquals(new CatalogItem("A", "Alpha mug, blue", "Acme", "Kitchen > Mugs", 2.5, "GBP", 3),
        store.item("A").orElseThrow());
    assertEquals(new CatalogItem("NEW", "New spaced", "", "", 0, "GBP", 0), store.item("NEW").orElseThrow());
    store.append(List.of(event("u9", "NEW", 10, EventType.PURCHASE)));
    assertEquals(1, store.item("NEW").orElseThrow().interactionCount());
    assertEquals(List.of("NEW"), itemIds(store.history("u9", 10)));
  }

  @Test
  void items_returnsTheKnownOnesById() {
    Map<String, CatalogItem> found = store.items(List.of("A", "Z", "C"));

    assertEquals(Set.of("A", "C"), found.keySet());
    assertEquals("Gamma, the bowl", found.get("C").title());
    assertEquals("Delta \"cup\"", store.item("D").orElseThrow().title());
  }

  @Test
  void recentPurchases_countPurchasesInTheHalfOpenWindowBeforeTheRequestTime() {
    // Purchases: A at 50, 100, 200; B at 10, 50, 100; E never; window [50, 200).
    long[] counts = store.recentPurchases(List.of("A", "B", "E", "not-in-catalogue"),
        Instant.ofEpochSecond(200), Duration.ofSeconds(150));

    assertArrayEquals(new long[] {2, 2, 0, 0}, counts);
    assertEquals(Optional.of(Instant.ofEpochSecond(200)), store.latestPurchaseTime());
  }

  @Test
  void recentPurchases_includeIngestedPurchasesAndIgnoreOtherEvents() {
    store.append(List.of(event("u9", "A", 150, EventType.PURCHASE),
        event("u9", "E", 160, EventType.CLICK), event("u9", "E", 300, EventType.PURCHASE)));

    assertArrayEquals(new long[] {3, 0}, store.recentPurchases(List.of("A", "E"),
        Instant.ofEpochSecond(200), Duration.ofSeconds(150)));
    assertArrayEquals(new long[] {1}, store.recentPurchases(List.of("E"),
        Instant.ofEpochSecond(301), Duration.ofSeconds(10)));
    assertEquals(Optional.of(Instant.ofEpochSecond(300)), store.latestPurchaseTime());
  }

  @Test
  void latestPurchaseTime_keepsNanosecondsAndIgnoresOlderEvents() {
    store.append(List.of(new NewEvent("u9", new RecordedEvent("A", Instant.ofEpochSecond(900, 5), EventType.PURCHASE))));
    store.append(List.of(event("u9", "A", 800, EventType.PURCHASE)));

    assertEquals(Optional.of(Instant.ofEpochSecond(900, 5)), store.latestPurchaseTime());
  }

  @Test
  void latestPurchaseTime_isNotMovedByAClickOrOtherEventLaterThanEverySale() {
    // A click stamped now on historical data would leave no sale recent for any shopper.
    AppendResult clicked = store.append(List.of(event("u9", "A", 5_000, EventType.CLICK),
        event("u9", "B", 6_000, EventType.ADD_TO_CART), event("u9", "E", 7_000, EventType.FEEDBACK_NEGATIVE)));

    assertEquals(List.of(Optional.of(Instant.ofEpochSecond(200)), Optional.of(Instant.ofEpochSecond(200))),
        List.of(clicked.latestBefore(), clicked.latestAfter()));
    assertEquals(Optional.of(Instant.ofEpochSecond(200)), store.latestPurchaseTime());
  }

  @Test
  void append_answersTheNewestPurchaseTimeBeforeAndAfterItsBatch() {
    Instant later = Instant.ofEpochSecond(300, 5);
    AppendResult moved = store.append(List.of(event("u9", "A", 250, EventType.CLICK),
        new NewEvent("u9", new RecordedEvent("E", later, EventType.PURCHASE), "t-1")));
    AppendResult older = store.append(List.of(event("u9", "A", 100, EventType.PURCHASE)));
    AppendResult resent = store.append(
        List.of(new NewEvent("u9", new RecordedEvent("E", Instant.ofEpochSecond(400), EventType.PURCHASE), "t-1")));

    assertEquals(List.of(Optional.of(Instant.ofEpochSecond(200)), Optional.of(later)),
        List.of(moved.latestBefore(), moved.latestAfter()), "the small dataset's newest event is at 200");
    assertEquals(List.of(Optional.of(later), Optional.of(later)), List.of(older.latestBefore(), older.latestAfter()));
    assertEquals(List.of(Optional.of(later), Optional.of(later)), List.of(resent.latestBefore(), resent.latestAfter()),
        "a duplicate stamped later stores nothing and moves nothing");
    AppendResult nothing = store.append(List.of());
    assertEquals(List.of(Optional.of(later), Optional.of(later)), List.of(nothing.latestBefore(), nothing.latestAfter()));
    assertEquals(Optional.of(later), store.latestPurchaseTime());
  }

  /**
   * Appends racing each other: each answers the step it made itself (after = the newer of before
   * and its own event), and the steps that moved the time chain up from the dataset's newest
   * event to the newest of all. Times read around the append instead of inside it fail this.
   */
  @Test
  void append_concurrently_eachAnswersItsOwnStepOfTheNewestPurchaseTime() throws Exception {
    int writers = 4;
    int perWriter = 1000;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<long[]>>> steps = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        steps.add(pool.submit(() -> {
          start.await();
          List<long[]> mine = new ArrayList<>();
          for (int i = 0; i < perWriter; i++) {
            // Interleaved times, mostly rising: 1000 + i * writers + writer, every 7th far older.
            long second = i % 7 == 6 ? 150 : 1000 + (long) i * writers + writer;
            AppendResult result = store.append(List.of(event("racer-" + writer, "A", second, EventType.PURCHASE)));
            mine.add(new long[] {result.latestBefore().orElseThrow().getEpochSecond(), second,
                result.latestAfter().orElseThrow().getEpochSecond()});
          }
          return mine;
        }));
      }
      start.countDown();
      List<long[]> moves = new ArrayList<>();
      for (Future<List<long[]>> writer : steps) {
        for (long[] step : writer.get(60, TimeUnit.SECONDS)) {
          assertEquals(Math.max(step[0], step[1]), step[2], "before " + step[0] + ", own event " + step[1]);
          if (step[2] > step[0]) {
            moves.add(step);
          }
        }
      }
      moves.sort((a, b) -> Long.compare(a[2], b[2]));
      long newest = 200;
      for (long[] move : moves) {
        assertEquals(newest, move[0], "each move starts where the one before ended");
        newest = move[2];
      }
      assertEquals(store.latestPurchaseTime().orElseThrow().getEpochSecond(), newest);
    } finally {
      pool.shutdownNow();
    }
  }

  private static NewEvent orderLine(String user, String item, String order, String eventId) {
    return new NewEvent(user, new RecordedEvent(item, Instant.ofEpochSecond(300), EventType.PURCHASE, order), eventId);
  }

  /**
   * Small dataset (both stores): A's neighbours B (2), C, D, F (1 each); E never bought. Ingested orders count
   * like the dataset's, lines of one order arriving in separate ingestions, and new items too.
   */
  @Test
  void append_ordersWithBasketIds_growTheCoPurchaseStatistics() {
    EventStore store = loaded(TestData.ROOMY);
    store.append(List.of(orderLine("u9", "E", "o1", ""), orderLine("u9", "D", "o1", "")));
    store.append(List.of(orderLine("u9", "A", "o1", "")));
    store.append(List.of(orderLine("u8", "E", "o7", ""), orderLine("u8", "A", "o7", "")));

    assertEquals(List.of(new CoPurchaseNeighbour("A", 2), new CoPurchaseNeighbour("D", 1)),
        store.coPurchaseNeighbours("E"));
    assertEquals(List.of(new CoPurchaseNeighbour("B", 2), new CoPurchaseNeighbour("D", 2),
            new CoPurchaseNeighbour("E", 2), new CoPurchaseNeighbour("C", 1), new CoPurchaseNeighbour("F", 1)),
        store.coPurchaseNeighbours("A"));
    CoPurchaseGraph graph = store.coPurchaseGraph();
    assertEquals(List.of(new CoPurchaseNeighbour("A", 2), new CoPurchaseNeighbour("D", 1)),
        graph.neighboursOf("E"));

    store.putItems(List.of(new Dataset.Item("G", "Eta jug", "", "", 2.0)));
    store.append(List.of(orderLine("u8", "G", "o7", "")));
    assertEquals(List.of(new CoPurchaseNeighbour("A", 1), new CoPurchaseNeighbour("E", 1)),
        store.coPurchaseNeighbours("G"));
    assertEquals(List.of(), graph.neighboursOf("G"), "a graph already handed out does not change");
  }

  @Test
  void append_resentOrRejectedLines_countNothing() {
    EventStore store = loaded(TestData.ROOMY);
    store.append(List.of(orderLine("u9", "E", "o1", "line-1")));
    store.append(List.of(orderLine("u9", "E", "o1", "line-1"), orderLine("u9", "D", "o1", "line-2")));
    store.append(List.of(orderLine("u9", "D", "o1", "line-2")));
    assertThrows(UnknownItemException.class,
        () -> store.append(List.of(orderLine("u9", "F", "o1", ""), orderLine("u9", "nope", "o1", ""))));
    // A line without an order id is in no basket.
    store.append(List.of(orderLine("u9", "C", "", "")));

    assertEquals(List.of(new CoPurchaseNeighbour("D", 1)), store.coPurchaseNeighbours("E"));
  }

  @Test
  void eraseUser_removesTheirHistoryAndBuyAgainItems_andNoOneElses() {
    // u1: 5 events of the dataset in orders i1 and i2, then one ingested under an event id in o9.
    store.append(List.of(new NewEvent("u1", new RecordedEvent("E", Instant.ofEpochSecond(300), EventType.PURCHASE,
        "o9"), "ev-1"), event("u1", "F", 310, EventType.CLICK)));
    UserHistory otherBefore = store.history("u2", 50);

    ErasedUser erased = store.eraseUser("u1");

    assertEquals(new ErasedUser(true, 7, 3), erased);
    assertFalse(store.history("u1", 50).knownUser());
    assertEquals(List.of(), store.history("u1", 50).events());
    EventStore.HistoryWithRegularItems both = store.historyWithRegularItems("u1", 50, 2, 50);
    assertEquals(List.of(), both.regularItems().items());
    assertEquals(0, both.regularItems().orders());
    assertFalse(both.history().knownUser());
    assertEquals(Optional.empty(), store.userItems("u1", 20));
    assertEquals(otherBefore, store.history("u2", 50));
  }

  @Test
  void eraseUser_twiceOrNeverSeen_findsNothingTheSecondTime() {
    assertTrue(store.eraseUser("u3").knownUser());

    assertEquals(ErasedUser.NOTHING, store.eraseUser("u3"));
    assertEquals(ErasedUser.NOTHING, store.eraseUser("never-seen"));
  }

  @Test
  void eraseUser_thenTheUserBuysAgain_startsANewRecord() {
    store.eraseUser("u1");

    store.append(List.of(order("u1", "E", 400, "o10")));

    assertEquals(List.of("E"), itemIds(store.history("u1", 50)));
    assertEquals(1, store.history("u1", 50).totalEvents());
    assertEquals(Set.of("E"), store.userItems("u1", 20).orElseThrow().boughtItemIds());
  }

  @Test
  void eraseUser_ofAUserOverTheCap_removesTheirDroppedPurchasesToo() {
    EventStore capped = cappedAt(2);
    try {
      assertEquals(new ErasedUser(true, 2, 1), capped.eraseUser("u1"));

      assertEquals(Optional.empty(), capped.userItems("u1", 20));
      capped.append(List.of(order("u1", "E", 400, "o10")));
      assertEquals(Set.of("E"), capped.userItems("u1", 20).orElseThrow().boughtItemIds(),
          "the items of u1's dropped purchases (B, C) are gone");
    } finally {
      capped.close();
    }
  }

  /**
   * An order whose every line the per-user cap dropped while it was still open is known under the
   * user (as their open order): erasing them withdraws its pairs, with those of the orders their
   * timeline holds.
   */
  @Test
  void eraseUser_openOrderTheCapDroppedWhole_withdrawsItsPairsToo() {
    try (EventStore capped = cappedAt(2)) {
      capped.append(List.of(order("capped", "E", 1000, "o1"), order("capped", "F", 1001, "o1"),
          order("capped", "D", 1002, "o2"), order("capped", "E", 1003, "o2")));
      assertEquals(List.of("D", "E"), itemIds(capped.history("capped", 50)), "o1's two lines dropped");
      assertEquals(List.of(new CoPurchaseNeighbour("D", 1), new CoPurchaseNeighbour("F", 1)),
          capped.coPurchaseNeighbours("E"));

      assertEquals(new ErasedUser(true, 2, 1), capped.eraseUser("capped"));

      assertEquals(List.of(), capped.coPurchaseNeighbours("E"));
      assertEquals(List.of(new CoPurchaseNeighbour("A", 1), new CoPurchaseNeighbour("B", 1)),
          capped.coPurchaseNeighbours("F"), "the dataset's order i3 of u2 counts on");
    }
  }

  /**
   * A line older than the timeline's purchases, which the per-user cap drops at once, still counts
   * in its open order: erasing the user withdraws the order as the store counted it (with B-D and
   * C-D), not as the timeline holds it (B-C alone).
   */
  @Test
  void eraseUser_openOrderLineTheCapDroppedAtOnce_withdrawsItsPairsToo() {
    try (EventStore capped = cappedAt(2)) {
      Map<String, List<CoPurchaseNeighbour>> withoutTheUser = neighboursOf(capped, "B", "C", "D");
      capped.append(List.of(order("w", "B", 200, "o"), order("w", "C", 210, "o")));
      capped.append(List.of(order("w", "D", 100, "o")));
      assertEquals(List.of("B", "C"), itemIds(capped.history("w", 50)), "D dropped at once");
      assertTrue(capped.coPurchaseNeighbours("D").contains(new CoPurchaseNeighbour("B", 1)), "B-D counted");

      capped.eraseUser("w");

      assertEquals(withoutTheUser, neighboursOf(capped, "B", "C", "D"));
    }
  }

  /** An open order of more lines than the cap keeps: erasing the user withdraws the dropped line's pairs too. */
  @Test
  void eraseUser_openOrderLargerThanTheCap_withdrawsThePairsOfItsDroppedLine() {
    try (EventStore capped = cappedAt(2)) {
      Map<String, List<CoPurchaseNeighbour>> withoutTheUser = neighboursOf(capped, "B", "C", "D");
      capped.append(List.of(order("w", "B", 200, "o"), order("w", "C", 210, "o"), order("w", "D", 220, "o")));
      assertEquals(List.of("C", "D"), itemIds(capped.history("w", 50)), "B dropped");

      capped.eraseUser("w");

      assertEquals(withoutTheUser, neighboursOf(capped, "B", "C", "D"));
    }
  }

  private static Map<String, List<CoPurchaseNeighbour>> neighboursOf(EventStore store, String... items) {
    return Arrays.stream(items).collect(Collectors.toMap(item -> item, store::coPurchaseNeighbours));
  }

  @Test
  void eraseUser_withdrawsTheirOrders_ingestedAndTheDatasets_fromCoPurchase() {
    store.append(List.of(order("buyer", "E", 400, "o1"), order("buyer", "F", 401, "o1")));
    assertEquals(List.of(new CoPurchaseNeighbour("F", 1)), store.coPurchaseNeighbours("E"));

    store.eraseUser("buyer");
    // u3's one order, i4, is B and C of the dataset; u1's i1 holds them too.
    store.eraseUser("u3");

    assertEquals(List.of(), store.coPurchaseNeighbours("E"));
    assertEquals(List.of(new CoPurchaseNeighbour("A", 2), new CoPurchaseNeighbour("C", 1),
        new CoPurchaseNeighbour("F", 1)), store.coPurchaseNeighbours("B"));
    CoPurchaseGraph graph = store.coPurchaseGraph();
    assertEquals(0, graph.neighbours(graph.indexOf("E")).length);
  }
}
