package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.IngestEventsResponse;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RedisServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.args.ClientPauseMode;

/**
 * Ingestion on a real Redis kept busy: {@code CLIENT PAUSE ... WRITE} holds this replica's write
 * scripts in Redis, unanswered, while it still answers reads and pings, as a Redis working through
 * a queue of scripts does. A replica keeps its writes in Redis to its write slots and refuses one
 * that finds none free in time before sending it; readiness takes a ping that times out behind the
 * replica's own writes for a busy store, not a down one, but still finds a Redis that answers
 * nothing down.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IngestOnABusyRedisTest {
  /** Longer than any pause here: a write held by the pause is answered, never timed out. */
  private static final int COMMAND_TIMEOUT_MILLIS = 60_000;

  @Test
  void ingest_whileTheReplicasOnlyWriteSlotIsHeldInRedis_isRefusedBusy_nothingStored_theResendStoresItOnce()
      throws Exception {
    try (RedisServer redis = RedisServer.startFresh();
        RedisEventStore store = new RedisEventStore(new JedisPooled(redis.uri(), COMMAND_TIMEOUT_MILLIS),
            redis.uri().toString(), 100, 200, "GBP", TestData.ROOMY, RedisEventStore.COMPACT_AFTER_LINES,
            RedisEventStore.SNAPSHOT_CHUNK_BYTES, 1, Duration.ofMillis(100));
        Jedis admin = redis.connect()) {
      store.load(TestData.small());
      String name = "busy-redis-" + UUID.randomUUID();
      try (GrpcServer server = TestData.serving(store, name)) {
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try {
          FeatureServiceGrpc.FeatureServiceBlockingStub stub = FeatureServiceGrpc.newBlockingStub(channel);
          CompletableFuture<IngestEventsResponse> first;
          StatusRuntimeException refused;
          admin.clientPause(COMMAND_TIMEOUT_MILLIS, ClientPauseMode.WRITE);
          try {
            first = CompletableFuture.supplyAsync(() -> stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                .ingestEvents(purchase("holder", "e-1")));
            awaitWritesInRedis(store, 1);
            refused = assertThrows(StatusRuntimeException.class,
                () -> stub.withDeadlineAfter(60, TimeUnit.SECONDS).ingestEvents(purchase("waiter", "e-2")));
          } finally {
            admin.clientUnpause();
          }

          assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
          assertEquals("the feature store is busy with other writes; nothing was stored; resend with the same "
              + "event ids after a pause", refused.getStatus().getDescription());
          assertEquals(1, first.get(60, TimeUnit.SECONDS).getAcceptedCount());
          assertEquals(0, storedEvents(stub, "waiter"));
          IngestEventsResponse resent = stub.withDeadlineAfter(60, TimeUnit.SECONDS)
              .ingestEvents(purchase("waiter", "e-2"));
          assertEquals(0, resent.getDuplicateCount());
          assertEquals(1, storedEvents(stub, "waiter"));
        } finally {
          channel.shutdownNow();
        }
      }
    }
  }

  /**
   * Readiness's ping goes to a stopped Redis (SIGSTOP: it never answers, as a PING queued behind
   * scripts does not within its deadline) while the store writes to a live one.
   */
  @Test
  void check_timedOutWhileTheReplicasWriteWaitsInRedis_passesAsBusy_againWhileWritesAreAnswered_failsOnceNoneIs()
      throws Exception {
    try (RedisServer redis = RedisServer.startFresh();
        RedisServer silent = RedisServer.startFresh();
        RedisEventStore store = new RedisEventStore(new JedisPooled(redis.uri(), COMMAND_TIMEOUT_MILLIS),
            redis.uri().toString(), 100, 200, "GBP", TestData.ROOMY);
        Jedis admin = redis.connect()) {
      store.load(TestData.small());
      URI uri = silent.uri();
      silent.pause();
      try (RedisPing ping = new RedisPing(uri, uri.toString(), RedisPing.DEADLINE)) {
        StoreUnavailableException idle = assertThrows(StoreUnavailableException.class, () -> store.check(ping));
        assertTrue(idle.getMessage().contains("did not answer within"), idle.getMessage());
        assertThrows(StoreUnavailableException.class, () -> store.history("u1", 10), "refused while down");

        CompletableFuture<AppendResult> held;
        admin.clientPause(COMMAND_TIMEOUT_MILLIS, ClientPauseMode.WRITE);
        try {
          try (RedisPing live = new RedisPing(redis.uri(), "live", RedisPing.DEADLINE)) {
            assertDoesNotThrow(() -> store.check(live), "a Redis that answers PING is up, its writes paused or not");
          }
          held = CompletableFuture.supplyAsync(() -> store.append(List.of(event("e-1"))));
          awaitWritesInRedis(store, 1);
          assertDoesNotThrow(() -> store.check(ping), "timed out behind this replica's write: busy");
        } finally {
          admin.clientUnpause();
        }
        held.get(60, TimeUnit.SECONDS);
        assertEquals(0, store.writesInRedis());
        assertDoesNotThrow(() -> store.check(ping), "timed out, but Redis answered a write since: still busy");
        assertEquals(1, store.history("holder", 10).events().size(), "reads served while busy");

        assertThrows(StoreUnavailableException.class, () -> store.check(ping), "no write answered since: down");
        assertThrows(StoreUnavailableException.class, () -> store.history("holder", 10), "refused while down");
      } finally {
        silent.resume();
      }
    }
  }

  private static void awaitWritesInRedis(RedisEventStore store, int expected) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (store.writesInRedis() != expected) {
      assertTrue(System.nanoTime() < deadline, "no write reached Redis");
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }

  private static NewEvent event(String eventId) {
    return new NewEvent("holder", new RecordedEvent("A", Instant.ofEpochSecond(1_700_000_000L), EventType.PURCHASE),
        eventId);
  }

  private static IngestEventsRequest purchase(String user, String eventId) {
    return IngestEventsRequest.newBuilder().addEvents(UserEvent.newBuilder()
        .setUserId(user).setEventId(eventId)
        .setEvent(Event.newBuilder().setItemId("A").setEventType("purchase")
            .setTime(Timestamp.newBuilder().setSeconds(1_700_000_000L))))
        .build();
  }

  private static long storedEvents(FeatureServiceGrpc.FeatureServiceBlockingStub stub, String user) {
    return stub.withDeadlineAfter(10, TimeUnit.SECONDS)
        .getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(user).build()).getTotalEvents();
  }
}
