package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.glassbox.server.LogCapture;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The contract on the in-memory store, plus its bounds: eviction and the dedupe window. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InMemoryEventStoreTest extends EventStoreContractTest {
  private final AtomicLong nanos = new AtomicLong(1);

  @Override
  protected EventStore newStore(StoreBounds bounds) {
    return new InMemoryEventStore(100, 200, "GBP", bounds, nanos::get);
  }

  private static NewEvent click(String user, long second) {
    return new NewEvent(user, new RecordedEvent("A", Instant.ofEpochSecond(second), EventType.CLICK));
  }

  /**
   * Past its heap limit the store refuses what it is given, whole, rather than run the JVM out of
   * memory (and lose everything it held); reads go on.
   */
  @Test
  void appendAndPutItems_heapPastItsLimit_refuseWhole_andReadsGoOn() {
    double[] inUse = {0.86};
    InMemoryEventStore full = new InMemoryEventStore(100, 200, "GBP", TestData.ROOMY, nanos::get,
        new HeapRoom(() -> inUse[0], 0.85));
    full.load(TestData.small());
    long before = full.history("u1", 10).totalEvents();

    StoreFullException refused = assertThrows(StoreFullException.class,
        () -> full.append(List.of(click("u1", 500), click("heap", 501))));
    assertTrue(refused.getMessage().startsWith("the in-memory store refused 2 events: 86% of the heap's long-lived"
        + " part is in use after a collection, past its limit of 85%"), refused.getMessage());
    assertThrows(StoreFullException.class,
        () -> full.putItems(List.of(new Dataset.Item("Z", "Lamp", "", "", 0))));

    assertEquals(before, full.history("u1", 10).totalEvents());
    assertFalse(full.history("heap", 10).knownUser());
    assertTrue(full.item("Z").isEmpty());
    inUse[0] = 0.85;
    full.append(List.of(click("heap", 501)));
    assertTrue(full.history("heap", 10).knownUser());
  }

  @Test
  void append_cuttingOrders_remembersAsManyAsTheCapTheOneCutLongestAgoGoingFirst() {
    InMemoryEventStore capped = (InMemoryEventStore) loaded(new StoreBounds(3, 1000, 1_000_000, Duration.ofDays(1), 1000));

    capped.append(List.of(line("A", 1000, "o1"), line("A", 2000, "o2"), line("B", 2500, "o1"), line("C", 3000, "o3")));
    assertEquals(List.of("o1"), capped.cutOrders("n"), "o1's A went, its B is kept");
    capped.append(List.of(line("D", 4000, "o4")));
    assertEquals(List.of("o1", "o2"), capped.cutOrders("n"), "o2 went whole: a line of it may still come");
    capped.append(List.of(line("E", 5000, "o5")));
    assertEquals(List.of("o2", "o1"), capped.cutOrders("n"), "o1 is cut again, last");
    capped.append(List.of(line("F", 6000, "o6")));
    assertEquals(List.of("o2", "o1", "o3"), capped.cutOrders("n"));
    capped.append(List.of(line("A", 7000, "o7")));
    assertEquals(List.of("o1", "o3", "o4"), capped.cutOrders("n"), "past the cap of 3, o2 (cut longest ago) goes");
  }

  /** User n's purchase of {@code item} in order {@code basket}. */
  private static NewEvent line(String item, long second, String basket) {
    return new NewEvent("n", new RecordedEvent(item, Instant.ofEpochSecond(second), EventType.PURCHASE, basket));
  }

  /**
   * The reviewer's flood in small: new ids, one call each, past the user bound. Before, it evicted
   * the least recently active users whoever they were, the dataset's customers first (they are the
   * oldest); now it evicts its own oldest ids on probation, and the dataset's users stay whole.
   */
  @Test
  void append_floodOfNewIdsBeyondMaxUsers_evictsTheFloodsOldest_andKeepsTheDatasetsUsers() {
    InMemoryEventStore bounded = loadedWithin(10, 1000);

    newIdsOneCallEach(bounded, "flood", 20);

    assertDatasetUsersWhole(bounded);
    for (int i = 0; i < 13; i++) {
      assertFalse(bounded.history("flood" + i, 10).knownUser(), "flood" + i);
    }
    for (int i = 13; i < 20; i++) {
      assertTrue(bounded.history("flood" + i, 10).knownUser(), "flood" + i);
    }
    assertEquals(10, bounded.userCount());
    assertEquals(13, bounded.evictedUsers());
    assertEquals(0, bounded.evictedProtectedUsers());
  }

  /** The same past the event bound: 10 events loaded, room for 30; the flood keeps its newest 20. */
  @Test
  void append_floodOfNewIdsBeyondMaxEvents_evictsTheFloodsOldest_andKeepsTheDatasetsUsers() {
    InMemoryEventStore bounded = loadedWithin(1000, 30);

    newIdsOneCallEach(bounded, "flood", 40);

    assertDatasetUsersWhole(bounded);
    assertFalse(bounded.history("flood19", 10).knownUser());
    assertTrue(bounded.history("flood20", 10).knownUser());
    assertEquals(23, bounded.userCount());
  }

  /**
   * A user back in a later call is protected, and kept over newer one-shot ids; events in the
   * call that first stored the user, however many, do not make them return.
   */
  @Test
  void append_userBackInALaterCall_isKeptOverNewerOneShotIds() {
    InMemoryEventStore bounded = loadedWithin(6, 1000);
    bounded.append(List.of(click("back", 1)));
    bounded.append(List.of(click("once", 2), click("once", 3)));
    assertFalse(bounded.isProtected("back"));
    bounded.append(List.of(click("back", 4)));
    assertTrue(bounded.isProtected("back"));
    assertFalse(bounded.isProtected("once"), "two events in its first call: still on probation");

    newIdsOneCallEach(bounded, "new", 5);

    assertEquals(2, bounded.history("back", 10).totalEvents());
    assertFalse(bounded.history("once", 10).knownUser());
    assertTrue(bounded.history("u3", 10).knownUser());
    assertFalse(bounded.history("new2", 10).knownUser());
    assertTrue(bounded.history("new3", 10).knownUser());
    assertTrue(bounded.history("new4", 10).knownUser());
    assertEquals(0, bounded.evictedProtectedUsers());
  }

  /** An imported row is the admin's data, as the dataset is: its user is protected at once. */
  @Test
  void append_importedRow_protectsItsUser() {
    InMemoryEventStore store = (InMemoryEventStore) loaded(TestData.ROOMY);

    store.append(List.of(new NewEvent("imported", click("imported", 1).event(), "csv:1:1", 1)));

    assertTrue(store.isProtected("imported"));
    assertTrue(store.isProtected("u1"), "loaded from the dataset");
  }

  /**
   * Protected users hold at most 80% of the bound (here 4 of 6), so that new users always have
   * room: beyond it the least recently active protected user (u3) goes back on probation, behind
   * the older "once", and is evicted after it, before anyone protected.
   */
  @Test
  void append_protectedBeyondItsShare_leastRecentlyActiveGoesBackOnProbation_andIsEvictedBeforeProtected() {
    InMemoryEventStore bounded = loadedWithin(6, 1000);
    bounded.append(List.of(click("r1", 1)));
    bounded.append(List.of(click("r2", 2)));
    bounded.append(List.of(click("once", 3)));
    bounded.append(List.of(click("r1", 4), click("r2", 5)));

    assertFalse(bounded.isProtected("u3"));
    assertTrue(bounded.isProtected("u2"));
    bounded.append(List.of(click("n1", 6)));
    assertFalse(bounded.history("once", 10).knownUser());
    assertTrue(bounded.history("u3", 10).knownUser());
    bounded.append(List.of(click("n2", 7)));
    assertFalse(bounded.history("u3", 10).knownUser());
    bounded.append(List.of(click("n3", 8)));
    assertFalse(bounded.history("n1", 10).knownUser());
    assertTrue(bounded.history("u2", 10).knownUser());
    assertEquals(0, bounded.evictedProtectedUsers());
  }

  /**
   * Returning users promoted in one call push the protected segment past its share (4 of 6) during
   * the call: its least recently active users go back on probation as each is promoted, so that the
   * call's new user "x" stays and an idle dataset user goes. Before, the demotion ran only after
   * eviction, which emptied probation, "x" with it: acknowledged, then unknown.
   */
  @Test
  void append_callPromotingPastTheShare_keepsItsNewUser_andEvictsAnIdleDatasetUser() {
    InMemoryEventStore bounded = loadedWithin(6, 1000);
    bounded.append(List.of(click("a", 1)));
    bounded.append(List.of(click("b", 2)));
    bounded.append(List.of(click("c", 3)));

    AppendResult result = bounded.append(List.of(click("a", 4), click("b", 5), click("c", 6), click("x", 7)));

    assertEquals("stored 4, duplicates 0", TestData.counts(result));
    assertTrue(bounded.history("x", 10).knownUser());
    assertFalse(bounded.history("u3", 10).knownUser());
    assertEquals(6, bounded.userCount());
  }

  /** The same with the new user first in the call, before the promotions that demote. */
  @Test
  void append_newUserBeforeThePromotionsInItsCall_isKept() {
    InMemoryEventStore bounded = loadedWithin(6, 1000);
    bounded.append(List.of(click("a", 1)));
    bounded.append(List.of(click("b", 2)));
    bounded.append(List.of(click("c", 3)));

    bounded.append(List.of(click("x", 4), click("a", 5), click("b", 6), click("c", 7)));

    assertTrue(bounded.history("x", 10).knownUser());
    assertFalse(bounded.history("u3", 10).knownUser());
    assertEquals(6, bounded.userCount());
  }

  /**
   * The same past the event bound (10 of 13 events loaded, protected at most 10): a customer's three
   * events in the call that stores a new user's first demote u3 and u2, who go after "p".
   */
  @Test
  void append_protectedEventsPastTheShareInACall_keepTheCallsNewUser() {
    InMemoryEventStore bounded = loadedWithin(1000, 13);
    bounded.append(List.of(click("p", 1)));

    AppendResult result = bounded.append(List.of(click("u1", 300), click("u1", 301), click("u1", 302), click("x", 303)));

    assertEquals("stored 4, duplicates 0", TestData.counts(result));
    assertTrue(bounded.history("x", 10).knownUser());
    assertFalse(bounded.history("p", 10).knownUser());
    assertFalse(bounded.history("u3", 10).knownUser());
    assertEquals(8, bounded.history("u1", 10).totalEvents());
  }

  /**
   * The warning names the protected users put back on probation: u3, demoted at load (3 users, at
   * most 2 protected), then evicted by the first new id. Before, it said no evicted user had been
   * protected and the rest were new users on probation.
   */
  @Test
  void append_evictingADemotedDatasetUser_warnsOfTheUsersPutBackOnProbation() {
    try (LogCapture logged = LogCapture.of(InMemoryEventStore.class, Level.WARN)) {
      InMemoryEventStore bounded = loadedWithin(3, 1000);
      bounded.append(List.of(click("new", 1)));

      assertFalse(bounded.history("u3", 10).knownUser());
      assertEquals(List.of("In-memory store at its bound (3 users, 1000 events): 1 users evicted so far, the least "
              + "recently active first: 0 while protected (from the dataset, an import, or seen in more than one "
              + "call), 1 after being put back on probation past 80% of either bound while protected (1 put back so "
              + "far), the rest new users from probation; use GLASSBOX_FEATURE_STORE=redis to keep them"),
          logged.lines().stream().map(line -> line.getFormattedMessage()).toList());
    }
  }

  /**
   * Everyone protected (the dataset past the bound at load): the least recently active protected
   * user goes, u3, then u2.
   */
  @Test
  void load_everyoneProtectedBeyondMaxUsers_evictsTheLeastRecentlyActiveProtected() {
    InMemoryEventStore bounded = loadedWithin(1, 1000);

    assertTrue(bounded.history("u1", 10).knownUser());
    assertFalse(bounded.history("u2", 10).knownUser());
    assertFalse(bounded.history("u3", 10).knownUser());
    assertEquals(2, bounded.evictedProtectedUsers());
  }

  /** The store loaded with {@link TestData#small()} within {@code maxUsers} and {@code maxEvents}. */
  private InMemoryEventStore loadedWithin(int maxUsers, long maxEvents) {
    return (InMemoryEventStore) loaded(new StoreBounds(10, maxUsers, maxEvents, Duration.ofDays(1), 1000));
  }

  /** New ids {@code prefix}0 to {@code prefix}{@code count - 1}, a click each, in a call each. */
  private static void newIdsOneCallEach(InMemoryEventStore store, String prefix, int count) {
    for (int i = 0; i < count; i++) {
      store.append(List.of(click(prefix + i, 1000 + i)));
    }
  }

  /** The dataset's users u1, u2 and u3 hold all their events. */
  private static void assertDatasetUsersWhole(InMemoryEventStore store) {
    assertEquals(5, store.history("u1", 10).totalEvents());
    assertEquals(3, store.history("u2", 10).totalEvents());
    assertEquals(2, store.history("u3", 10).totalEvents());
  }

  /**
   * Loading more users than the bound keeps the most recently active, to the nanosecond: "a"'s last
   * event is 0.8 s after "b"'s, in the same second. Before, users of one second were ranked by id,
   * so "a" was evicted and "b" kept.
   */
  @Test
  void load_beyondMaxUsers_evictsTheLeastRecentlyActive_toTheNanosecond() {
    InMemoryEventStore bounded = new InMemoryEventStore(100, 200, "GBP",
        new StoreBounds(10, 1, 1000, Duration.ofDays(1), 1000), System::nanoTime);
    bounded.load(new Dataset(List.of(new Dataset.Item("A", "Mug", "", "", 0)), List.of(
        new Dataset.Interaction("a", "A", 100, 900_000_000, EventType.PURCHASE, "o1", 1),
        new Dataset.Interaction("b", "A", 100, 100_000_000, EventType.PURCHASE, "o2", 2))));

    assertTrue(bounded.history("a", 10).knownUser());
    assertFalse(bounded.history("b", 10).knownUser());
    assertEquals(1, bounded.evictedUsers());
  }

  @Test
  void append_beyondMaxEvents_evictsUsersUntilWithin() {
    // 10 dataset events; room for 11.
    InMemoryEventStore bounded = (InMemoryEventStore) loaded(
        new StoreBounds(10, 100, 11, Duration.ofDays(1), 1000));
    bounded.append(List.of(click("new", 1), click("new", 2)));

    // u3 (2 events) goes first; 10 + 2 - 2 = 10 events left.
    assertFalse(bounded.history("u3", 10).knownUser());
    assertTrue(bounded.history("u2", 10).knownUser());
    assertEquals(2, bounded.history("new", 10).totalEvents());
  }

  @Test
  void append_afterTheDedupeWindow_storesTheSameIdAgain() {
    InMemoryEventStore windowed = (InMemoryEventStore) loaded(
        new StoreBounds(10, 100, 1000, Duration.ofSeconds(60), 1000));
    NewEvent event = new NewEvent("u9", click("u9", 1).event(), "id");
    windowed.append(List.of(event));

    nanos.addAndGet(TimeUnit.SECONDS.toNanos(59));
    assertEquals("stored 0, duplicates 1", TestData.counts(windowed.append(List.of(event))));
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));
    assertEquals("stored 1, duplicates 0", TestData.counts(windowed.append(List.of(event))));
  }

  @Test
  void append_contentCopyRerunAfterItsIdWasForgotten_isADuplicate() {
    InMemoryEventStore windowed = (InMemoryEventStore) loaded(
        new StoreBounds(10, 100, 1000, Duration.ofDays(1), 1));
    NewEvent imported = new NewEvent("u9", click("u9", 1).event(), "csv:1:1", 1);
    windowed.append(List.of(imported, new NewEvent("u9", click("u9", 2).event(), "csv:2:1", 1)));

    assertEquals("stored 0, duplicates 1", TestData.counts(windowed.append(List.of(imported))));
    assertEquals(2, windowed.history("u9", 10).totalEvents());
  }

  @Test
  void append_moreIdsThanRemembered_forgetsTheOldestFirst() {
    InMemoryEventStore windowed = (InMemoryEventStore) loaded(
        new StoreBounds(10, 100, 1000, Duration.ofDays(1), 2));
    NewEvent first = new NewEvent("u9", click("u9", 1).event(), "1");
    windowed.append(List.of(first, new NewEvent("u9", click("u9", 2).event(), "2"),
        new NewEvent("u9", click("u9", 3).event(), "3")));

    assertEquals("stored 1, duplicates 0", TestData.counts(windowed.append(List.of(first))));
  }

  @Test
  void eraseUser_dropsTheUserFromTheCount() {
    InMemoryEventStore erasing = TestData.smallStore();
    int users = erasing.userCount();

    erasing.eraseUser("u2");

    assertEquals(users - 1, erasing.userCount());
    assertEquals(List.of(), erasing.cutOrders("u2"));
  }

  /**
   * Erasing a user evicted earlier (the store holds no record of them) still withdraws their open
   * orders, which are keyed by the user id and hold the items counted together: their pairs stop
   * counting, and a later line of the same basket starts an order of its own instead of pairing
   * with the erased items.
   */
  @Test
  void eraseUser_evictedEarlier_withdrawsTheirOpenOrders() {
    InMemoryEventStore erasing = (InMemoryEventStore) loaded(new StoreBounds(1000, 3, 10_000, Duration.ofDays(1), 1000));
    erasing.append(List.of(purchase("gone", "E", 1000, "o1"), purchase("gone", "F", 1001, "o1")));
    for (int user = 0; user < 5; user++) {
      erasing.append(List.of(click("flood" + user, 2000 + user)));
    }
    assertTrue(erasing.evictedUsers() > 0);
    assertEquals(0, erasing.cutOrders("gone").size(), "no record of gone held");
    assertEquals(List.of(new CoPurchaseNeighbour("F", 1)), erasing.coPurchaseNeighbours("E"));

    assertEquals(ErasedUser.NOTHING, erasing.eraseUser("gone"));
    erasing.append(List.of(purchase("gone", "D", 1002, "o1")));

    assertEquals(List.of(), erasing.coPurchaseNeighbours("E"), "E,F withdrawn; D is not paired with E");
  }

  private static NewEvent purchase(String user, String item, long second, String basket) {
    return new NewEvent(user, new RecordedEvent(item, Instant.ofEpochSecond(second), EventType.PURCHASE, basket));
  }
}
