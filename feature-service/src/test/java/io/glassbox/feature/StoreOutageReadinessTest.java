package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetItemsRequest;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.GetUserHistoryResponse;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RedisServer;
import io.glassbox.server.ServerSettings;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/**
 * The feature service started as in production ({@link FeatureMain#start}) on a real redis-server:
 * when Redis dies or hangs (SIGSTOP), readiness (the service's gRPC health status and
 * {@code /ready}) goes NOT_SERVING within seconds while liveness (overall status, {@code /live})
 * stays up; when Redis is back, so is readiness, by itself.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StoreOutageReadinessTest {
  private static final String SERVICE = FeatureServiceGrpc.SERVICE_NAME;
  /** Pings twice a second; the rest is slack for a busy machine. */
  private static final Duration WITHIN = Duration.ofSeconds(10);
  /**
   * A hung Redis: the pause before the next ping (0.5 s) and its deadline (1.5 s), and a second of
   * slack. A ping that waits out the requests' 2 s command timeout, and again on a fresh connection,
   * takes at least 4 s.
   */
  private static final Duration HUNG_WITHIN = Duration.ofSeconds(3);
  /**
   * Seeding the real dataset into an empty Redis again: a start, which also indexes it, took 19 to
   * 25 s on a loaded 2-core machine.
   */
  private static final Duration SEEDED_WITHIN = Duration.ofSeconds(90);
  /** Under readiness's wait for a ping in flight (3 s), which a seed left running would use up. */
  private static final Duration SHUT_DOWN_WITHIN = Duration.ofMillis(2500);

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void redisKilled_readinessGoesNotServingButLivenessStays_redisBack_servingAgain() throws Exception {
    outageAndBack(RedisServer::kill, RedisServer::start, WITHIN);
  }

  /**
   * Connections are still accepted, commands never answered: a ping must not wait out the
   * requests' 2 s command timeout (twice, with a retry on a fresh connection).
   */
  @Test
  void redisHung_readinessGoesNotServingWithinItsPingDeadline_redisResumed_servingAgain() throws Exception {
    outageAndBack(RedisServer::pause, RedisServer::resume, HUNG_WITHIN);
  }

  /**
   * Redis killed and started empty on the same port (a new data directory): it answers PING, but
   * the catalogue is gone. The service goes NOT_SERVING and seeds the dataset again by itself, once,
   * then serves the dataset's users and items; an ingestion meanwhile is UNAVAILABLE (retry), never
   * NOT_FOUND (a shop drops the purchase), and its retry is counted once.
   */
  @Test
  void redisBackEmpty_notServingWhileItSeedsTheDatasetAgain_thenServingWithTheCatalogue() throws Exception {
    try (RedisServer redis = RedisServer.startFresh(); GrpcServer server = start(redis)) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        FeatureServiceGrpc.FeatureServiceBlockingStub features = FeatureServiceGrpc.newBlockingStub(channel);
        BlockingQueue<ServingStatus> statuses = watch(channel);
        assertEquals(ServingStatus.SERVING, statuses.poll(WITHIN.toSeconds(), TimeUnit.SECONDS));
        long datasetEvents = history(features, "12348").getTotalEvents();
        features.withDeadlineAfter(20, TimeUnit.SECONDS).ingestEvents(purchase("lost-with-redis"));

        redis.restartEmpty();

        // Retried as a shop's back end would: the pool's connections to the killed Redis fail first,
        // before the write is sent ("is unavailable") or after it ("did not confirm the write"); then
        // the store lost its data, until it is seeded again.
        long deadline = System.nanoTime() + SEEDED_WITHIN.toNanos();
        while (true) {
          try {
            features.withDeadlineAfter(20, TimeUnit.SECONDS).ingestEvents(purchase("after-the-loss"));
            break;
          } catch (StatusRuntimeException refused) {
            String description = refused.getStatus().getDescription();
            assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.getStatus().toString());
            assertTrue(deadConnection(description) || description.contains("lost its data"), description);
            assertTrue(System.nanoTime() < deadline, "not stored within " + SEEDED_WITHIN + ": " + description);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
          }
        }
        assertEquals(ServingStatus.NOT_SERVING, statuses.poll(WITHIN.toSeconds(), TimeUnit.SECONDS));
        assertEquals(ServingStatus.SERVING, statuses.poll(WITHIN.toSeconds(), TimeUnit.SECONDS));
        assertEquals("200 SERVING", get(server, "/ready"));
        assertEquals("200 alive", get(server, "/live"));
        String metrics = get(server, "/metrics");
        assertTrue(metrics.contains("glassbox_feature_store_reseeds_total 1.0"), metrics);
        assertTrue(metrics.contains("glassbox_feature_store_up 1.0"), metrics);
        // The dataset is back; the purchase before the loss went with Redis, the one after counts once.
        assertEquals(182, history(features, "12347").getTotalEvents());
        assertEquals(datasetEvents + 1, history(features, "12348").getTotalEvents());
        assertFalse(features.withDeadlineAfter(20, TimeUnit.SECONDS).getItems(GetItemsRequest.newBuilder().addItemIds("10002").build())
            .getItems(0).getTitle().isEmpty());
        assertTrue(statuses.isEmpty(), statuses.toString());
      } finally {
        channel.shutdownNow();
      }
    }
  }

  /**
   * Shut down while readiness seeds an emptied Redis again: the seed stops at its next batch
   * before readiness waits for its ping thread, so the close is not held up by the seed, and the
   * seed lock is released for the other replicas.
   */
  @Test
  void shutDownWhileSeedingAgain_closesWithoutWaitingForTheSeed_andReleasesTheLock() throws Exception {
    try (RedisServer redis = RedisServer.startFresh(); Jedis jedis = redis.connect()) {
      GrpcServer server = start(redis);
      long closeTook;
      try {
        redis.flushAll();
        await(() -> jedis.exists("glassbox:seed-lock"), SEEDED_WITHIN, "readiness seeding the flushed Redis");
      } finally {
        long started = System.nanoTime();
        server.close();
        closeTook = System.nanoTime() - started;
      }
      assertTrue(closeTook < SHUT_DOWN_WITHIN.toNanos(),
          "closed in " + TimeUnit.NANOSECONDS.toMillis(closeTook) + " ms");
      assertFalse(jedis.exists("glassbox:seed-lock"));
    }
  }

  private static GetUserHistoryResponse history(FeatureServiceGrpc.FeatureServiceBlockingStub features, String user) {
    return features.withDeadlineAfter(20, TimeUnit.SECONDS).getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(user).build());
  }

  /** The service's health statuses as the server sends them, each change in order. */
  private static BlockingQueue<ServingStatus> watch(ManagedChannel channel) {
    BlockingQueue<ServingStatus> statuses = new LinkedBlockingQueue<>();
    HealthGrpc.newStub(channel).watch(HealthCheckRequest.newBuilder().setService(SERVICE).build(),
        new StreamObserver<>() {
          @Override
          public void onNext(HealthCheckResponse response) {
            statuses.add(response.getStatus());
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    return statuses;
  }

  private static IngestEventsRequest purchase(String eventId) {
    return IngestEventsRequest.newBuilder().addEvents(UserEvent.newBuilder().setUserId("12348")
        .setEventId(eventId).setEvent(Event.newBuilder().setItemId("10002")
            .setTime(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond())).setEventType("purchase")))
        .build();
  }

  /**
   * Starts the service on a fresh Redis, breaks Redis with {@code outage}, expects readiness
   * NOT_SERVING within {@code within} and liveness SERVING throughout, then mends it with
   * {@code back} and expects readiness, and answers, back.
   */
  private void outageAndBack(Consumer<RedisServer> outage, Consumer<RedisServer> back, Duration within)
      throws Exception {
    try (RedisServer redis = RedisServer.startFresh(); GrpcServer server = start(redis)) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        Supplier<ServingStatus> service = () -> status(health, SERVICE);
        assertEquals(ServingStatus.SERVING, service.get());
        assertEquals("200 SERVING", get(server, "/ready"));
        assertTrue(get(server, "/metrics").contains("glassbox_feature_store_up 1.0"));

        outage.accept(redis);

        await(() -> service.get() == ServingStatus.NOT_SERVING, within, "the service NOT_SERVING after the outage");
        assertEquals("503 NOT_SERVING", get(server, "/ready"));
        assertTrue(get(server, "/metrics").contains("glassbox_feature_store_up 0.0"));
        // Liveness: the process is fine, restarting it would not bring Redis back.
        assertEquals(ServingStatus.SERVING, status(health, ""));
        assertEquals("200 alive", get(server, "/live"));

        back.accept(redis);

        await(() -> service.get() == ServingStatus.SERVING, WITHIN, "the service SERVING again after Redis was back");
        assertEquals("200 SERVING", get(server, "/ready"));
        assertTrue(get(server, "/metrics").contains("glassbox_feature_store_up 1.0"));
        assertEquals(182, FeatureServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
            .getUserHistory(GetUserHistoryRequest.newBuilder().setUserId("12347").build()).getTotalEvents());
      } finally {
        channel.shutdownNow();
      }
    }
  }

  /** The feature service as in production, on {@code redis}, with /metrics and the HTTP probes on. */
  private static GrpcServer start(RedisServer redis) throws IOException {
    return FeatureMain.start(ConfigSource.of(Map.of(
        FeatureConfig.PORT_KEY, "0",
        FeatureConfig.ADMIN_PORT_KEY, "0",
        // 0 would turn /metrics and the HTTP probes off.
        ServerSettings.METRICS_PORT_KEY, String.valueOf(freePort()),
        FeatureConfig.DATA_DIR_KEY, TestData.realDataDir().toString(),
        FeatureConfig.STORE_KEY, "redis",
        FeatureConfig.REDIS_URI_KEY, redis.uri().toString())));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static ServingStatus status(HealthGrpc.HealthBlockingStub health, String service) {
    return health.withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }

  private String get(GrpcServer server, String path) throws Exception {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    return path.equals("/metrics") ? response.body() : response.statusCode() + " " + response.body().strip();
  }

  private static void await(Supplier<Boolean> condition, Duration within, String what) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not " + what + " within " + within);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  /** An answer of the pool's connection to the killed Redis, not yet of the empty one. */
  private static boolean deadConnection(String description) {
    return description.contains("is unavailable") || description.contains("did not confirm the write");
  }
}
