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
}
