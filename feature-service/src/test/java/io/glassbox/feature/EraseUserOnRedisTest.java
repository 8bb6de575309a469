package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.EraseUserRequest;
import io.glassbox.api.v1.EraseUserResponse;
import io.glassbox.api.v1.FeatureAdminGrpc;
import io.glassbox.api.v1.FeatureStore;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RedisServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.resps.Tuple;

/**
 * FeatureAdmin.EraseUser on a real server over a real redis-server: an erasure that stops short
 * tells the caller what is left and what to do, with the status code that says whether to retry
 * now; an outage says only that the store is unavailable, naming no Redis.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EraseUserOnRedisTest {
  /** Events a timeline keeps: one more than u1's five of the small dataset, so none of theirs is dropped. */
  private static final int EVENTS_PER_USER = 6;

  private RedisServer redis;
  private IngestingWhileErased jedis;
  private RedisEventStore store;
  private GrpcServer server;
  private ManagedChannel channel;
  private FeatureAdminGrpc.FeatureAdminBlockingStub admin;

  @BeforeEach
  void start() {
    redis = RedisServer.startFresh();
    jedis = new IngestingWhileErased(redis.uri());
    store = new RedisEventStore(jedis, redis.uri().toString(), 100, 200, "GBP", new StoreBounds(EVENTS_PER_USER,
        TestData.ROOMY.maxUsers(), TestData.ROOMY.maxEvents(), TestData.ROOMY.dedupeWindow(),
        TestData.ROOMY.maxDedupeIds()));
    store.load(TestData.small());
    server = TestData.servingOnPorts(store, 0, 0);
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.adminPort()).usePlaintext().build();
    admin = FeatureAdminGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.close();
    store.close();
    redis.close();
  }

  private StatusRuntimeException refusedErasing(String userId) {
    return assertThrows(StatusRuntimeException.class,
        () -> admin.eraseUser(EraseUserRequest.newBuilder().setUserId(userId).build()));
  }

  @Test
  void eraseUser_whileTheUsersEventsKeepChanging_isAbortedSayingToEraseAgainOnceIngestionStops() {
    AtomicInteger second = new AtomicInteger(5000);
    jedis.afterTimelineRead = () -> store.append(List.of(new NewEvent("u1",
        new RecordedEvent("A", Instant.ofEpochSecond(second.incrementAndGet()), EventType.CLICK, ""))));

    StatusRuntimeException refused = refusedErasing("u1");

    assertEquals(Status.Code.ABORTED, refused.getStatus().getCode());
    assertEquals("the user's events kept changing while being erased (5 tries): their dedupe keys are deleted,"
        + " their events and order lines are left; erase again once their ingestion stops",
        refused.getStatus().getDescription());
  }

  /**
   * An ingestion between the erasure's read and its script, into a full timeline, of an event
   * older than the newest: the cap drops the oldest click, so the timeline keeps its size and its
   * last member, but now holds an item of an order the read did not see. The erasure withdraws
   * the orders as the timeline holds them when it goes, not as it was read.
   */
  @Test
  void eraseUser_olderEventIngestedIntoAFullTimelineMeanwhile_withdrawsTheOrdersAsTheTimelineHoldsThemThen() {
    List<String> items = List.of("B", "C", "D", "E");
    Map<String, List<CoPurchaseNeighbour>> withoutTheUser = neighboursOf(items);
    store.append(List.of(event(EventType.CLICK, "E", 100, ""), event(EventType.CLICK, "F", 110, ""),
        event(EventType.CLICK, "A", 120, ""), event(EventType.PURCHASE, "B", 200, "w2"),
        event(EventType.PURCHASE, "C", 300, "w3"), event(EventType.PURCHASE, "E", 310, "w3")));
    assertEquals(EVENTS_PER_USER, store.history("w", EVENTS_PER_USER + 1).events().size());
    AtomicBoolean ingested = new AtomicBoolean();
    jedis.afterTimelineRead = () -> {
      if (ingested.compareAndSet(false, true)) {
        store.append(List.of(event(EventType.PURCHASE, "D", 250, "w2")));
      }
    };

    admin.eraseUser(EraseUserRequest.newBuilder().setUserId("w").build());

    assertTrue(ingested.get());
    assertEquals(withoutTheUser, neighboursOf(items));
  }

  /** The script compares the timeline byte for byte: an order named beyond ASCII is erased at the first try too. */
  @Test
  void eraseUser_orderNamedBeyondAscii_isErasedAndWithdrawn() {
    List<String> items = List.of("C", "D");
    Map<String, List<CoPurchaseNeighbour>> withoutTheUser = neighboursOf(items);
    store.append(List.of(event(EventType.PURCHASE, "C", 100, "commande-été-🛒"),
        event(EventType.PURCHASE, "D", 100, "commande-été-🛒")));

    EraseUserResponse erased = admin.eraseUser(EraseUserRequest.newBuilder().setUserId("w").build());

    assertEquals(List.of(2L, 1L), List.of(erased.getEvents(), erased.getOrders()));
    assertEquals(withoutTheUser, neighboursOf(items));
  }

  private static NewEvent event(EventType type, String itemId, long epochSecond, String basketId) {
    return new NewEvent("w", new RecordedEvent(itemId, Instant.ofEpochSecond(epochSecond), type, basketId));
  }

  private Map<String, List<CoPurchaseNeighbour>> neighboursOf(List<String> items) {
    return items.stream().collect(Collectors.toMap(item -> item, store::coPurchaseNeighbours));
  }

  @Test
  void eraseUser_whileAnotherReplicaCompacts_isUnavailableSayingTheOrderLinesAreLeft_namingNoRedis() {
    store.eraseCompactionWait(Duration.ofSeconds(1));
    try (Jedis other = redis.connect()) {
      store.append(List.of(new NewEvent("u1", new RecordedEvent("E", Instant.ofEpochSecond(5000), EventType.PURCHASE,
          "o9"))));
      other.set(RedisEventStore.PREFIX + "orders-compact-lock", "another replica's");
    }

    StatusRuntimeException refused = refusedErasing("u1");

    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
    assertEquals("user erased and their orders withdrawn from co-purchase, but their order lines are not yet gone"
        + " from glassbox:orders: the compaction that removes them did not finish within 1 s; erase again",
        refused.getStatus().getDescription());
  }

  /**
   * A Redis at its maxmemory (noeviction, as deploy's runs) lets the erase script run, as its first
   * write frees memory, but refuses the compaction that removes the order lines: the caller is told
   * the user is erased and what is left, not that nothing was stored; once Redis has room, erasing
   * again removes the lines and says so (known_user true, with the lines it removed).
   */
  @Test
  void eraseUser_redisAtItsMaxmemory_erasesTheUser_andIsResourceExhaustedSayingTheOrderLinesAreLeft() {
    List<String> items = List.of("C", "D");
    Map<String, List<CoPurchaseNeighbour>> withoutTheUser = neighboursOf(items);
    store.append(List.of(event(EventType.PURCHASE, "C", 100, "w1"), event(EventType.PURCHASE, "D", 100, "w1")));
    StatusRuntimeException refused = whileRedisIsFull(() -> refusedErasing("w"));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
    assertEquals("user erased and their orders withdrawn from co-purchase, but their order lines are not yet gone"
        + " from glassbox:orders: the feature store is full, and the compaction that removes them needs room in it;"
        + " erase again once it has room", refused.getStatus().getDescription());
    assertFalse(store.history("w", 10).knownUser(), "the user's events are erased");
    assertEquals(withoutTheUser, neighboursOf(items), "their order withdrawn");
    EraseUserResponse finished = admin.eraseUser(EraseUserRequest.newBuilder().setUserId("w").build());
    assertEquals(0, orderLines(), "the user's lines and the withdrawal trimmed");
    assertEquals(EraseUserResponse.newBuilder().setKnownUser(true).setOrderLinesLeftRemoved(3)
        .setStore(FeatureStore.FEATURE_STORE_REDIS).build(), finished, "w's two lines and the withdrawal");
  }

  /**
   * A user of the data folder erased before, erased again on a Redis at its maxmemory: nothing is
   * left to erase, so the answer is the one a Redis with room gives (Redis refuses SADD for memory
   * even of a member the set holds, so the script asks SISMEMBER first).
   */
  @Test
  void eraseUser_ofTheDataFolder_erasedBefore_redisAtItsMaxmemory_answersItHoldsNothing() {
    assertTrue(admin.eraseUser(EraseUserRequest.newBuilder().setUserId("u1").build()).getKnownUser());

    EraseUserResponse again = whileRedisIsFull(() -> admin.eraseUser(EraseUserRequest.newBuilder().setUserId("u1")
        .build()));

    assertEquals(EraseUserResponse.newBuilder().setStore(FeatureStore.FEATURE_STORE_REDIS).build(), again);
  }

  /**
   * A user of the data folder on a Redis at its maxmemory: taking their rows out of the seeded
   * counts writes first, and Redis refuses that, so nothing of theirs is erased and the answer says so.
   */
  @Test
  void eraseUser_ofTheDataFolder_redisAtItsMaxmemory_isResourceExhaustedWithNothingErased() {
    long events = store.history("u1", EVENTS_PER_USER).totalEvents();
    StatusRuntimeException refused = whileRedisIsFull(() -> refusedErasing("u1"));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
    assertEquals("the feature store is full; nothing was stored", refused.getStatus().getDescription());
    assertEquals(events, store.history("u1", EVENTS_PER_USER).totalEvents());
    assertEquals(0, orderLines(), "no withdrawal line");
  }

  /** What {@code call} returns on a Redis at its maxmemory (noeviction, as deploy's runs), which has room again after. */
  private <T> T whileRedisIsFull(Supplier<T> call) {
    try (Jedis direct = redis.connect()) {
      direct.configSet("maxmemory-policy", "noeviction");
      direct.configSet("maxmemory", "1");
      try {
        return call.get();
      } finally {
        direct.configSet("maxmemory", "0");
      }
    }
  }

  private long orderLines() {
    try (Jedis direct = redis.connect()) {
      return direct.xlen(RedisEventStore.ORDER_LINES);
    }
  }

  @Test
  void eraseUser_redisDown_isUnavailableWithTheGenericText_namingNoRedis() {
    redis.kill();

    StatusRuntimeException refused = refusedErasing("u1");

    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
    assertEquals("the feature store is unavailable; retry shortly", refused.getStatus().getDescription());
    assertFalse(refused.getStatus().getDescription().contains(String.valueOf(redis.port())));
  }

  /** A pool that runs {@link #afterTimelineRead}, when set, after each read of a timeline: an ingestion racing the erasure. */
  private static final class IngestingWhileErased extends JedisPooled {
    volatile Runnable afterTimelineRead;

    IngestingWhileErased(URI uri) {
      super(uri, 2000);
    }

    @Override
    public List<Tuple> zrangeWithScores(String key, long start, long stop) {
      List<Tuple> read = super.zrangeWithScores(key, start, stop);
      Runnable ingest = afterTimelineRead;
      if (ingest != null) {
        afterTimelineRead = null; // the ingestion's own reads
        ingest.run();
        afterTimelineRead = ingest;
      }
      return read;
    }
  }
}
