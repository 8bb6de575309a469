package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.IngestEventsResponse;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.server.RedisServer;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A reply lost after the event was stored, and the channel's own retry (a service config
 * retrying UNAVAILABLE, as gRPC clients are configured): with an event id the event is stored
 * once, on both stores; without one it is stored twice, which is why ids exist.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IngestRetryTest {
  private static RedisServer redis;
  private EventStore store;
  private Server server;
  private ManagedChannel channel;

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.startFresh();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    store.close();
  }

  /** Stores, then answers UNAVAILABLE instead of OK on the first call: the reply is "lost". */
  private static final class LoseFirstReply implements ServerInterceptor {
    private final AtomicInteger calls = new AtomicInteger();

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      if (calls.getAndIncrement() > 0) {
        return next.startCall(call, headers);
      }
      return next.startCall(new SimpleForwardingServerCall<>(call) {
        @Override
        public void sendHeaders(Metadata headers) {
          // Dropped too: a call whose headers arrived is committed and never retried.
        }

        @Override
        public void sendMessage(R message) {
          // Dropped: the client never learns that the event was stored.
        }

        @Override
        public void close(Status status, Metadata trailers) {
          super.close(Status.UNAVAILABLE.withDescription("connection lost"), trailers);
        }
      }, headers);
    }
  }

  private FeatureServiceGrpc.FeatureServiceBlockingStub start(StoreKind kind) throws IOException {
    if (kind == StoreKind.MEMORY) {
      store = TestData.memoryStore();
    } else {
      redis.flushAll();
      store = TestData.redisStore(redis.uri());
    }
    store.load(TestData.small());
    String name = "retry-" + UUID.randomUUID();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(
            new FeatureGrpcService(store, new CandidateRetriever(store, 20), TestData.TIME_LIMIT, TestData.NO_ZONE),
            new LoseFirstReply()))
        .build().start();
    Map<String, Object> retryPolicy = Map.of(
        "maxAttempts", 3.0, "initialBackoff", "0.01s", "maxBackoff", "0.1s", "backoffMultiplier", 2.0,
        "retryableStatusCodes", List.of("UNAVAILABLE"));
    Map<String, Object> serviceConfig = Map.of("methodConfig", List.of(Map.of(
        "name", List.of(Map.of("service", FeatureServiceGrpc.SERVICE_NAME)),
        "retryPolicy", retryPolicy)));
    channel = InProcessChannelBuilder.forName(name).directExecutor()
        .defaultServiceConfig(serviceConfig).enableRetry().build();
    return FeatureServiceGrpc.newBlockingStub(channel);
  }

  private static IngestEventsRequest click(String eventId) {
    return IngestEventsRequest.newBuilder().addEvents(UserEvent.newBuilder()
        .setUserId("retried").setEventId(eventId)
        .setEvent(Event.newBuilder().setItemId("A").setEventType("click")
            .setTime(Timestamp.newBuilder().setSeconds(1_700_000_000L))))
        .build();
  }

  private static long storedEvents(FeatureServiceGrpc.FeatureServiceBlockingStub stub) {
    return stub.getUserHistory(GetUserHistoryRequest.newBuilder().setUserId("retried").build())
        .getTotalEvents();
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void ingest_replyLostAndRetriedByTheChannel_withEventId_isStoredOnce(StoreKind kind) throws IOException {
    FeatureServiceGrpc.FeatureServiceBlockingStub stub = start(kind);

    IngestEventsResponse response = stub.withDeadlineAfter(10, TimeUnit.SECONDS).ingestEvents(click("e-42"));

    assertEquals(1, response.getAcceptedCount());
    assertEquals(1, response.getDuplicateCount());
    assertEquals(1, storedEvents(stub));
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void ingest_replyLostAndRetriedByTheChannel_withoutEventId_isStoredTwice(StoreKind kind) throws IOException {
    FeatureServiceGrpc.FeatureServiceBlockingStub stub = start(kind);

    IngestEventsResponse response = stub.withDeadlineAfter(10, TimeUnit.SECONDS).ingestEvents(click(""));

    assertEquals(0, response.getDuplicateCount());
    assertEquals(2, storedEvents(stub));
  }
}
