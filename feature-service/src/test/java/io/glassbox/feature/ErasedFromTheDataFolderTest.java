package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.resps.Tuple;

/**
 * A Redis seeded with a data folder, over a real redis-server, takes that folder less the rows of
 * customers erased there as the one it holds: the operator removes erased customers from the
 * folder and restarts on the same Redis, keeping every event ingested since the seed, and the
 * store then holds what a fresh seed of the cleaned folder with the same ingestions and erasures
 * holds. Any other change of the folder is still another dataset.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ErasedFromTheDataFolderTest {
  /**
   * u1's five rows are over it (dropped purchases, cut orders), and u5's nine of the catalogue;
   * u2's three, u3's and u4's two are not.
   */
  private static final StoreBounds THREE_PER_USER = new StoreBounds(3, 1000, 1_000_000, Duration.ofDays(1), 1000);
  private static final List<String> USERS = List.of("u1", "u2", "u3", "u4", "u5", "n1");
  private static final List<String> ITEMS = List.of("A", "B", "C", "D", "E", "F");
  /** {@link TestData#small} and u4, the only one who bought E. */
  private static final Dataset SEEDED = new Dataset(TestData.small().items(), Stream.concat(
      TestData.small().interactions().stream(), Stream.of(seededPurchase("u4", "E", 0), seededPurchase("u4", "A", 1)))
      .toList());

  private RedisServer redis;

  @BeforeEach
  void startRedis() {
    redis = RedisServer.startFresh();
  }

  @AfterEach
  void stopRedis() {
    redis.close();
  }

  /** u3 and u4 leave the folder; u2, erased too, stays in it. */
  @Test
  void load_folderLessSomeUsersErasedThere_keepsTheEventsIngestedSinceTheSeed_andHoldsWhatAFreshSeedOfItHolds() {
    Dataset cleaned = without(without(SEEDED, "u3"), "u4");
    try (RedisEventStore seeded = store(1)) {
      seeded.load(SEEDED);
      ingestAndErase(seeded);
    }

    try (RedisEventStore restarted = store(1); RedisEventStore fresh = store(2)) {
      restarted.load(cleaned);
      fresh.load(cleaned);
      ingestAndErase(fresh);

      assertEquals(List.of("A", "B"), itemIds(restarted.history("n1", 50)), "ingested after the seed, kept");
      assertEquals(derived(2, fresh), derived(1, restarted));
    }
  }

  /**
   * The erased customer's seeded rows are not only purchases of catalogue items: u5 has clicks and
   * an add to cart, rows of an item the catalogue lacks, a row listed twice, and more rows than
   * the per-user cap keeps. The erasure takes each row of a catalogue item out of the interaction
   * counts, the purchases out of popular and the purchase times, as a seed of the folder without
   * u5 never put them in; the restart on that folder takes it as the one seeded.
   */
  @Test
  void eraseUser_seededClicksUnknownItemsAndDuplicateRowsOverTheCap_leavesWhatAFreshSeedWithoutThemHolds() {
    Dataset withU5 = new Dataset(TestData.small().items(), Stream.concat(TestData.small().interactions().stream(),
        Stream.of(
            row("u5", "A", 60, EventType.PURCHASE, "i6", 0), row("u5", "B", 60, EventType.PURCHASE, "i6", 1),
            row("u5", "C", 70, EventType.PURCHASE, "i7", 0),
            row("u5", "A", 55, EventType.CLICK, "", 0), row("u5", "F", 56, EventType.CLICK, "", 0),
            row("u5", "D", 57, EventType.ADD_TO_CART, "", 0), row("u5", "F", 58, EventType.FEEDBACK_POSITIVE, "", 0),
            // Z is in no catalogue: not in the seed's counts, so not taken out of them either.
            row("u5", "Z", 59, EventType.CLICK, "", 0), row("u5", "Z", 60, EventType.PURCHASE, "i6", 2),
            // The same click on F, and the same purchase of C, listed twice.
            row("u5", "F", 56, EventType.CLICK, "", 0), row("u5", "C", 70, EventType.PURCHASE, "i7", 0)))
        .toList());
    Dataset cleaned = without(withU5, "u5");
    try (RedisEventStore fresh = store(2)) {
      fresh.load(cleaned);
      Map<String, Object> freshSeed = derived(2, fresh);
      assertEquals(Map.of("A", "3", "B", "3", "C", "2", "D", "1", "E", "0", "F", "1"), freshSeed.get("interactions"));
      try (RedisEventStore seeded = store(1); Jedis jedis = database(1)) {
        seeded.load(withU5);
        assertEquals("4", jedis.hget(RedisEventStore.PREFIX + "interactions", "F"),
            "u5's clicks on F, one listed twice, and their feedback on it counted");
        assertEquals(3, seeded.history("u5", 50).events().size(), "the cap keeps 3 of u5's 9 rows of the catalogue");

        seeded.eraseUser("u5");

        // In place but for co-purchase: u5's order i6, which the cap dropped whole at the seed, keeps
        // counting in this replica until it starts on the cleaned folder (see the README).
        assertEquals(withoutCoPurchase(freshSeed), withoutCoPurchase(derived(1, seeded)));
      }
      try (RedisEventStore restarted = store(1)) {
        restarted.load(cleaned);
        assertEquals(freshSeed, derived(1, restarted));
      }
    }
  }

  /** A replica on the cleaned folder seeds it afresh into a Redis that lost everything. */
  @Test
  void reseed_byAReplicaOnTheFolderLessErasedUsers_redisEmptied_seedsThatFolder() {
    try (RedisEventStore seeded = store(1)) {
      seeded.load(SEEDED);
      seeded.eraseUser("u4");
    }
    try (RedisEventStore restarted = store(1); Jedis jedis = database(1)) {
      restarted.load(without(SEEDED, "u4"));
      jedis.flushDB();
      assertThrows(StoreDataLostException.class, restarted::requireData);

      restarted.reseed();

      restarted.requireData();
      assertEquals(List.of("C", "A", "D"), itemIds(restarted.history("u1", 50)));
      assertEquals(Optional.empty(), restarted.userItems("u4", 50));
    }
  }

  @Test
  void load_folderLessAUserNotErased_isRefusedAsAnotherDataset() {
    try (RedisEventStore seeded = store(1)) {
      seeded.load(TestData.small());
      seeded.eraseUser("u3");
    }

    try (RedisEventStore restarted = store(1)) {
      DatasetException refused = assertThrows(DatasetException.class,
          () -> restarted.load(without(without(TestData.small(), "u3"), "u2")));
      assertTrue(refused.getMessage().contains("another dataset"), refused.getMessage());
    }
  }

  /**
   * A Redis seeded by a build before the sum: the first start with the folder as seeded records
   * it, and from then on erasures let the folder lose their customers.
   */
  @Test
  void load_redisSeededBeforeTheSum_folderAsSeeded_recordsIt_soErasedUsersMayLeaveTheFolder() {
    try (RedisEventStore seeded = store(1); Jedis jedis = database(1)) {
      seeded.load(TestData.small());
      jedis.del(RedisEventStore.PREFIX + "seed-sum");
    }
    try (RedisEventStore upgraded = store(1); Jedis jedis = database(1)) {
      upgraded.load(TestData.small());
      assertNotNull(jedis.get(RedisEventStore.PREFIX + "seed-sum"));
      upgraded.eraseUser("u3");
    }

    try (RedisEventStore restarted = store(1)) {
      restarted.load(without(TestData.small(), "u3"));

      assertEquals(List.of("C", "A", "D"), itemIds(restarted.history("u1", 50)));
    }
  }

  @Test
  void eraseUser_ofAUserTheFolderLacks_recordsNothing() {
    try (RedisEventStore store = store(1); Jedis jedis = database(1)) {
      store.load(TestData.small());
      store.append(List.of(purchase("n1", "A", 310, "o7")));

      store.eraseUser("n1");

      assertEquals(Set.of(), jedis.smembers(RedisEventStore.PREFIX + "seed-erased"));
    }
  }

  /**
   * Redis emptied (flushed, restarted empty) after the erasure checked its seed marker: the step
   * that takes the user's seeded rows out answers as a store that lost its data does and writes
   * nothing, not negative counts that the re-seed, which only sets counts where absent, would keep;
   * after the re-seed erasing again leaves what a fresh seed and the erasure leave.
   */
  @Test
  void forgetSeededRows_redisEmptiedAfterTheMarkerCheck_writesNothing_andAfterTheReseedErasesAsOnAFreshSeed() {
    try (RedisEventStore store = store(1); RedisEventStore fresh = store(2); Jedis jedis = database(1)) {
      store.load(TestData.small());
      store.requireData();
      jedis.flushDB();

      assertThrows(StoreDataLostException.class, () -> store.forgetSeededRows("u3"));
      assertEquals(Set.of(), jedis.keys("*"), "nothing written into the emptied Redis");
      store.reseed();
      store.eraseUser("u3");

      fresh.load(TestData.small());
      fresh.eraseUser("u3");
      assertEquals(derived(2, fresh), derived(1, store));
    }
  }

  /**
   * The folder changed on disk since the start: the erasure takes out the rows this replica loaded,
   * which are those seeded, and records their part; it reads nothing.
   */
  @Test
  void eraseUser_folderChangedOnDiskSinceTheStart_takesOutTheRowsSeeded() {
    Dataset changed = new Dataset(TestData.small().items(), TestData.small().interactions().stream()
        .map(row -> row.userId().equals("u3") ? new Dataset.Interaction(row.userId(), row.itemId(), 11, row.nanos(),
            row.type(), row.basketId(), row.sequence()) : row)
        .toList());
    AtomicInteger reads = new AtomicInteger();
    try (RedisEventStore store = store(1); RedisEventStore fresh = store(2); Jedis jedis = database(1)) {
      store.load(() -> reads.incrementAndGet() == 1 ? TestData.small() : changed);

      store.eraseUser("u3");

      fresh.load(TestData.small());
      fresh.eraseUser("u3");
      assertEquals(derived(2, fresh), derived(1, store));
      assertEquals(Set.of(DatasetSum.of(TestData.small()).part("u3").orElseThrow()),
          jedis.smembers(RedisEventStore.PREFIX + "seed-erased"));
      assertEquals(1, reads.get(), "the folder read once, at the start");
    }
  }

  /** The same ingestions and erasures, in the same order: u3, u4 and u2 erased, u3 twice. */
  private static void ingestAndErase(RedisEventStore store) {
    store.append(List.of(purchase("u1", "F", 300, "o9"), purchase("u1", "C", 301, "o9")));
    store.append(List.of(purchase("n1", "A", 310, "o7"), purchase("n1", "B", 311, "o7")));
    // E stays u4's alone: their erasure takes it out of popular, as a seed without them never puts it in.
    store.append(List.of(purchase("u3", "F", 320, "o8"), purchase("u3", "D", 321, "o8")));
    store.append(List.of(new NewEvent("u2", new RecordedEvent("C", Instant.ofEpochSecond(330), EventType.CLICK, ""))));
    store.eraseUser("u3");
    store.eraseUser("u4");
    store.eraseUser("u2");
    store.eraseUser("u3");
  }

  /**
   * What the store holds that a seed derives from the folder, as it reads: the counts, the
   * purchase times (their seconds: members are ingestion sequences), each user's history, items,
   * dropped purchases and cut orders, and every item's co-purchase neighbours.
   */
  private Map<String, Object> derived(int database, RedisEventStore store) {
    Map<String, Object> derived = new LinkedHashMap<>();
    try (Jedis jedis = database(database)) {
      derived.put("interactions", new TreeMap<>(jedis.hgetAll(RedisEventStore.PREFIX + "interactions")));
      derived.put("popular", jedis.zrangeWithScores(RedisEventStore.PREFIX + "popular", 0, -1));
      derived.put("users", new TreeMap<>(jedis.hgetAll(RedisEventStore.PREFIX + "users")));
      for (String item : ITEMS) {
        derived.put("purchase times of " + item, jedis.zrangeWithScores(RedisEventStore.PREFIX + "p:" + item, 0, -1)
            .stream().map(Tuple::getScore).toList());
        derived.put("co-purchase of " + item, store.coPurchaseNeighbours(item));
      }
      for (String user : USERS) {
        derived.put("history of " + user, store.history(user, 50));
        derived.put("items of " + user, store.userItems(user, 50));
        derived.put("dropped of " + user, jedis.smembers(RedisEventStore.PREFIX + "d:" + user));
        derived.put("cut last of " + user, jedis.get(RedisEventStore.PREFIX + "c:" + user));
        derived.put("cut orders of " + user, jedis.zrangeWithScores(RedisEventStore.PREFIX + "cut:" + user, 0, -1));
      }
    }
    return derived;
  }

  private static Map<String, Object> withoutCoPurchase(Map<String, Object> derived) {
    Map<String, Object> rest = new LinkedHashMap<>(derived);
    rest.keySet().removeIf(key -> key.startsWith("co-purchase of "));
    return rest;
  }

  private RedisEventStore store(int database) {
    return TestData.redisStore(URI.create(redis.uri() + "/" + database), THREE_PER_USER);
  }

  private Jedis database(int database) {
    Jedis jedis = redis.connect();
    jedis.select(database);
    return jedis;
  }

  private static Dataset without(Dataset dataset, String userId) {
    return new Dataset(dataset.items(), dataset.interactions().stream().filter(row -> !row.userId().equals(userId))
        .toList());
  }

  private static Dataset.Interaction seededPurchase(String user, String item, long sequence) {
    return new Dataset.Interaction(user, item, 5, 0, EventType.PURCHASE, "i5", sequence);
  }

  private static Dataset.Interaction row(String user, String item, long second, EventType type, String basket,
                                        long sequence) {
    return new Dataset.Interaction(user, item, second, 0, type, basket, sequence);
  }

  private static NewEvent purchase(String user, String item, long second, String order) {
    return new NewEvent(user, new RecordedEvent(item, Instant.ofEpochSecond(second), EventType.PURCHASE, order));
  }

  private static List<String> itemIds(UserHistory history) {
    return history.events().stream().map(RecordedEvent::itemId).toList();
  }
}
