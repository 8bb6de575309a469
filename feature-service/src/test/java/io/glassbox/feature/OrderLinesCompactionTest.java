package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.RedisServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.XAddParams;

/**
 * Compacting the shared stream of order lines into a snapshot, over a real redis-server: the
 * stream stays short, and replicas that start after it, run through it or lag behind it all hold
 * the counts of every line.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OrderLinesCompactionTest {
  private static final String SNAPSHOT = RedisEventStore.PREFIX + "orders-snapshot";
  private static final String LOCK = RedisEventStore.PREFIX + "orders-compact-lock";
  /** Few open orders and small baskets, so that orders close and outgrow across a compaction. */
  private static final StoreBounds BOUNDS = new StoreBounds(1000, 1000, 10_000_000, Duration.ofDays(1), 5);
  private static final int MAX_BASKET_SIZE = 3;
  /** Snapshots of many list elements, to stop a compaction between two. */
  private static final int CHUNK_BYTES = 64;
  private static final List<String> USERS = List.of("u1", "u2", "u3", "buyer", "other");

  private static RedisServer redis;
  private static int nextDatabase;
  private int database;
  private URI shared;
  private final List<RedisEventStore> replicas = new ArrayList<>();
  private final Random random = new Random(5);

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.startFresh();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @BeforeEach
  void emptyDatabase() {
    database = nextDatabase++ % 16;
    try (Jedis jedis = redis.connect()) {
      jedis.select(database);
      jedis.flushDB();
    }
    shared = URI.create(redis.uri() + "/" + database);
  }

  @AfterEach
  void closeReplicas() {
    replicas.forEach(RedisEventStore::close);
  }

  /** A loaded replica that compacts only when asked. */
  private RedisEventStore replica() {
    return replica(new JedisPooled(shared, 2000), Integer.MAX_VALUE);
  }

  private RedisEventStore replica(JedisPooled jedis, int compactAfterLines) {
    RedisEventStore replica = new RedisEventStore(jedis, shared.toString(), MAX_BASKET_SIZE, 200, "GBP", BOUNDS,
        compactAfterLines, CHUNK_BYTES, RedisEventStore.WRITE_SLOTS, RedisEventStore.WRITE_SLOT_WAIT);
    replicas.add(replica);
    replica.load(TestData.small());
    return replica;
  }

  /**
   * Ingests {@code lines} order lines, one per call, of a few users' few orders, naming new items
   * (imported first) too.
   */
  private void ingest(RedisEventStore replica, int lines) {
    replica.putItems(IntStream.range(0, 4).mapToObj(n -> new Dataset.Item("N" + n, "New " + n, "", "", 2.0)).toList());
    for (int line = 0; line < lines; line++) {
      String item = random.nextInt(5) == 0 ? "N" + random.nextInt(4) : String.valueOf((char) ('A' + random.nextInt(6)));
      replica.append(List.of(new NewEvent(USERS.get(random.nextInt(USERS.size())),
          new RecordedEvent(item, Instant.ofEpochSecond(1000 + line), EventType.PURCHASE, "o" + random.nextInt(2)))));
    }
  }

  private long orderLines() {
    return onRedis(jedis -> jedis.xlen(RedisEventStore.ORDER_LINES));
  }

  private <T> T onRedis(Function<Jedis, T> command) {
    try (Jedis jedis = redis.connect()) {
      jedis.select(database);
      return command.apply(jedis);
    }
  }

  /** The replica's graph and the candidates it retrieves for every user, as text. */
  private static String statistics(RedisEventStore replica) {
    CandidateRetriever retriever = new CandidateRetriever(replica, 20);
    StringBuilder text = new StringBuilder(TestData.describe(replica.coPurchaseGraph()));
    for (String user : USERS) {
      text.append(user).append(": ").append(retriever.retrieve(user, 500, false, 3).candidates()).append('\n');
    }
    return text.toString();
  }

  /** The replica's statistics once it reads past other replicas' lines (within its sync interval). */
  private static String statisticsOnceEqual(RedisEventStore replica, String expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    String found = statistics(replica);
    while (!found.equals(expected) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      found = statistics(replica);
    }
    return found;
  }

  @Test
  void compaction_replicasStartedAfterRunningThroughOrLaggingBehindIt_holdTheSameCounts()
      throws InterruptedException {
    RedisEventStore running = replica();
    RedisEventStore lagging = replica();
    ingest(running, 60);
    statisticsOnceEqual(lagging, statistics(running));
    ingest(running, 120);   // lagging reads none of these before they are trimmed

    assertTrue(running.compactOrderLines());

    assertEquals(1, orderLines(), "the lines up to the snapshot's last are trimmed");
    ingest(running, 120);
    assertEquals(121, orderLines(), "the lines after it are kept");
    String expected = statistics(running);
    assertNotEquals(TestData.describe(TestData.smallStore().coPurchaseGraph()),
        TestData.describe(running.coPurchaseGraph()), "the ingested orders count");
    assertEquals(expected, statistics(replica()), "a replica started after the compaction");
    assertEquals(expected, statisticsOnceEqual(lagging, expected), "a replica that lagged behind it");
  }

  /** Also after an erasure it read: only one past its last read line makes it wait for the snapshot. */
  @ParameterizedTest(name = "an erasure read before: {0}")
  @ValueSource(booleans = {false, true})
  void laggingReplica_whileItReadsTheSnapshot_answersCoPurchaseReadsAtOnce(boolean erasureReadBefore)
      throws InterruptedException {
    RedisEventStore running = replica();
    HoldingSnapshotReads connection = new HoldingSnapshotReads(shared);
    RedisEventStore lagging = replica(connection, Integer.MAX_VALUE);
    if (erasureReadBefore) {
      running.append(List.of(purchase("erased", "C", "e1"), purchase("erased", "D", "e1")));
      running.eraseUser("erased");
    }
    ingest(running, 60);
    statisticsOnceEqual(lagging, statistics(running));
    String graphBefore = TestData.describe(lagging.coPurchaseGraph());
    ingest(running, 120);   // lagging reads none of these before they are trimmed
    assertTrue(running.compactOrderLines());

    connection.hold.set(true);
    Thread.sleep(150);   // past the sync interval
    assertEquals(graphBefore, TestData.describe(lagging.coPurchaseGraph()),
        "the graph it held, not one read after the held snapshot read");
    connection.go.countDown();

    String expected = statistics(running);
    assertEquals(expected, statisticsOnceEqual(lagging, expected), "once it has read the snapshot");
  }

  /**
   * An erasure compacts at once, trimming the user's order lines and their withdrawal before
   * another replica reads them: that replica's next co-purchase read past its sync interval takes
   * the snapshot first (its background read is held here), so it never answers with the counts it
   * held, which still count the erased orders.
   */
  @Test
  void erasureOnAnotherReplica_nextCoPurchaseReadPastTheSyncInterval_countsNoneOfTheUsersOrders()
      throws InterruptedException {
    RedisEventStore erasing = replica();
    HoldingSnapshotReads connection = new HoldingSnapshotReads(shared);
    RedisEventStore reading = replica(connection, Integer.MAX_VALUE);
    erasing.append(List.of(purchase("erased", "C", "e1"), purchase("erased", "D", "e1"),
        purchase("erased", "C", "e2"), purchase("erased", "D", "e2")));
    String withTheUser = TestData.describe(erasing.coPurchaseGraph());
    awaitTrue(() -> TestData.describe(reading.coPurchaseGraph()).equals(withTheUser));   // read the orders

    connection.exempt = Thread.currentThread();
    connection.hold.set(true);
    try {
      erasing.eraseUser("erased");
      String withoutTheUser = TestData.describe(erasing.coPurchaseGraph());
      assertNotEquals(withTheUser, withoutTheUser, "the erasing replica no longer counts the user's orders");
      Thread.sleep(150);   // past the reading replica's sync interval

      assertEquals(withoutTheUser, TestData.describe(reading.coPurchaseGraph()));
    } finally {
      connection.go.countDown();
    }
  }

  /**
   * An erasure that withdraws no order (a user with a click only) leaves every other replica's
   * reads on the background path: it names no withdrawal for them to wait for.
   */
  @Test
  void erasureWithdrawingNoOrder_namesNoWithdrawal() {
    RedisEventStore erasing = replica();
    erasing.append(List.of(purchase("buyer", "C", "b1"), purchase("buyer", "D", "b1")));
    erasing.append(List.of(new NewEvent("clicker", new RecordedEvent("C", Instant.ofEpochSecond(2000),
        EventType.CLICK, ""))));

    erasing.eraseUser("clicker");

    assertNull(onRedis(jedis -> jedis.get("glassbox:orders-last-withdrawal")));
  }

  private static NewEvent purchase(String userId, String itemId, String basketId) {
    return new NewEvent(userId, new RecordedEvent(itemId, Instant.ofEpochSecond(2000), EventType.PURCHASE, basketId));
  }

  @Test
  void compactionStoppedBetweenChunks_leavesTheSnapshotBeforeInForce() throws InterruptedException {
    RedisEventStore running = replica();
    ingest(running, 100);
    assertTrue(running.compactOrderLines());
    String before = onRedis(jedis -> jedis.get(SNAPSHOT));
    ingest(running, 100);
    String expected = statistics(running);

    RedisEventStore stopping = replica(new DyingAtSecondChunk(shared), Integer.MAX_VALUE);
    assertThrows(StoreUnavailableException.class, stopping::compactOrderLines);

    assertEquals(before, onRedis(jedis -> jedis.get(SNAPSHOT)));
    assertEquals(101, orderLines(), "nothing trimmed");
    assertEquals(expected, statistics(replica()), "a replica started after the stopped compaction");
    // Its lock expires; the next compaction replaces what it left half-written.
    onRedis(jedis -> jedis.del(LOCK));
    assertTrue(running.compactOrderLines());
    assertEquals(1, orderLines());
    assertEquals(1, onRedis(jedis -> jedis.keys(SNAPSHOT + ":*")).size(), "only the snapshot in force is kept");
    assertEquals(expected, statistics(replica()), "a replica started after the next compaction");
  }

  @Test
  void ingestion_pastTheLinesKept_compactsInTheBackground() throws InterruptedException {
    RedisEventStore ingesting = replica(new JedisPooled(shared, 2000), 30);
    ingest(ingesting, 200);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (orderLines() > 100 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(orderLines() <= 100, orderLines() + " order lines of 200 kept");
    assertNotNull(onRedis(jedis -> jedis.get(SNAPSHOT)));
    assertEquals(statistics(ingesting), statistics(replica()));
  }

  /**
   * A replica's own lines are in its next co-purchase read even while its background compaction
   * is reading the lines: the read waits for that sync and reads on. It took the statistics as
   * they were before the sync, dozens of lines short, when it came within the sync interval of the
   * last read (as ingestion_pastTheLinesKept_compactsInTheBackground found now and then).
   */
  @Test
  void ownLines_areInTheNextRead_whileTheBackgroundCompactionReadsThem() throws Exception {
    CountDownLatch compactionReading = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    RedisEventStore ingesting = replica(new JedisPooled(shared, 2000) {
      @Override
      public Pipeline pipelined() {
        if (Thread.currentThread().getName().equals("order-lines-snapshots")) {
          compactionReading.countDown();
          try {
            go.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return super.pipelined();
      }
    }, 30);
    ingest(ingesting, 29);
    ingesting.coPurchaseGraph();
    // Lines 30 and 31, an order of A and B, which count a pair; the 31st starts a compaction, which
    // stops while reading the lines.
    for (String item : List.of("A", "B")) {
      ingesting.append(List.of(new NewEvent("u1", new RecordedEvent(item, Instant.ofEpochSecond(2000),
          EventType.PURCHASE, "o9"))));
    }
    assertTrue(compactionReading.await(10, TimeUnit.SECONDS), "the compaction reads the lines");

    FutureTask<String> read = new FutureTask<>(() -> TestData.describe(ingesting.coPurchaseGraph()));
    Thread reader = new Thread(read, "co-purchase read");
    reader.start();
    awaitTrue(() -> read.isDone() || reader.getState() == Thread.State.BLOCKED);
    go.countDown();

    assertEquals(TestData.describe(replica().coPurchaseGraph()), read.get(10, TimeUnit.SECONDS),
        "the read during the compaction's sync, against a replica started after it");
  }

  /**
   * Lines ingested while a compaction writes its snapshot start another once it ends, so the
   * stream does not keep them until the next ingestion: the one running had read up to the line
   * that started it.
   */
  @Test
  void ingestionDuringACompaction_compactsAgainAfterIt() throws InterruptedException {
    AtomicBoolean writing = new AtomicBoolean();
    CountDownLatch go = new CountDownLatch(1);
    RedisEventStore ingesting = stallingAtFirstSnapshotWrite(writing, go);
    ingest(ingesting, 31);
    awaitTrue(writing::get);
    ingest(ingesting, 40);
    go.countDown();

    awaitTrue(() -> orderLines() == 1);
    assertEquals(statistics(ingesting), statistics(replica()));
  }

  /**
   * A compaction asked for again during one runs again only while the stream still holds more
   * lines than it keeps: the one that ran trimmed all but those ingested meanwhile, and writing the
   * whole statistics again for a few lines doubled every compaction under steady ingestion.
   */
  @Test
  void fewLinesDuringACompaction_startNoSecond() throws InterruptedException {
    AtomicBoolean writing = new AtomicBoolean();
    CountDownLatch go = new CountDownLatch(1);
    RedisEventStore ingesting = stallingAtFirstSnapshotWrite(writing, go);
    ingest(ingesting, 31);
    awaitTrue(writing::get);
    ingest(ingesting, 5);   // each past the 30 lines kept: the stream is not trimmed yet
    go.countDown();
    ingesting.close();   // waits for a compaction asked for meanwhile

    assertEquals("1", onRedis(jedis -> jedis.get(RedisEventStore.PREFIX + "orders-snapshot-generation")),
        "snapshots written");
    assertEquals(6, orderLines(), "the lines after the snapshot's last");
  }

  /**
   * A snapshot read asked for again while one runs does not read the same snapshot again: the
   * one that ran took it.
   */
  @Test
  void snapshotReadAskedDuringOne_readsItOnce() throws InterruptedException {
    RedisEventStore running = replica();
    HoldingSnapshotReads connection = new HoldingSnapshotReads(shared);
    AtomicInteger chunkReads = connection.reads;
    RedisEventStore lagging = replica(connection, Integer.MAX_VALUE);
    ingest(running, 60);
    statisticsOnceEqual(lagging, statistics(running));
    ingest(running, 120);   // lagging reads none of these before they are trimmed
    assertTrue(running.compactOrderLines());

    connection.hold.set(true);
    Thread.sleep(150);   // past the sync interval
    lagging.coPurchaseGraph();   // asks for the snapshot read, which is held
    awaitTrue(() -> chunkReads.get() > 0);
    Thread.sleep(150);   // past the sync interval: the next read syncs and asks again
    lagging.coPurchaseGraph();
    connection.hold.set(false);
    connection.go.countDown();
    String expected = statistics(running);
    assertEquals(expected, statisticsOnceEqual(lagging, expected));
    lagging.close();   // waits for a snapshot read asked for meanwhile

    int oneRead = chunkReads.get();
    chunkReads.set(0);
    replica(new JedisPooled(shared, 2000) {
      @Override
      public List<byte[]> lrange(byte[] key, long start, long stop) {
        chunkReads.incrementAndGet();
        return super.lrange(key, start, stop);
      }
    }, Integer.MAX_VALUE);
    assertEquals(chunkReads.get(), oneRead, "chunk reads of the lagging replica, against a replica's start");
  }

  @Test
  void compactionThatLostItsLock_leavesTheSnapshotAnotherNamedAfterWhole() throws InterruptedException {
    RedisEventStore running = replica();
    ingest(running, 100);
    assertTrue(running.compactOrderLines());
    ingest(running, 50);
    RedisEventStore stalled = replica(new StallingAtFirstSnapshotWrite(shared, () -> {
      // It stalls past its lock's 2 minutes (a GC pause): the lock expires, more lines come in
      // and another replica compacts and names its snapshot.
      onRedis(jedis -> jedis.del(LOCK));
      ingest(running, 30);
      assertTrue(running.compactOrderLines(), "the other replica compacts");
    }), Integer.MAX_VALUE);
    String named = onRedis(jedis -> jedis.get(SNAPSHOT));

    assertFalse(stalled.compactOrderLines());

    assertNotEquals(named, onRedis(jedis -> jedis.get(SNAPSHOT)), "the other replica's snapshot is named");
    assertEquals(statistics(running), statistics(replica()), "a replica started after both");
    assertEquals(1, onRedis(jedis -> jedis.keys(SNAPSHOT + ":*")).size(), "only the snapshot in force is kept");
  }

  @Test
  void compactionRefusedByRedis_dropsWhatItWrote() {
    RedisEventStore running = replica();
    ingest(running, 100);
    assertTrue(running.compactOrderLines());
    String before = onRedis(jedis -> jedis.get(SNAPSHOT));
    ingest(running, 100);

    RedisEventStore refused = replica(new RefusingSnapshotElements(shared, 1), Integer.MAX_VALUE);
    assertThrows(StoreFullException.class, refused::compactOrderLines);

    assertEquals(before, onRedis(jedis -> jedis.get(SNAPSHOT)));
    assertEquals(1, onRedis(jedis -> jedis.keys(SNAPSHOT + ":*")).size(), "its first element is dropped");
  }

  @Test
  void ingestion_pastTheLinesKept_afterACompactionFailed_triesAgainOnlyAfterABackOff() throws InterruptedException {
    RefusingSnapshotElements full = new RefusingSnapshotElements(shared, 0);
    RedisEventStore ingesting = replica(full, 30);
    ingest(ingesting, 40);
    awaitTrue(() -> full.refused.get() > 0);

    ingest(ingesting, 60);
    ingesting.close();   // waits for a compaction started meanwhile

    assertEquals(1, full.refused.get(), "compactions tried");
  }

  @Test
  void ingestion_pastTheLinesKept_whileClosing_isStoredWithoutACompaction() {
    var keptOpen = new JedisPooled(shared, 2000) {
      @Override
      public void close() {
        // Kept open: an ingestion that raced the store's close() still reaches Redis.
      }

      void closeNow() {
        super.close();
      }
    };
    try {
      RedisEventStore closing = replica(keptOpen, 30);
      ingest(closing, 30);
      closing.close();

      ingest(closing, 5);

      assertEquals(35, orderLines(), "stored, none trimmed");
    } finally {
      keptOpen.closeNow();
    }
  }

  @Test
  void snapshotDeletedWhileAReplicaStarts_failsItsLoadSayingSo() {
    RedisEventStore running = replica();
    ingest(running, 100);
    assertTrue(running.compactOrderLines());

    StoreUnavailableException e = assertThrows(StoreUnavailableException.class,
        () -> replica(new JedisPooled(shared, 2000) {
          @Override
          public String get(String key) {
            if (key.equals(SNAPSHOT)) {
              onRedis(jedis -> jedis.del(SNAPSHOT));   // by hand, between its two reads of the name
            }
            return super.get(key);
          }
        }, Integer.MAX_VALUE));
    assertTrue(e.getMessage().contains("was deleted"), e.getMessage());
  }

  @Test
  void snapshotWhoseBytesDoNotMatch_failsAReplicasLoadSayingSo() {
    RedisEventStore running = replica();
    ingest(running, 100);
    assertTrue(running.compactOrderLines());
    String list = SNAPSHOT + ":" + onRedis(jedis -> jedis.get(SNAPSHOT)).split(" ")[0];
    onRedis(jedis -> jedis.lset(list, 0, "not what was written"));

    StoreUnavailableException e = assertThrows(StoreUnavailableException.class, this::replica);
    assertTrue(e.getMessage().contains("CRC-32"), e.getMessage());
  }

  /** A replica compacting past 30 lines whose first snapshot write sets {@code writing} and waits for {@code go}. */
  private RedisEventStore stallingAtFirstSnapshotWrite(AtomicBoolean writing, CountDownLatch go) {
    return replica(new StallingAtFirstSnapshotWrite(shared, () -> {
      writing.set(true);
      try {
        go.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }), 30);
  }

  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "not within 10 s");
      Thread.sleep(10);
    }
  }

  /** A replica's Redis connection whose server is out of memory after {@code allowed} snapshot elements. */
  private static final class RefusingSnapshotElements extends JedisPooled {
    private final AtomicInteger allowed;
    final AtomicInteger refused = new AtomicInteger();

    RefusingSnapshotElements(URI uri, int allowed) {
      super(uri, 2000);
      this.allowed = new AtomicInteger(allowed);
    }

    @Override
    public Object eval(byte[] script, List<byte[]> keys, List<byte[]> args) {
      if (allowed.getAndDecrement() <= 0) {
        refused.incrementAndGet();
        throw new JedisDataException("OOM command not allowed when used memory > 'maxmemory'.");
      }
      return super.eval(script, keys, args);
    }
  }

  /**
   * A replica's Redis connection that stalls once, running {@code meanwhile}, before its first
   * write of a snapshot's bytes (the commands on binary keys).
   */
  /**
   * A replica's Redis connection that counts its snapshot chunk reads (LRANGE) and, while
   * {@code hold} is set, holds each until {@code go}, but those of {@code exempt}.
   */
  private static final class HoldingSnapshotReads extends JedisPooled {
    final AtomicBoolean hold = new AtomicBoolean();
    final CountDownLatch go = new CountDownLatch(1);
    final AtomicInteger reads = new AtomicInteger();
    /** A thread whose reads are not held, when set. */
    volatile Thread exempt;

    HoldingSnapshotReads(URI uri) {
      super(uri, 2000);
    }

    @Override
    public List<byte[]> lrange(byte[] key, long start, long stop) {
      reads.incrementAndGet();
      if (hold.get() && Thread.currentThread() != exempt) {
        try {
          go.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return super.lrange(key, start, stop);
    }
  }

  private static final class StallingAtFirstSnapshotWrite extends JedisPooled {
    private final Runnable meanwhile;
    private boolean stalled;

    StallingAtFirstSnapshotWrite(URI uri, Runnable meanwhile) {
      super(uri, 2000);
      this.meanwhile = meanwhile;
    }

    @Override
    public long del(byte[] key) {
      stallOnce();
      return super.del(key);
    }

    @Override
    public long rpush(byte[] key, byte[]... values) {
      stallOnce();
      return super.rpush(key, values);
    }

    @Override
    public Object eval(byte[] script, List<byte[]> keys, List<byte[]> args) {
      stallOnce();
      return super.eval(script, keys, args);
    }

    private void stallOnce() {
      if (!stalled) {
        stalled = true;
        meanwhile.run();
      }
    }
  }

  /** A replica's Redis connection that dies (as its process would) while writing a snapshot's second chunk. */
  private static final class DyingAtSecondChunk extends JedisPooled {
    private int chunks;
    private boolean dead;

    DyingAtSecondChunk(URI uri) {
      super(uri, 2000);
    }

    /** Snapshot elements are written by a script on binary keys and arguments. */
    @Override
    public Object eval(byte[] script, List<byte[]> keys, List<byte[]> args) {
      if (++chunks == 2) {
        dead = true;
      }
      return alive(() -> super.eval(script, keys, args));
    }

    @Override
    public Object eval(String script, List<String> keys, List<String> args) {
      return alive(() -> super.eval(script, keys, args));
    }

    @Override
    public String get(String key) {
      return alive(() -> super.get(key));
    }

    @Override
    public long del(String key) {
      return alive(() -> super.del(key));
    }

    private <T> T alive(Supplier<T> command) {
      if (dead) {
        throw new JedisConnectionException("connection lost");
      }
      return command.get();
    }
  }

  /**
   * Erasing a user (right to erasure) withdraws their orders, ingested and the dataset's, from the
   * co-purchase counts of the replica that erased and of every other, within the sync interval;
   * the erasure's compaction keeps them withdrawn for replicas started after it.
   */
  @Test
  void eraseUser_withdrawsTheirOrdersFromEveryReplica_andCompactionKeepsThemWithdrawn()
      throws InterruptedException {
    RedisEventStore erasing = replica();
    RedisEventStore other = replica();
    erasing.append(List.of(order("buyer", "E", 1000, "o1"), order("buyer", "F", 1001, "o1"),
        order("keeper", "E", 1002, "k1"), order("keeper", "D", 1003, "k1")));
    assertEquals(List.of(new CoPurchaseNeighbour("D", 1), new CoPurchaseNeighbour("F", 1)),
        neighboursOnceEqual(other, "E", List.of(new CoPurchaseNeighbour("D", 1), new CoPurchaseNeighbour("F", 1))));
    // B and C: in u1's order i1 and u3's order i4 of the dataset.
    assertEquals(new CoPurchaseNeighbour("C", 2), other.coPurchaseNeighbours("B").get(1));

    erasing.eraseUser("buyer");
    erasing.eraseUser("u3");

    List<CoPurchaseNeighbour> withoutBuyer = List.of(new CoPurchaseNeighbour("D", 1));
    assertEquals(withoutBuyer, erasing.coPurchaseNeighbours("E"));
    assertEquals(withoutBuyer, neighboursOnceEqual(other, "E", withoutBuyer));
    assertEquals(List.of(new CoPurchaseNeighbour("A", 2), new CoPurchaseNeighbour("C", 1),
        new CoPurchaseNeighbour("F", 1)), erasing.coPurchaseNeighbours("B"));
    assertEquals(erasing.coPurchaseNeighbours("B"), neighboursOnceEqual(other, "B", erasing.coPurchaseNeighbours("B")));
    String before = statistics(erasing);

    assertFalse(erasing.compactOrderLines(), "each erasure compacted already");
    assertEquals(0, orderLines());
    RedisEventStore startedAfter = replica();

    assertEquals(before, statisticsOnceEqual(startedAfter, before));
    assertEquals(withoutBuyer, startedAfter.coPurchaseNeighbours("E"));
  }

  /**
   * A replica started after an erasure holds the erasing replica's counts: the erasure compacts the
   * user's lines and their withdrawal into the snapshot, so no replica subtracts lines it never read
   * (deleting the lines and keeping the withdrawal made it subtract the keeper's E,D).
   */
  @Test
  void eraseUser_replicaStartedAfter_holdsTheErasingReplicasCounts() throws InterruptedException {
    RedisEventStore erasing = replica();
    erasing.append(List.of(order("keeper", "E", 1000, "k1"), order("keeper", "D", 1001, "k1"),
        order("buyer", "E", 1002, "o1"), order("buyer", "D", 1003, "o1")));
    assertEquals(List.of(new CoPurchaseNeighbour("D", 2)), erasing.coPurchaseNeighbours("E"));

    erasing.eraseUser("buyer");
    RedisEventStore startedAfter = replica();

    List<CoPurchaseNeighbour> keepersOnly = List.of(new CoPurchaseNeighbour("D", 1));
    assertEquals(keepersOnly, erasing.coPurchaseNeighbours("E"));
    assertEquals(keepersOnly, neighboursOnceEqual(startedAfter, "E", keepersOnly));
    String expected = statistics(erasing);
    assertEquals(expected, statisticsOnceEqual(startedAfter, expected));
  }

  /**
   * After a compaction that holds the user's open order (user id and basket id), erasure leaves no
   * value in Redis naming the user, nor their SHA-256 (the withdrawal line's, reversible by hashing
   * candidate ids): the erasure's own compaction replaces that snapshot and trims the lines up to
   * and including the withdrawal.
   */
  @Test
  void eraseUser_afterACompaction_leavesNoValueNamingTheUser_norTheirHash() {
    RedisEventStore erasing = replica();
    String user = "erased-customer-4711";
    erasing.append(List.of(order(user, "E", 1000, "basket-XYZ"), order(user, "D", 1001, "basket-XYZ"),
        order("keeper", "E", 1002, "k1")));
    erasing.coPurchaseNeighbours("E");
    assertTrue(erasing.compactOrderLines());
    assertTrue(redisNames(user), "the snapshot holds the open order");

    erasing.eraseUser(user);

    assertFalse(redisNames(user));
    assertFalse(redisNames(HexFormat.of().formatHex(Digests.sha256(user))));
    assertEquals(0, orderLines(), "every line up to the withdrawal trimmed");
  }

  /**
   * An erasure whose compaction cannot run (another replica holds the lock past the wait) says the
   * user's order lines are not yet gone; erasing again once the lock is free removes them.
   */
  @Test
  void eraseUser_whileTheCompactionLockIsHeld_saysTheLinesAreNotYetGone_andAgainRemovesThem() {
    RedisEventStore erasing = replica();
    erasing.append(List.of(order("buyer", "E", 1000, "o1"), order("buyer", "D", 1001, "o1")));
    erasing.eraseCompactionWait(Duration.ofMillis(300));
    onRedis(jedis -> jedis.set(LOCK, "another replica's"));

    ErasureUnfinishedException refused = assertThrows(ErasureUnfinishedException.class, () -> erasing.eraseUser("buyer"));

    assertTrue(refused.getMessage().contains("order lines are not yet gone"), refused.getMessage());
    assertEquals(List.of(), erasing.coPurchaseNeighbours("E"), "withdrawn all the same");
    assertEquals(3, orderLines());
    onRedis(jedis -> jedis.del(LOCK));
    // Says it finished the erasure (91e182a): the user's two lines and the withdrawal line removed.
    assertEquals(new ErasedUser(true, 0, 0, 3), erasing.eraseUser("buyer"));
    assertEquals(0, orderLines());
  }

  /**
   * The withdrawal line names the user's orders by a hash of user and order, not by their ids: it
   * stays in Redis while its compaction cannot run, and would otherwise write back the ids of orders
   * whose lines left long ago (here the dataset's), next to the user's reversible SHA-256.
   */
  @Test
  void eraseUser_whileTheCompactionLockIsHeld_leavesNoOrderIdOfTheUserInRedis() {
    RedisEventStore erasing = replica();
    erasing.eraseCompactionWait(Duration.ofMillis(300));
    onRedis(jedis -> jedis.set(LOCK, "another replica's"));
    assertTrue(redisNames("i1") && redisNames("i2"), "u1's timeline holds their dataset orders");

    assertThrows(ErasureUnfinishedException.class, () -> erasing.eraseUser("u1"));

    assertEquals(1, orderLines(), "the withdrawal line stays");
    assertFalse(redisNames("i1"));
    assertFalse(redisNames("i2"));
  }

  /**
   * A withdrawal line of a build before the line named the withdrawn orders (no field "k")
   * withdraws none of the user's open orders, as that build's replicas did (they forgot them
   * uncounted): every replica reading it counts alike.
   */
  @Test
  void withdrawalLineOfAnOlderBuild_leavesTheUsersOpenOrdersCounting() {
    RedisEventStore writing = replica();
    writing.append(List.of(order("old", "E", 1000, "o1"), order("old", "F", 1001, "o1")));
    assertEquals(List.of(new CoPurchaseNeighbour("F", 1)), writing.coPurchaseNeighbours("E"));
    onRedis(jedis -> jedis.xadd(RedisEventStore.ORDER_LINES, XAddParams.xAddParams(), Map.of(
        RedisEventStore.WITHDRAWN_USER, HexFormat.of().formatHex(Digests.sha256("old")),
        RedisEventStore.WITHDRAWN_ORDERS, "")));

    RedisEventStore startedAfter = replica();
    startedAfter.append(List.of(order("old", "D", 1002, "o1")));

    assertEquals(List.of(new CoPurchaseNeighbour("F", 1)), startedAfter.coPurchaseNeighbours("E"),
        "E,F count on; o1 was forgotten, so D is not paired with E");
  }

  /** Whether a key name or a value of the database holds {@code text}. */
  private boolean redisNames(String text) {
    return onRedis(jedis -> {
      for (String key : jedis.keys("*")) {
        String value = switch (jedis.type(key)) {
          case "string" -> new String(jedis.get(key.getBytes(StandardCharsets.ISO_8859_1)), StandardCharsets.ISO_8859_1);
          case "list" -> jedis.lrange(key.getBytes(StandardCharsets.ISO_8859_1), 0, -1).stream()
              .map(bytes -> new String(bytes, StandardCharsets.ISO_8859_1)).collect(Collectors.joining());
          case "stream" -> jedis.xrange(key, "-", "+").toString();
          case "hash" -> jedis.hgetAll(key).toString();
          case "zset" -> jedis.zrange(key, 0, -1).toString();
          case "set" -> jedis.smembers(key).toString();
          default -> "";
        };
        if (key.contains(text) || value.contains(text)) {
          return true;
        }
      }
      return false;
    });
  }

  private static NewEvent order(String user, String item, long second, String basket) {
    return new NewEvent(user, new RecordedEvent(item, Instant.ofEpochSecond(second), EventType.PURCHASE, basket));
  }

  /** The replica's neighbours of {@code item} once {@code expected} (within its sync interval), else as found. */
  private static List<CoPurchaseNeighbour> neighboursOnceEqual(RedisEventStore replica, String item,
      List<CoPurchaseNeighbour> expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<CoPurchaseNeighbour> found = replica.coPurchaseNeighbours(item);
    while (!found.equals(expected) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      found = replica.coPurchaseNeighbours(item);
    }
    return found;
  }
}
