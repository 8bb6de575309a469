package io.glassbox.feature;

import static io.glassbox.server.MetricsText.scrape;
import static io.glassbox.server.MetricsText.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.GetUserHistoryResponse;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.IngestEventsResponse;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RedisServer;
import io.glassbox.server.ServerSettings;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/**
 * Real feature-service processes' start-up path ({@link FeatureMain#start}) on the Redis store
 * over the embedded dataset and a real redis-server: replicas share events, and a new service
 * on the same Redis finds everything the old one acknowledged.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FeatureServiceOnRedisTest {
  private static RedisServer redis;

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.startFresh();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  private static GrpcServer startService() {
    return FeatureMain.start(ConfigSource.of(Map.of(
        FeatureConfig.PORT_KEY, "0",
        FeatureConfig.ADMIN_PORT_KEY, "0",
        // Two replicas run in this one process: no fixed metrics port for them to share.
        ServerSettings.METRICS_PORT_KEY, "0",
        FeatureConfig.DATA_DIR_KEY, TestData.realDataDir().toString(),
        FeatureConfig.STORE_KEY, "redis",
        FeatureConfig.REDIS_URI_KEY, redis.uri().toString())));
  }

  private static <T> T call(GrpcServer server, Function<FeatureServiceGrpc.FeatureServiceBlockingStub, T> rpc) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", server.port()).usePlaintext().build();
    try {
      return rpc.apply(FeatureServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow();
    }
  }

  private static IngestEventsRequest purchase(String user, String item, long second, String eventId) {
    return IngestEventsRequest.newBuilder().addEvents(UserEvent.newBuilder()
        .setUserId(user)
        .setEventId(eventId)
        .setEvent(Event.newBuilder().setItemId(item).setTime(Timestamp.newBuilder().setSeconds(second))))
        .build();
  }

  /** {@code events} purchases by {@code user} in one order, each with its own event id. */
  private static IngestEventsRequest order(String user, int events) {
    IngestEventsRequest.Builder request = IngestEventsRequest.newBuilder();
    for (int i = 0; i < events; i++) {
      request.addEvents(UserEvent.newBuilder()
          .setUserId(user)
          .setEventId(user + "-event-" + i)
          .setEvent(Event.newBuilder().setItemId("85123A").setBasketId(user + "-order")
              .setTime(Timestamp.newBuilder().setSeconds(1_700_000_000L + i))));
    }
    return request.build();
  }

  private static long usedMemory(Jedis jedis) {
    return Long.parseLong(jedis.info("memory").lines().filter(line -> line.startsWith("used_memory:"))
        .findFirst().orElseThrow().split(":")[1].trim());
  }

  private static GetUserHistoryResponse history(GrpcServer server, String user) {
    return call(server, stub -> stub.getUserHistory(
        GetUserHistoryRequest.newBuilder().setUserId(user).setMaxEvents(1000).build()));
  }

  @Test
  void twoReplicasOnOneRedis_anEventIngestedThroughOneIsVisibleThroughTheOther_andSurvivesARestart() {
    GrpcServer first = startService();
    GrpcServer second = startService();
    try {
      call(first, stub -> stub.ingestEvents(purchase("replica-user", "85123A", 1_700_000_000L, "r-1")));

      GetUserHistoryResponse seen = history(second, "replica-user");
      assertEquals(1, seen.getEventsCount());
      assertEquals("85123A", seen.getEvents(0).getItemId());
      // The same event retried through the other replica is recognised.
      IngestEventsResponse retried = call(second, stub ->
          stub.ingestEvents(purchase("replica-user", "85123A", 1_700_000_000L, "r-1")));
      assertEquals(1, retried.getDuplicateCount());
      // The dataset was seeded once, not once per replica.
      assertEquals(182, history(second, "12347").getTotalEvents());
      // Basket ids and regular items as the in-memory store gives them (FeatureGrpcServiceTest).
      GetUserHistoryResponse regular = call(second, stub -> stub.getUserHistory(GetUserHistoryRequest.newBuilder()
          .setUserId("12347").setMaxEvents(1).setRegularItemsMinBaskets(2).setMaxRegularItems(3).build()));
      assertEquals("581180", regular.getEvents(0).getBasketId());
      assertEquals(7, regular.getOrders());
      assertEquals(List.of("22375:6", "21731:5", "84558A:5"), regular.getRegularItemsList().stream()
          .map(item -> item.getItemId() + ":" + item.getBaskets()).toList());
    } finally {
      first.close();
      second.close();
    }

    GrpcServer restarted = startService();
    try {
      GetUserHistoryResponse after = history(restarted, "replica-user");
      assertEquals(1, after.getEventsCount());
      assertTrue(after.getKnownUser());
      assertEquals(182, history(restarted, "12347").getTotalEvents());
    } finally {
      restarted.close();
    }
  }

  /**
   * A taken event id sent for the same purchase in another order is refused with the words the
   * in-memory store gives (FeatureGrpcServiceTest): the order is what differs, and the first event's
   * time is kept by a resend. The Redis store keeps the first event's identity in its own form.
   */
  @Test
  void eventIdOfTheSamePurchaseInAnotherOrder_isAlreadyExistsNamingTheOrders() {
    GrpcServer service = startService();
    try {
      IngestEventsRequest bought = purchase("order-user", "85123A", 1_700_000_000L, "r-2");
      call(service, stub -> stub.ingestEvents(bought));
      IngestEventsRequest inOrder = bought.toBuilder().setEvents(0, bought.getEvents(0).toBuilder()
          .setEvent(bought.getEvents(0).getEvent().toBuilder().setBasketId("X1"))).build();

      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> call(service, stub -> stub.ingestEvents(inOrder)));

      assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
      assertEquals("events[0].event_id \"r-2\" was already used for another event of this user (purchase of 85123A),"
          + " which differs in order (none first, \"X1\" now)" + FeatureGrpcServiceTest.RESEND_MUST_REPEAT,
          e.getStatus().getDescription());
      assertEquals(1, history(service, "order-user").getTotalEvents());
    } finally {
      service.close();
    }
  }

  /**
   * A Redis at its maxmemory (noeviction, as production runs it) refuses every write: the refusals
   * are counted for the store-full alert, from 0 so that the first one is an increase. Before, they
   * showed only as RESOURCE_EXHAUSTED calls, which the busy alert (a warning) took for overload.
   */
  @Test
  void ingestIntoAFullRedis_isRefusedResourceExhausted_andCountedAsAStoreFullRefusal() throws Exception {
    GrpcServer service = startService();
    try (Jedis jedis = redis.connect()) {
      assertEquals(0, value(scrape(service), StoreCalls.FULL_REFUSALS + "_total"));
      jedis.configSet("maxmemory", "1");
      try {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
            () -> call(service, stub -> stub.ingestEvents(purchase("full-user", "85123A", 1_700_000_000L, "f-1"))));

        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertEquals("the feature store is full; nothing was stored", e.getStatus().getDescription());
        assertEquals(1, value(scrape(service), StoreCalls.FULL_REFUSALS + "_total"));
      } finally {
        jedis.configSet("maxmemory", "0");
      }
    } finally {
      service.close();
    }
  }

  /**
   * Ingesting into a Redis filling up to its maxmemory (noeviction): every call answered OK is
   * stored whole, and the first call refused RESOURCE_EXHAUSTED stored nothing of its events,
   * dedupe keys or order lines, so resending it with the same event ids once Redis has room stores
   * every event, none taken as a duplicate.
   */
  @Test
  void ingestUntilRedisIsFull_everyAcknowledgedEventIsStored_andTheRefusedCallResentLaterIsStoredWhole() {
    int events = 100;
    GrpcServer service = startService();
    try (Jedis jedis = redis.connect()) {
      jedis.configSet("maxmemory-policy", "noeviction");
      jedis.configSet("maxmemory", String.valueOf(usedMemory(jedis) + 1_000_000));
      int acknowledged = 0;
      IngestEventsRequest refused = null;
      long linesBefore;
      try {
        while (refused == null) {
          IngestEventsRequest next = order("filling-" + acknowledged, events);
          try {
            assertEquals(events, call(service, stub -> stub.ingestEvents(next)).getAcceptedCount());
            acknowledged++;
          } catch (StatusRuntimeException e) {
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            refused = next;
          }
          assertTrue(acknowledged < 1000, "Redis never filled up");
        }
        assertTrue(acknowledged > 0, "Redis was full before the first call");
        for (int i = 0; i < acknowledged; i++) {
          assertEquals(events, history(service, "filling-" + i).getTotalEvents(), "acknowledged call " + i);
        }
        String user = "filling-" + acknowledged;
        assertEquals(0, history(service, user).getTotalEvents(), "the refused call stored none of its events");
        assertEquals(Set.of(), jedis.keys(RedisEventStore.PREFIX + "e:" + user.length() + ":" + user + "*"));
        linesBefore = jedis.xlen(RedisEventStore.ORDER_LINES);
      } finally {
        jedis.configSet("maxmemory", "0");
      }
      IngestEventsRequest resend = refused;
      IngestEventsResponse resent = call(service, stub -> stub.ingestEvents(resend));

      assertEquals(List.of(events, 0), List.of(resent.getAcceptedCount(), resent.getDuplicateCount()));
      assertEquals(events, history(service, "filling-" + acknowledged).getTotalEvents());
      assertEquals(linesBefore + events, jedis.xlen(RedisEventStore.ORDER_LINES));
    } finally {
      service.close();
    }
  }
}
