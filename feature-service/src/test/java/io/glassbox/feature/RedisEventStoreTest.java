package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.glassbox.server.LogCapture;
import io.glassbox.server.RedisServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The contract on the Redis store over a real redis-server, plus what only a shared, durable
 * store does: survive a Redis crash, serve a second store on the same Redis, seed once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisEventStoreTest extends EventStoreContractTest {
  private static RedisServer redis;
  /** Each store gets its own database (of Redis's 16), emptied first. */
  private static int nextDatabase;

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.startFresh();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @Override
  protected EventStore newStore(StoreBounds bounds) {
    return TestData.redisStore(emptyDatabase(), bounds);
  }

  /** The next of Redis's databases, emptied. */
  private static URI emptyDatabase() {
    int database = nextDatabase++ % 16;
    try (Jedis jedis = redis.connect()) {
      jedis.select(database);
      jedis.flushDB();
    }
    return URI.create(redis.uri() + "/" + database);
  }

  @Test
  void load_onAnAofSyncedEverySecond_saysSoAtInfo_notWarn() {
    // deploy's shipped Redis (docker-compose, kubernetes): a documented choice, not a mistake.
    List<ILoggingEvent> said = durabilityLines("yes", "everysec");

    assertEquals(List.of(Level.INFO), said.stream().map(ILoggingEvent::getLevel).toList(), said.toString());
    assertTrue(said.get(0).getFormattedMessage().endsWith(" syncs its AOF every second (appendfsync everysec): a Redis "
        + "crash loses no acknowledged event while its disk keeps up; while a background fsync is slow Redis "
        + "postpones the AOF write by up to 2 s and still replies (its log says \"Asynchronous AOF fsync is taking "
        + "too long\"), so a crash then loses up to 2 s of them, as a machine failure can; --appendfsync always "
        + "loses none"), said.get(0).getFormattedMessage());
  }

  @Test
  void load_withoutAnAof_warns() {
    List<ILoggingEvent> said = durabilityLines("no", "everysec");

    assertEquals(List.of(Level.WARN), said.stream().map(ILoggingEvent::getLevel).toList(), said.toString());
  }

  @Test
  void load_onAnAofSyncedAlways_saysNothingOfIt() {
    assertEquals(List.of(), durabilityLines("yes", "always"));
  }

  /**
   * Redis killed and started again empty without an AOF, as an operator may bring it back: the
   * store seeds it again and warns as a start does, rather than going back to serving silently.
   */
  @Test
  void reseed_redisBackEmptyWithoutAnAof_warns() {
    try (RedisEventStore reseeding = TestData.redisStore(emptyDatabase())) {
      reseeding.load(TestData.small());
      redis.restartEmpty();

      List<ILoggingEvent> said = durabilityLines("no", "everysec", () -> {
        assertThrows(StoreDataLostException.class, reseeding::requireData);
        reseeding.reseed();
      });

      assertEquals(List.of(Level.WARN), said.stream().map(ILoggingEvent::getLevel).toList(), said.toString());
      assertEquals(5, reseeding.history("u1", 10).totalEvents(), "seeded again");
    }
  }

  /** What loading a store logs about its Redis's AOF (see the other durabilityLines). */
  private static List<ILoggingEvent> durabilityLines(String appendonly, String appendfsync) {
    return durabilityLines(appendonly, appendfsync, () -> {
      try (RedisEventStore store = TestData.redisStore(emptyDatabase())) {
        store.load(TestData.small());
      }
    });
  }

  /**
   * What {@code action} logs about Redis's AOF with the server switched to {@code appendonly} and
   * {@code appendfsync} (CONFIG SET; the store reads them with CONFIG GET); the server's own
   * settings (AOF synced always, which the crash tests need) are put back after.
   */
  private static List<ILoggingEvent> durabilityLines(String appendonly, String appendfsync, Runnable action) {
    try (Jedis jedis = redis.connect(); LogCapture logged = LogCapture.of(RedisEventStore.class, Level.INFO)) {
      jedis.configSet("appendonly", appendonly);
      jedis.configSet("appendfsync", appendfsync);
      try {
        action.run();
      } finally {
        jedis.configSet("appendonly", "yes");
        jedis.configSet("appendfsync", "always");
        // An AOF turned on again is on once Redis has rewritten it: until then a crash would lose writes.
        while (!aofOn(jedis.info("persistence"))) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
      }
      return logged.lines().stream().filter(line -> line.getFormattedMessage().contains("appendonly")
          || line.getFormattedMessage().contains("AOF")).toList();
    }
  }

  /** Whether INFO persistence says the AOF is on and no rewrite is running or waiting to. */
  private static boolean aofOn(String persistence) {
    return persistence.contains("aof_enabled:1") && persistence.contains("aof_rewrite_in_progress:0")
        && persistence.contains("aof_rewrite_scheduled:0");
  }

  private static NewEvent purchase(String user, String item, long second, String eventId) {
    return new NewEvent(user, new RecordedEvent(item, Instant.ofEpochSecond(second), EventType.PURCHASE), eventId);
  }

  @Test
  void append_acknowledged_survivesARedisCrash() {
    store.append(List.of(purchase("crash", "E", 300, "c1"), purchase("crash", "F", 301, "")));

    redis.kill();
    redis.start();

    UserHistory history = store.history("crash", 10);
    assertEquals(List.of("E", "F"), history.events().stream().map(RecordedEvent::itemId).toList());
    assertEquals(1, store.item("E").orElseThrow().interactionCount());
    // The dedupe key survived too: a retry after the crash is still recognised.
    assertEquals("stored 0, duplicates 1", TestData.counts(store.append(List.of(purchase("crash", "E", 300, "c1")))));
  }

  /**
   * Redis emptied under a loaded store: a read that finds the user unknown says the data is lost,
   * even before readiness's next ping, rather than "no history"; seeded again, the users are back.
   */
  @Test
  void history_redisEmptied_isDataLostNotAnUnknownUser_untilSeededAgain() {
    long events = store.history("u1", 10).totalEvents();

    redis.flushAll();

    assertThrows(StoreDataLostException.class, () -> store.history("u1", 10));
    ((RedisEventStore) store).reseed();
    assertEquals(events, store.history("u1", 10).totalEvents());
  }

  /**
   * The dataset is read again to seed an emptied Redis again: a data file changed since the start
   * is refused as another dataset is (the replica's co-purchase statistics are the start's), the
   * store refusing every call meanwhile; with the file as it was, the seed goes on.
   */
  @Test
  void reseed_dataFileChangedSinceTheStart_isRefused_untilItReadsAsLoaded(@TempDir Path data) throws IOException {
    Path interactions = data.resolve("interactions.csv");
    String loaded = "user_id,item_id,timestamp\nu1,A,2011-03-03T09:00:00Z\nu1,B,2011-03-04T09:00:00Z\n";
    Files.writeString(data.resolve("items.csv"), "item_id,title\nA,Mug\nB,Plate\n");
    Files.writeString(interactions, loaded);
    URI database = emptyDatabase();
    RedisEventStore reloading = TestData.redisStore(database);
    try (JedisPooled jedis = new JedisPooled(database, 2000)) {
      reloading.load(new DatasetReader(data)::read);
      jedis.flushDB();
      Files.writeString(interactions, loaded + "u2,A,2011-03-05T09:00:00Z\n");

      assertThrows(StoreDataLostException.class, reloading::requireData);
      DatasetException refused = assertThrows(DatasetException.class, reloading::reseed);
      assertTrue(refused.getMessage().contains("its files changed"), refused.getMessage());
      assertFalse(jedis.exists("glassbox:dataset"), "seeded the changed files");
      assertThrows(StoreDataLostException.class, () -> reloading.history("u1", 10));

      Files.writeString(interactions, loaded);
      reloading.reseed();
      assertEquals(2, reloading.history("u1", 10).totalEvents());
      assertEquals(UserHistory.unknown(), reloading.history("u2", 10));
    } finally {
      reloading.close();
    }
  }

  /**
   * A replica shut down while it seeds an emptied Redis again releases the seed lock, so another
   * replica on the same Redis seeds at once rather than waiting out the lock's 120 s; what the
   * first had written is seeded over, not counted twice.
   */
  @Test
  void close_whileSeedingAgain_releasesTheSeedLock_soAnotherStoreSeedsAtOnce() {
    URI database = emptyDatabase();
    Dataset shoppers = oneOrderEach(60_000);
    RedisEventStore closing = TestData.redisStore(database);
    closing.load(shoppers);
    ExecutorService seeding = Executors.newSingleThreadExecutor();
    try (JedisPooled jedis = new JedisPooled(database, 2000)) {
      jedis.flushDB();
      assertThrows(StoreDataLostException.class, closing::requireData);
      Future<?> reseed = seeding.submit(closing::reseed);
      while (!jedis.exists("glassbox:seed-lock")) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
      closing.close();
      assertThrows(ExecutionException.class, reseed::get);
      assertFalse(jedis.exists("glassbox:dataset"), "the seed finished before the store closed");

      RedisEventStore other = TestData.redisStore(database);
      try {
        long started = System.nanoTime();
        other.load(shoppers);
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(30), "waited for the seed lock");
        assertEquals(1, other.history("s7", 10).totalEvents());
        assertEquals(600, other.item("I7").orElseThrow().interactionCount());
      } finally {
        other.close();
      }
    } finally {
      seeding.shutdown();
    }
  }

  /**
   * Two replicas on one Redis that is flushed: both seed it again at once, the lock letting one
   * seed and the other wait for its marker, so the dataset's counts are there once, not twice;
   * then an event ingested through one is read through the other.
   */
  @Test
  void twoStores_redisFlushed_bothSeedAgain_theDatasetOnce_andShareLaterEvents() throws Exception {
    URI database = emptyDatabase();
    RedisEventStore first = TestData.redisStore(database);
    RedisEventStore second = TestData.redisStore(database);
    ExecutorService seeding = Executors.newFixedThreadPool(2);
    try (LogCapture logged = LogCapture.of(RedisEventStore.class, Level.INFO)) {
      first.load(TestData.small());
      second.load(TestData.small());

      redis.flushAll();

      assertThrows(StoreDataLostException.class, first::requireData);
      assertThrows(StoreDataLostException.class, second::requireData);
      int seededBefore = seeds(logged);
      Future<?> firstSeeds = seeding.submit(first::reseed);
      Future<?> secondSeeds = seeding.submit(second::reseed);
      firstSeeds.get();
      secondSeeds.get();
      // The seed lock: one replica writes the dataset, the other waits for its marker.
      assertEquals(1, seeds(logged) - seededBefore, "seeds after the flush");
      for (RedisEventStore replica : List.of(first, second)) {
        replica.requireData();
        assertEquals(5, replica.history("u1", 10).totalEvents());
        assertEquals(3, replica.item("A").orElseThrow().interactionCount());
      }
      first.append(List.of(purchase("u1", "E", 300, "after-flush")));
      UserHistory history = second.history("u1", 10);
      assertEquals(6, history.totalEvents());
      assertEquals("E", history.events().get(history.events().size() - 1).itemId());
    } finally {
      seeding.shutdown();
      first.close();
      second.close();
    }
  }

  private static int seeds(LogCapture logged) {
    return (int) logged.lines().stream().filter(line -> line.getFormattedMessage().startsWith("Seeded Redis")).count();
  }

  /** {@code shoppers} shoppers, each with one order of one of 100 items (I0 to I99). */
  private static Dataset oneOrderEach(int shoppers) {
    List<Dataset.Item> items = IntStream.range(0, 100)
        .mapToObj(i -> new Dataset.Item("I" + i, "Item " + i, "", "", 1)).toList();
    List<Dataset.Interaction> orders = IntStream.range(0, shoppers)
        .mapToObj(s -> new Dataset.Interaction("s" + s, "I" + s % 100, 100, 0, EventType.PURCHASE, "o" + s, 0))
        .toList();
    return new Dataset(items, orders);
  }

  /**
   * A catalogue import into an emptied Redis before readiness's next ping would write items that
   * let an ingestion in, whose counts and sequence the seed, which sets only what is absent, then
   * keeps: the user's dataset events lost, sequence numbers the dataset uses handed out again.
   */
  @Test
  void putItems_redisEmptied_isDataLost_andTheSeedRestoresTheDatasetsCounts() {
    long events = store.history("u1", 10).totalEvents();

    redis.flushAll();

    assertThrows(StoreDataLostException.class,
        () -> store.putItems(List.of(new Dataset.Item("E", "Eggcup", "", "", 1))));
    ((RedisEventStore) store).reseed();
    assertEquals(events, store.history("u1", 10).totalEvents());
  }

  @Test
  void append_dedupeKeyWrittenBeforeIdentitiesWereKept_isTakenAsTheSameEvent() {
    NewEvent event = purchase("upgraded", "E", 300, "u1");
    try (Jedis jedis = redis.connect()) {
      jedis.select((nextDatabase - 1) % 16);
      jedis.set(RedisEventStore.PREFIX + "e:" + event.dedupeKey(), "1");
    }

    assertEquals("stored 0, duplicates 1", TestData.counts(store.append(List.of(event))));
    assertEquals("stored 0, duplicates 1",
        TestData.counts(store.append(List.of(purchase("upgraded", "F", 300, "u1")))));
  }

  /**
   * A build before {@link EventIdentity#encoded} kept the event's words ("purchase of E in order
   * o1") under its dedupe key: within the window, a resend of that event is still a duplicate,
   * and another event under its id is refused naming it (its item the reading in the catalogue).
   */
  @Test
  void append_dedupeKeyHoldingTheEventsWordsFromAnEarlierBuild_takesItsResendAsADuplicate() {
    NewEvent event = new NewEvent("upgraded",
        new RecordedEvent("E", Instant.ofEpochSecond(300), EventType.PURCHASE, "o1"), "u2");
    try (Jedis jedis = redis.connect()) {
      jedis.select((nextDatabase - 1) % 16);
      jedis.set(RedisEventStore.PREFIX + "e:" + event.dedupeKey(), "purchase of E in order o1");
    }

    assertEquals("stored 0, duplicates 1", TestData.counts(store.append(List.of(event))));
    EventIdConflictException e = assertThrows(EventIdConflictException.class,
        () -> store.append(List.of(purchase("upgraded", "F", 300, "u2"))));
    assertEquals(new EventIdentity(EventType.PURCHASE, "E", "o1"), e.earlierEvent());
    assertFalse(store.history("upgraded", 50).knownUser());
  }

  /**
   * What a build before {@link EventIdentity#encoded} kept under an event's dedupe key, quoted from
   * it (NewEvent#identity at 906c650^) as the contract a replica of that build still holds: it
   * refuses ALREADY_EXISTS a resend whose words differ from these.
   */
  private static String earlierBuildsWords(EventType type, String itemId, String basketId) {
    return type.wireName() + " of " + itemId + (basketId.isEmpty() ? "" : " in order " + basketId);
  }

  private static String dedupeValue(NewEvent event) {
    try (Jedis jedis = redis.connect()) {
      jedis.select((nextDatabase - 1) % 16);
      return jedis.get(RedisEventStore.PREFIX + "e:" + event.dedupeKey());
    }
  }

  /** An earlier build's replica, during a rolling upgrade or after a rollback, takes its resend as a duplicate. */
  @Test
  void append_eventWithoutAnOrder_keepsTheWordsAnEarlierBuildWrote() {
    store.putItems(List.of(new Dataset.Item("gift card of 20", "Gift card", "", "", 1)));
    NewEvent purchase = purchase("rolling", "E", 300, "r1");
    NewEvent click = new NewEvent("rolling",
        new RecordedEvent("gift card of 20", Instant.ofEpochSecond(301), EventType.CLICK), "r2");

    store.append(List.of(purchase, click));

    assertEquals(earlierBuildsWords(EventType.PURCHASE, "E", ""), dedupeValue(purchase));
    assertEquals(earlierBuildsWords(EventType.CLICK, "gift card of 20", ""), dedupeValue(click));
    assertEquals("stored 0, duplicates 2", TestData.counts(store.append(List.of(purchase, click))));
    EventIdConflictException e = assertThrows(EventIdConflictException.class,
        () -> store.append(List.of(purchase("rolling", "F", 300, "r1"))));
    assertEquals(new EventIdentity(EventType.PURCHASE, "E", ""), e.earlierEvent());
  }

  /**
   * A build from 906c650 up to 3d1c759 kept every event encoded ("purchase:1:E"), also one this
   * build keeps as its words: after an upgrade, within the window, its resend is still a duplicate.
   */
  @Test
  void append_eventWithoutAnOrderKeptEncodedByAnEarlierBuild_takesItsResendAsADuplicate() {
    NewEvent event = purchase("r11user", "E", 300, "r11");
    store.append(List.of(event));
    try (Jedis jedis = redis.connect()) {
      jedis.select((nextDatabase - 1) % 16);
      jedis.set(RedisEventStore.PREFIX + "e:" + event.dedupeKey(), event.identity().encoded());
    }

    assertEquals("stored 0, duplicates 1", TestData.counts(store.append(List.of(event))));
    EventIdConflictException e = assertThrows(EventIdConflictException.class,
        () -> store.append(List.of(purchase("r11user", "F", 300, "r11"))));
    assertEquals(event.identity(), e.earlierEvent());
  }

  /**
   * The words of an event in an order, or of an item id holding " in order ", also name another
   * event ("purchase of A in order B": item A in order B, or item "A in order B" without one): such
   * an event is kept encoded, reads back exactly, and another event with its words is refused.
   */
  @Test
  void append_eventWhoseWordsReadTwoWays_isKeptEncoded_andAnotherWithItsWordsIsRefused() {
    store.putItems(List.of(new Dataset.Item("A in order B", "Alpha, in order", "", "", 1)));
    NewEvent inOrder = new NewEvent("ambiguous",
        new RecordedEvent("A", Instant.ofEpochSecond(300), EventType.PURCHASE, "B"), "a1");
    NewEvent spaced = new NewEvent("ambiguous",
        new RecordedEvent("A in order B", Instant.ofEpochSecond(301), EventType.PURCHASE), "a2");

    store.append(List.of(inOrder, spaced));

    assertEquals(Optional.of(inOrder.identity()), EventIdentity.decode(dedupeValue(inOrder)));
    assertEquals(Optional.of(spaced.identity()), EventIdentity.decode(dedupeValue(spaced)));
    assertEquals("stored 0, duplicates 2", TestData.counts(store.append(List.of(inOrder, spaced))));
    EventIdConflictException first = assertThrows(EventIdConflictException.class,
        () -> store.append(List.of(new NewEvent("ambiguous", spaced.event(), "a1"))));
    EventIdConflictException second = assertThrows(EventIdConflictException.class,
        () -> store.append(List.of(new NewEvent("ambiguous", inOrder.event(), "a2"))));
    assertEquals(inOrder.identity(), first.earlierEvent());
    assertEquals(spaced.identity(), second.earlierEvent());
  }

  @Test
  void secondStoreOnTheSameRedis_seesTheFirstOnesEventsWithoutSeedingAgain() {
    URI shared = URI.create(redis.uri() + "/" + ((nextDatabase - 1) % 16));
    store.append(List.of(purchase("shared", "A", 900, "s1")));

    try (RedisEventStore replica = TestData.redisStore(shared)) {
      replica.load(TestData.small());

      assertEquals(List.of("A"), replica.history("shared", 10).events().stream()
          .map(RecordedEvent::itemId).toList());
      // Seeding again would have doubled the dataset's counts.
      assertEquals(5, replica.history("u1", 50).totalEvents());
      assertEquals(4, replica.item("A").orElseThrow().interactionCount());
      assertEquals("stored 0, duplicates 1",
          TestData.counts(replica.append(List.of(purchase("shared", "A", 900, "s1")))));
    }
  }

  /**
   * Retrieval asks Redis for the shopper's record, then for the top of the popularity ranking
   * with its length (which best sellers are), in one round trip: the length was a third.
   */
  @Test
  void retrieve_shopperWithoutHistory_takesTwoRoundTrips() {
    URI shared = URI.create(redis.uri() + "/" + ((nextDatabase - 1) % 16));
    JedisPooled pooled = new JedisPooled(shared, 2000);
    try (RedisEventStore replica = new RedisEventStore(pooled, shared.toString(), 100, 200, "GBP", TestData.ROOMY)) {
      replica.load(TestData.small());
      CandidateRetriever retriever = new CandidateRetriever(replica, 20);
      long before = pooled.getPool().getBorrowedCount();

      assertEquals(5, retriever.retrieve("nobody", 500, true, 0).candidates().size());

      assertEquals(2, pooled.getPool().getBorrowedCount() - before, "connections taken from the pool");
    }
  }

  /** Replicas share the ingested orders: one started later reads them all, one running catches up. */
  @Test
  void ingestedOrders_countInEveryReplicasCoPurchaseStatistics() throws InterruptedException {
    URI shared = URI.create(redis.uri() + "/" + ((nextDatabase - 1) % 16));
    try (RedisEventStore running = TestData.redisStore(shared)) {
      running.load(TestData.small());
      assertEquals(List.of(), running.coPurchaseNeighbours("E"));

      store.append(List.of(inOrder("buyer", "E", "o1"), inOrder("buyer", "D", "o1")));
      store.append(List.of(inOrder("other", "E", "o1")));
      store.append(List.of(inOrder("other", "D", "o1")));
      List<CoPurchaseNeighbour> expected = List.of(new CoPurchaseNeighbour("D", 2));
      assertEquals(expected, store.coPurchaseNeighbours("E"), "the ingesting replica reads its own lines at once");

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (!running.coPurchaseNeighbours("E").equals(expected) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(expected, running.coPurchaseNeighbours("E"));
      try (RedisEventStore later = TestData.redisStore(shared)) {
        later.load(TestData.small());
        assertEquals(expected, later.coPurchaseNeighbours("E"));
        assertEquals(List.of(new CoPurchaseNeighbour("E", 2), new CoPurchaseNeighbour("A", 1)),
            later.coPurchaseNeighbours("D"));
      }
    }
  }

  /** An item imported through one replica is a new item in another's statistics, started later. */
  @Test
  void importedItem_isANewItemNeighbourInEveryReplica() {
    URI shared = URI.create(redis.uri() + "/" + ((nextDatabase - 1) % 16));
    store.putItems(List.of(new Dataset.Item("N", "New bowl", "", "", 2.0)));
    store.append(List.of(inOrder("buyer", "D", "n1"), inOrder("buyer", "N", "n1")));

    try (RedisEventStore later = TestData.redisStore(shared)) {
      later.load(TestData.small());
      CoPurchaseGraph graph = later.coPurchaseGraph();
      int n = graph.indexOf("N");
      int d = graph.indexOf("D");
      assertTrue(graph.isNewItem(n));
      assertFalse(graph.isNewItem(d));
      assertArrayEquals(new int[] {n}, graph.newItemNeighbours(d));
      assertArrayEquals(new int[] {1}, graph.newItemSharedBaskets(d));
      assertArrayEquals(new int[] {}, graph.newItemNeighbours(graph.indexOf("A")));
    }
  }

  private static NewEvent inOrder(String user, String item, String order) {
    return new NewEvent(user, new RecordedEvent(item, Instant.ofEpochSecond(400), EventType.PURCHASE, order));
  }

  @Test
  void load_redisHoldingAnotherDataset_isRefused() {
    URI used = URI.create(redis.uri() + "/" + ((nextDatabase - 1) % 16));
    Dataset other = new Dataset(List.of(new Dataset.Item("Q", "Other", "", "", 1)), List.of());

    try (RedisEventStore wrong = TestData.redisStore(used)) {
      DatasetException e = assertThrows(DatasetException.class, () -> wrong.load(other));
      assertTrue(e.getMessage().contains("another dataset"), e.getMessage());
    }
  }

  @Test
  void load_redisSeededInTheOlderLayout_isRefusedWithAClearMessage() {
    int database = nextDatabase++ % 16;
    try (Jedis jedis = redis.connect()) {
      jedis.select(database);
      jedis.flushDB();
      // A store before basket ids marked the seed with the bare fingerprint.
      jedis.set(RedisEventStore.PREFIX + "dataset", DatasetIndex.build(TestData.small(), 100, 200).fingerprint());
    }
    try (RedisEventStore old = TestData.redisStore(URI.create(redis.uri() + "/" + database))) {
      DatasetException e = assertThrows(DatasetException.class, () -> old.load(TestData.small()));
      assertTrue(e.getMessage().contains("older key layout"), e.getMessage());
    }
  }

  @Test
  void load_redisSeededByABuildWithoutDroppedPurchases_addsThemAndKeepsTheMarkerThatBuildAccepts() {
    int database = nextDatabase++ % 16;
    URI used = URI.create(redis.uri() + "/" + database);
    StoreBounds twoPerUser = new StoreBounds(2, 1000, 1_000_000, Duration.ofDays(1), 1000);
    String fingerprint = DatasetIndex.build(TestData.small(), 100, 200).fingerprint();
    try (Jedis jedis = redis.connect()) {
      jedis.select(database);
      jedis.flushDB();
    }
    try (RedisEventStore seeding = TestData.redisStore(used, twoPerUser)) {
      seeding.load(TestData.small());
    }
    try (Jedis jedis = redis.connect()) {
      jedis.select(database);
      // The marker a build without d: and c: keys requires (it compares it whole, and else takes
      // Redis for lost or another dataset): a rolling update or a rollback must find it so.
      assertEquals(fingerprint + " layout:2", jedis.get(RedisEventStore.PREFIX + "dataset"));
      // As such a build seeds it: the same marker, no d: or c: keys, nothing saying they were seeded.
      jedis.del(RedisEventStore.PREFIX + "d:u1", RedisEventStore.PREFIX + "c:u1", RedisEventStore.PREFIX + "d:u2",
          RedisEventStore.PREFIX + "c:u2", RedisEventStore.PREFIX + "dropped-seeded");
    }
    try (RedisEventStore upgraded = TestData.redisStore(used, twoPerUser)) {
      upgraded.load(TestData.small());

      assertEquals(Set.of("A", "B", "C", "D"), upgraded.userItems("u1", 10).orElseThrow().boughtItemIds());
      assertEquals(Set.of("A", "B", "F"), upgraded.userItems("u2", 10).orElseThrow().boughtItemIds());
    }
    try (Jedis jedis = redis.connect()) {
      jedis.select(database);
      assertEquals(fingerprint + " layout:2", jedis.get(RedisEventStore.PREFIX + "dataset"));
      assertEquals(fingerprint, jedis.get(RedisEventStore.PREFIX + "dropped-seeded"));
      // As the build that marked these keys with a layout 3 left it: taken back to the marker of layout 2.
      jedis.set(RedisEventStore.PREFIX + "dataset", fingerprint + " layout:3");
      jedis.del(RedisEventStore.PREFIX + "dropped-seeded");
    }
    try (RedisEventStore back = TestData.redisStore(used, twoPerUser)) {
      back.load(TestData.small());
      assertEquals(Set.of("A", "B", "C", "D"), back.userItems("u1", 10).orElseThrow().boughtItemIds());
    }
    try (Jedis jedis = redis.connect()) {
      jedis.select(database);
      assertEquals(fingerprint + " layout:2", jedis.get(RedisEventStore.PREFIX + "dataset"));
    }
  }

  @Test
  void load_seedingTheDroppedPurchasesAgainAfterIngestion_keepsTheOrderIngestionCut() {
    int database = nextDatabase++ % 16;
    URI used = URI.create(redis.uri() + "/" + database);
    StoreBounds twoPerUser = new StoreBounds(2, 1000, 1_000_000, Duration.ofDays(1), 1000);
    try (Jedis jedis = redis.connect()) {
      jedis.select(database);
      jedis.flushDB();
    }
    try (RedisEventStore seeding = TestData.redisStore(used, twoPerUser)) {
      seeding.load(TestData.small());
      // u1 keeps A and D of i2; the seed cut i1. A line of z9 now pushes out one of i2.
      seeding.append(List.of(inOrder("u1", "E", "z9")));
    }
    try (Jedis jedis = redis.connect()) {
      jedis.select(database);
      assertEquals("i2", jedis.get(RedisEventStore.PREFIX + "c:u1"));
      // As if the seed of the dropped purchases had not been recorded: the next start runs it again.
      jedis.del(RedisEventStore.PREFIX + "dropped-seeded");
    }
    try (RedisEventStore again = TestData.redisStore(used, twoPerUser)) {
      again.load(TestData.small());
    }
    try (Jedis jedis = redis.connect()) {
      jedis.select(database);
      assertEquals("i2", jedis.get(RedisEventStore.PREFIX + "c:u1"), "the seed's i1 is older than the cut i2");
    }
  }

  @Test
  void append_cuttingOrders_remembersAsManyAsTheCapTheOneCutLongestAgoGoingFirst() {
    URI used = emptyDatabase();
    try (RedisEventStore capped = TestData.redisStore(used, new StoreBounds(3, 1000, 1_000_000, Duration.ofDays(1), 1000));
        Jedis jedis = redis.connect()) {
      capped.load(TestData.small());
      jedis.select(Integer.parseInt(used.getPath().substring(1)));
      String cutOrders = RedisEventStore.PREFIX + "cut:n";

      capped.append(List.of(line("A", 1000, "o1"), line("A", 2000, "o2"), line("B", 2500, "o1"), line("C", 3000, "o3")));
      assertEquals(List.of("o1"), jedis.zrange(cutOrders, 0, -1), "o1's A went, its B is kept");
      capped.append(List.of(line("D", 4000, "o4")));
      assertEquals(List.of("o1", "o2"), jedis.zrange(cutOrders, 0, -1), "o2 went whole: a line of it may still come");
      capped.append(List.of(line("E", 5000, "o5")));
      assertEquals(List.of("o2", "o1"), jedis.zrange(cutOrders, 0, -1), "o1 is cut again, last");
      capped.append(List.of(line("F", 6000, "o6")));
      assertEquals(List.of("o2", "o1", "o3"), jedis.zrange(cutOrders, 0, -1));
      capped.append(List.of(line("A", 7000, "o7")));
      assertEquals(List.of("o1", "o3", "o4"), jedis.zrange(cutOrders, 0, -1), "past the cap of 3, o2 (cut longest ago) goes");
    }
  }

  /**
   * Batches at the cap that mix purchases, turned-down items, clicks, carts and events older than
   * the ones the cap's drops have read past leave each timeline, bought and cut orders as the
   * in-memory store leaves them: the script reads on from where its last drop stopped (one read of
   * a timeline per batch, not one per drop), and picks the victim a read from the start picks.
   */
  @Test
  void append_mixedBatchesAtTheCap_keepWhatTheInMemoryStoreKeeps() {
    StoreBounds bounds = new StoreBounds(40, 1000, 1_000_000, Duration.ofDays(1), 1000);
    Random random = new Random(21);
    EventType[] types = EventType.values();
    List<String> users = List.of("m1", "m2");
    try (EventStore onRedis = loaded(bounds);
        InMemoryEventStore inMemory = new InMemoryEventStore(100, 200, "GBP", bounds, System::nanoTime)) {
      inMemory.load(TestData.small());
      int nanos = 0;
      long newest = 10_000;
      for (int batch = 0; batch < 8; batch++) {
        List<NewEvent> events = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
          // Purchases mostly, as a shop's timelines are at the cap; a third older than the newest.
          EventType type = random.nextInt(3) > 0 ? EventType.PURCHASE : types[random.nextInt(types.length)];
          long second = random.nextInt(3) == 0 ? 10_000 + random.nextInt((int) (newest - 9_999)) : ++newest;
          String basket = type == EventType.PURCHASE ? "o" + random.nextInt(30) : "";
          events.add(new NewEvent(users.get(random.nextInt(users.size())), new RecordedEvent(
              String.valueOf((char) ('A' + random.nextInt(6))), Instant.ofEpochSecond(second, ++nanos), type, basket)));
        }
        onRedis.append(events);
        inMemory.append(events);
        for (String user : users) {
          assertEquals(inMemory.history(user, 100), onRedis.history(user, 100), user + " after batch " + batch);
          assertEquals(inMemory.userItems(user, 10), onRedis.userItems(user, 10), user + " after batch " + batch);
          assertEquals(inMemory.historyWithRegularItems(user, 100, 2, 50),
              onRedis.historyWithRegularItems(user, 100, 2, 50), user + " after batch " + batch);
        }
      }
    }
  }

  @Test
  void historyWithRegularItems_ofAUserWhoseCutOrdersABuildBeforeCutKeysWrote_leavesOutTheOrderInC() {
    URI used = emptyDatabase();
    try (RedisEventStore capped = TestData.redisStore(used, new StoreBounds(3, 1000, 1_000_000, Duration.ofDays(1), 1000));
        Jedis jedis = redis.connect()) {
      capped.load(TestData.small());
      jedis.select(Integer.parseInt(used.getPath().substring(1)));

      capped.append(List.of(line("A", 1000, "o1"), line("B", 1000, "o1"), line("A", 2000, "o2"), line("B", 2000, "o2")));
      // A build before cut: keys writes c: alone: what it cut is still left out.
      jedis.del(RedisEventStore.PREFIX + "cut:n");
      assertEquals("o1", jedis.get(RedisEventStore.PREFIX + "c:n"));
      assertEquals(1, capped.historyWithRegularItems("n", 50, 2, 50).regularItems().orders(), "o2 alone is whole");
    }
  }

  @Test
  void load_seedingTheCutOrdersAgainAfterIngestion_keepsTheOrdersIngestionCutNewestAndTheCap() {
    URI used = emptyDatabase();
    StoreBounds twoPerUser = new StoreBounds(2, 1000, 1_000_000, Duration.ofDays(1), 1000);
    String cutOrders = RedisEventStore.PREFIX + "cut:u1";
    try (RedisEventStore seeding = TestData.redisStore(used, twoPerUser); Jedis jedis = redis.connect()) {
      jedis.select(Integer.parseInt(used.getPath().substring(1)));
      // u1 keeps A and D of i2 (t=200); the seed cut i1 (t=100). Older lines go as they come.
      seeding.load(TestData.small());
      assertEquals(List.of("i1"), jedis.zrange(cutOrders, 0, -1));
      seeding.append(List.of(order("u1", "B", 50, "i2"), order("u1", "C", 40, "i1")));
      assertEquals(List.of("i2", "i1"), jedis.zrange(cutOrders, 0, -1));
      seedCutOrdersAgain(used, twoPerUser, jedis);
      assertEquals(List.of("i2", "i1"), jedis.zrange(cutOrders, 0, -1), "i1 stays the order cut last");

      seeding.append(List.of(order("u1", "B", 30, "z7"), order("u1", "C", 20, "z8")));
      assertEquals(List.of("z7", "z8"), jedis.zrange(cutOrders, 0, -1));
      seedCutOrdersAgain(used, twoPerUser, jedis);
      assertEquals(List.of("z7", "z8"), jedis.zrange(cutOrders, 0, -1), "the seed's i1, cut before them, past the cap");
    }
  }

  /** Starts a store of the small dataset on {@code used} as if its cut orders had not been seeded. */
  private static void seedCutOrdersAgain(URI used, StoreBounds bounds, Jedis jedis) {
    jedis.del(RedisEventStore.PREFIX + "cut-orders-seeded");
    try (RedisEventStore again = TestData.redisStore(used, bounds)) {
      again.load(TestData.small());
    }
  }

  /** {@code user}'s purchase of {@code item} in order {@code basket}. */
  private static NewEvent order(String user, String item, long second, String basket) {
    return new NewEvent(user, new RecordedEvent(item, Instant.ofEpochSecond(second), EventType.PURCHASE, basket));
  }

  @Test
  void load_redisSeededByABuildWithoutCutOrders_addsThem() {
    URI used = emptyDatabase();
    StoreBounds fourPerUser = new StoreBounds(4, 1000, 1_000_000, Duration.ofDays(1), 1000);
    // o1's B is stamped after o2's lines: a cap of 4 drops o1's A and o2's A, so o3 alone is whole.
    Dataset interleaved = new Dataset(TestData.small().items(), List.of(
        new Dataset.Interaction("n", "A", 1000, 0, EventType.PURCHASE, "o1", 0),
        new Dataset.Interaction("n", "A", 2000, 0, EventType.PURCHASE, "o2", 1),
        new Dataset.Interaction("n", "B", 2000, 0, EventType.PURCHASE, "o2", 2),
        new Dataset.Interaction("n", "B", 3000, 0, EventType.PURCHASE, "o1", 3),
        new Dataset.Interaction("n", "A", 4000, 0, EventType.PURCHASE, "o3", 4),
        new Dataset.Interaction("n", "B", 4000, 0, EventType.PURCHASE, "o3", 5)));
    try (RedisEventStore seeding = TestData.redisStore(used, fourPerUser)) {
      seeding.load(interleaved);
    }
    try (Jedis jedis = redis.connect()) {
      jedis.select(Integer.parseInt(used.getPath().substring(1)));
      // As a build before cut: keys seeds it: the markers it knows, no cut: keys.
      jedis.del(RedisEventStore.PREFIX + "cut:n", RedisEventStore.PREFIX + "cut-orders-seeded");
    }
    try (RedisEventStore upgraded = TestData.redisStore(used, fourPerUser)) {
      upgraded.load(interleaved);

      assertEquals(1, upgraded.historyWithRegularItems("n", 50, 2, 50).regularItems().orders());
    }
  }

  /** User n's purchase of {@code item} in order {@code basket}. */
  private static NewEvent line(String item, long second, String basket) {
    return new NewEvent("n", new RecordedEvent(item, Instant.ofEpochSecond(second), EventType.PURCHASE, basket));
  }

  @Test
  void append_dedupeKey_expiresWithTheWindow() {
    store.append(List.of(purchase("ttl", "A", 1, "t1")));

    try (Jedis jedis = redis.connect()) {
      jedis.select((nextDatabase - 1) % 16);
      long ttl = jedis.ttl(RedisEventStore.PREFIX + "e:" + new NewEvent("ttl",
          new RecordedEvent("A", Instant.EPOCH, EventType.PURCHASE), "t1").dedupeKey());
      assertTrue(ttl > Duration.ofDays(1).toSeconds() - 60 && ttl <= Duration.ofDays(1).toSeconds(),
          "ttl " + ttl);
    }
  }

  @Test
  void everyCall_redisUnreachable_throwsUnavailable() {
    URI nowhere = URI.create("redis://127.0.0.1:1");
    try (RedisEventStore down = TestData.redisStore(nowhere)) {
      StoreUnavailableException e = assertThrows(StoreUnavailableException.class,
          () -> down.load(TestData.small()));
      assertTrue(e.getMessage().contains("cannot be reached"), e.getMessage());
    }
  }

  /**
   * Erasure leaves no key that names the user (SCAN for the id in key names), none of their lines
   * in the order lines stream, and the user count one lower; other users' keys and lines stay.
   */
  @Test
  void eraseUser_leavesNoKeyNamingTheUser_norTheirOrderLines() {
    URI uri = emptyDatabase();
    try (RedisEventStore erasing = TestData.redisStore(uri, new StoreBounds(2, 1000, 1_000_000,
        Duration.ofDays(1), 1000)); Jedis jedis = redis.connect()) {
      erasing.load(TestData.small());
      jedis.select(Integer.parseInt(uri.getPath().substring(1)));
      erasing.append(List.of(new NewEvent("u1", new RecordedEvent("E", Instant.ofEpochSecond(300),
              EventType.PURCHASE, "o9"), "ev-1"), new NewEvent("u1", new RecordedEvent("F", Instant.ofEpochSecond(301),
              EventType.PURCHASE, "o9"), "ev-*?[2]"),
          new NewEvent("u2", new RecordedEvent("E", Instant.ofEpochSecond(300), EventType.PURCHASE, "o8"), "ev-1")));
      assertFalse(keysNaming("u1", jedis).isEmpty(), "u1's timeline, dropped items, cut orders and dedupe keys");
      assertEquals(List.of("u1", "u1", "u2"), orderLineUsers(jedis));
      long users = jedis.hlen("glassbox:users");

      ErasedUser erased = erasing.eraseUser("u1");

      assertEquals(new ErasedUser(true, 2, 1), erased, "the cap of 2 keeps o9's two lines");
      assertEquals(List.of(), keysNaming("u1", jedis));
      assertEquals(List.of(), orderLineUsers(jedis), "compacted up to the withdrawal, u2's line too");
      assertTrue(jedis.xrange(RedisEventStore.ORDER_LINES, "-", "+", 1000).stream()
          .noneMatch(line -> line.getFields().containsValue("u1")), "the withdrawal line names no user");
      assertEquals(users - 1, jedis.hlen("glassbox:users"));
      assertTrue(keysNaming("u2", jedis).containsAll(List.of("glassbox:e:2:u2ev-1", "glassbox:t:u2")));
    }
  }

  /**
   * An event of the user ingested after the erasure looked for their dedupe keys, and before its
   * script ran, is erased with the rest: its dedupe key goes too (it stayed, naming user and event,
   * for the dedupe window).
   */
  @Test
  void eraseUser_eventIngestedWhileErasing_itsDedupeKeyGoesToo() {
    URI uri = emptyDatabase();
    try (RedisEventStore ingesting = TestData.redisStore(uri);
        RedisEventStore erasing = new RedisEventStore(new IngestingAtScan(uri, 1, false,
            () -> ingesting.append(List.of(purchase("racer", "E", 301, "ev-late")))), uri.toString(), 100, 200, "GBP",
            TestData.ROOMY);
        Jedis jedis = redis.connect()) {
      ingesting.load(TestData.small());
      erasing.load(TestData.small());
      jedis.select(Integer.parseInt(uri.getPath().substring(1)));
      ingesting.append(List.of(purchase("racer", "E", 300, "ev-early")));

      assertEquals(new ErasedUser(true, 2, 0), erasing.eraseUser("racer"));

      assertEquals(List.of(), keysNaming("racer", jedis));
    }
  }

  /**
   * An event of the user ingested after the erase script ran, while the erasure looks for the
   * dedupe keys of the events it erased, is kept: so is its dedupe key, and a resend of it within
   * the dedupe window is a duplicate, not stored twice. Also when it reuses the id of an event the
   * erasure removed (its key was deleted first, so the resend was stored afresh), and for an event
   * in an order (its key holds the identity's encoded form, not the words an earlier build wrote).
   */
  @Test
  void eraseUser_eventIngestedAfterTheErasure_keepsItsDedupeKey_soAResendIsADuplicate() {
    URI uri = emptyDatabase();
    List<NewEvent> after = List.of(purchase("racer", "F", 302, "ev-after"), purchase("racer", "E", 300, "ev-early"),
        new NewEvent("racer", new RecordedEvent("D", Instant.ofEpochSecond(303), EventType.PURCHASE, "o7"), "ev-order"));
    try (RedisEventStore ingesting = TestData.redisStore(uri)) {
      AppendResult resent = resendAfterErasingWhileIngesting(uri, ingesting, after);

      assertEquals(3, resent.duplicates(), "each event was stored once, after the erasure");
      assertEquals(3, ingesting.history("racer", 10).events().size());
    }
  }

  /**
   * Events ingested after the erase script that the per-user cap dropped at once are not in the
   * records, but their purchases are (as dropped items): their dedupe keys are kept, and a resend
   * is a duplicate, with or without an order.
   */
  @Test
  void eraseUser_purchasesTheCapDroppedAfterTheErasure_keepTheirDedupeKeys_soAResendIsADuplicate() {
    URI uri = emptyDatabase();
    List<NewEvent> after = List.of(purchase("racer", "F", 301, "ev-f"), new NewEvent("racer",
        new RecordedEvent("D", Instant.ofEpochSecond(302), EventType.PURCHASE, "o7"), "ev-d"),
        purchase("racer", "E", 303, "ev-e"));
    try (RedisEventStore ingesting = TestData.redisStore(uri, new StoreBounds(1, 1000, 1_000_000,
        Duration.ofDays(1), 1000))) {
      AppendResult resent = resendAfterErasingWhileIngesting(uri, ingesting, after);

      assertEquals(List.of("E"), ingesting.history("racer", 10).events().stream().map(RecordedEvent::itemId).toList(),
          "the cap of 1 dropped F and D");
      assertEquals(3, resent.duplicates(), "each event was stored once, after the erasure");
    }
  }

  /**
   * Erases user racer (one event, "ev-early") while {@code ingesting} appends {@code after} once the
   * erase script ran (as the erasure's second SCAN starts), then resends {@code after} and returns
   * what that found.
   */
  private static AppendResult resendAfterErasingWhileIngesting(URI uri, RedisEventStore ingesting,
      List<NewEvent> after) {
    try (RedisEventStore erasing = new RedisEventStore(new IngestingAtScan(uri, 2, true,
        () -> ingesting.append(after)), uri.toString(), 100, 200, "GBP", TestData.ROOMY)) {
      ingesting.load(TestData.small());
      erasing.load(TestData.small());
      ingesting.append(List.of(purchase("racer", "E", 300, "ev-early")));

      assertEquals(new ErasedUser(true, 1, 0), erasing.eraseUser("racer"));
    }
    return ingesting.append(after);
  }

  /**
   * Erasing a user of many dedupe keys deletes them, and reads those found after the erase script,
   * at most 1,000 a command: one DEL of 300,000 keys held Redis's other clients 459 ms (11 ms paged).
   */
  @Test
  void eraseUser_manyDedupeKeys_namesAtMost1000KeysACommand() {
    URI uri = emptyDatabase();
    List<NewEvent> many = IntStream.range(0, 2500).mapToObj(n -> purchase("many", "E", 300 + n, "ev-" + n)).toList();
    try (RedisEventStore ingesting = TestData.redisStore(uri)) {
      IngestingAtScan connection = new IngestingAtScan(uri, 2, true, () -> appendByHundreds(ingesting, many.subList(0, 1200)));
      try (RedisEventStore erasing = new RedisEventStore(connection, uri.toString(), 100, 200, "GBP", TestData.ROOMY)) {
        ingesting.load(TestData.small());
        erasing.load(TestData.small());
        appendByHundreds(ingesting, many);

        erasing.eraseUser("many");

        assertTrue(connection.mostKeysACommand > 0 && connection.mostKeysACommand <= 1000,
            "most keys a command: " + connection.mostKeysACommand);
        assertEquals(1200, appendByHundreds(ingesting, many.subList(0, 1200)), "ingested after the script, kept");
      }
    }
  }

  /** Appends {@code events} a hundred a call (a call of thousands outlasts the socket timeout); returns the duplicates. */
  private static int appendByHundreds(RedisEventStore store, List<NewEvent> events) {
    int duplicates = 0;
    for (int from = 0; from < events.size(); from += 100) {
      duplicates += store.append(events.subList(from, Math.min(events.size(), from + 100))).duplicates();
    }
    return duplicates;
  }

  /**
   * A connection that runs {@code meanwhile} once during its SCAN pass number {@code pass} (1 for
   * the first; a pass starts at cursor 0), before or after its first page: an ingestion racing an
   * erasure.
   */
  private static final class IngestingAtScan extends JedisPooled {
    private final int pass;
    private final boolean beforeItsFirstPage;
    private final Runnable meanwhile;
    private int passes;
    private boolean ran;
    /** The most keys one DEL or MGET named. */
    private int mostKeysACommand;

    IngestingAtScan(URI uri, int pass, boolean beforeItsFirstPage, Runnable meanwhile) {
      super(uri, 2000);
      this.pass = pass;
      this.beforeItsFirstPage = beforeItsFirstPage;
      this.meanwhile = meanwhile;
    }

    @Override
    public ScanResult<String> scan(String cursor, ScanParams params) {
      if (cursor.equals(ScanParams.SCAN_POINTER_START)) {
        passes++;
      }
      boolean now = !ran && passes == pass;
      if (now && beforeItsFirstPage) {
        ran = true;
        meanwhile.run();
      }
      ScanResult<String> page = super.scan(cursor, params);
      if (now && !ran) {
        ran = true;
        meanwhile.run();
      }
      return page;
    }

    @Override
    public long del(String... keys) {
      mostKeysACommand = Math.max(mostKeysACommand, keys.length);
      return super.del(keys);
    }

    @Override
    public List<String> mget(String... keys) {
      mostKeysACommand = Math.max(mostKeysACommand, keys.length);
      return super.mget(keys);
    }
  }

  /** The keys whose names hold {@code userId}, sorted. */
  private static List<String> keysNaming(String userId, Jedis jedis) {
    List<String> found = new ArrayList<>();
    ScanParams params = new ScanParams().match("*" + userId + "*").count(1000);
    String cursor = ScanParams.SCAN_POINTER_START;
    do {
      ScanResult<String> page = jedis.scan(cursor, params);
      found.addAll(page.getResult());
      cursor = page.getCursor();
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    return found.stream().sorted().toList();
  }

  /** The user of each order line of the stream, oldest first (withdrawal lines have none). */
  private static List<String> orderLineUsers(Jedis jedis) {
    return jedis.xrange(RedisEventStore.ORDER_LINES, "-", "+", 1000).stream()
        .map(line -> line.getFields().get("u")).filter(Objects::nonNull).toList();
  }

  /** A user id with glob characters matches only itself when its dedupe keys are looked for. */
  @Test
  void eraseUser_idWithGlobCharacters_deletesTheirDedupeKeysAndNoOneElses() {
    URI uri = emptyDatabase();
    try (RedisEventStore erasing = TestData.redisStore(uri); Jedis jedis = redis.connect()) {
      erasing.load(TestData.small());
      jedis.select(Integer.parseInt(uri.getPath().substring(1)));
      erasing.append(List.of(purchase("a*", "E", 300, "ev-1"), purchase("ab", "E", 300, "ev-1"),
          purchase("[a]", "E", 300, "ev-1")));

      erasing.eraseUser("a*");
      erasing.eraseUser("[a]");

      assertEquals(List.of("glassbox:e:2:abev-1"), keysNaming(":", jedis).stream()
          .filter(key -> key.startsWith("glassbox:e:")).toList());
    }
  }
}
