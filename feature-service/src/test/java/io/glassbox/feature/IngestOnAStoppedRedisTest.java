package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.IngestEventsResponse;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.LogCapture;
import io.glassbox.server.RedisServer;
import io.glassbox.server.RequestIds;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * IngestEvents while a real redis-server is stopped (SIGSTOP): the append script goes out, the
 * command times out, and Redis runs it when it resumes. The answer must not say "retry" as if
 * nothing were stored; it says the event may have been stored and how to resend it safely.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IngestOnAStoppedRedisTest {
  private static final String USER = "frozen";

  @Test
  void ingest_redisStoppedAfterTheWriteWentOut_saysItMayHaveBeenStored_logsItUnderTheCallsRequestId_andTheResendWithItsIdCountsOnce()
      throws Exception {
    try (LogCapture logged = LogCapture.of(FeatureGrpcService.class, Level.INFO);
        RedisServer redis = RedisServer.startFresh()) {
      try (RedisEventStore store = TestData.redisStore(redis.uri())) {
        store.load(TestData.small());
        String name = "stopped-redis-" + UUID.randomUUID();
        GrpcServer server = TestData.serving(store, name);
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try {
          FeatureServiceGrpc.FeatureServiceBlockingStub stub = FeatureServiceGrpc.newBlockingStub(channel);

          redis.pause();
          StatusRuntimeException failed;
          try {
            failed = assertThrows(StatusRuntimeException.class, () -> stub.withDeadlineAfter(20, TimeUnit.SECONDS)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(requestId("call-7")))
                .ingestEvents(purchase("e-1")));
          } finally {
            redis.resume();
          }

          assertEquals(Status.Code.UNAVAILABLE, failed.getStatus().getCode());
          String description = failed.getStatus().getDescription();
          assertTrue(description.contains("it may have been stored")
              && description.contains("resend it with the same event ids, and it is counted once"), description);
          assertTrue(logged.linesOf("call-7").stream().anyMatch(line -> line.getFormattedMessage().equals(
                  "IngestEvents of 1 events failed with UNAVAILABLE: it may have been"
                  + " stored (a resend under the same event ids is counted once)")),
              "no line of the failed call: " + logged.lines());
          awaitStoredEvents(stub, 1);
          IngestEventsResponse resent = stub.withDeadlineAfter(10, TimeUnit.SECONDS).ingestEvents(purchase("e-1"));
          assertEquals(1, resent.getDuplicateCount());
          assertEquals(1, storedEvents(stub));
        } finally {
          channel.shutdownNow();
          server.close();
        }
      }
    }
  }

  /**
   * Once readiness's own check found the stopped Redis down, an ingestion is refused before its
   * script goes out: at once, "retry shortly" (nothing stored), not after the command timeout with
   * "it may have been stored"; once Redis answers again the same event is stored once, new.
   */
  @Test
  void ingest_redisFoundDownByReadiness_isRefusedAtOnce_nothingStored_theResendStoresItOnce() throws Exception {
    try (RedisServer redis = RedisServer.startFresh(); RedisEventStore store = TestData.redisStore(redis.uri())) {
      store.load(TestData.small());
      URI uri = redis.uri();
      String name = "stopped-redis-ingest-" + UUID.randomUUID();
      try (StoreReadiness readiness = new StoreReadiness(
              new SeededStorePing(new RedisPing(uri, uri.toString(), RedisPing.DEADLINE), store), StoreReadiness.INTERVAL);
          GrpcServer server = TestData.serving(store, name)) {
        readiness.start(server);
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try {
          FeatureServiceGrpc.FeatureServiceBlockingStub stub = FeatureServiceGrpc.newBlockingStub(channel);
          HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);

          redis.pause();
          long took;
          StatusRuntimeException failed;
          try {
            awaitStatus(health, ServingStatus.NOT_SERVING);
            long started = System.nanoTime();
            failed = assertThrows(StatusRuntimeException.class,
                () -> stub.withDeadlineAfter(20, TimeUnit.SECONDS).ingestEvents(purchase("e-2")));
            took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
          } finally {
            redis.resume();
          }

          assertEquals(Status.Code.UNAVAILABLE, failed.getStatus().getCode());
          assertEquals("the feature store is unavailable; retry shortly", failed.getStatus().getDescription());
          assertTrue(took < RedisStoreModule.TIMEOUT.toMillis() / 2, "answered in " + took + " ms");
          awaitStatus(health, ServingStatus.SERVING);
          assertEquals(0, storedEvents(stub));
          IngestEventsResponse resent = stub.withDeadlineAfter(10, TimeUnit.SECONDS).ingestEvents(purchase("e-2"));
          assertEquals(0, resent.getDuplicateCount());
          assertEquals(1, storedEvents(stub));
        } finally {
          channel.shutdownNow();
        }
      }
    }
  }

  private static void awaitStatus(HealthGrpc.HealthBlockingStub health, ServingStatus expected) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (health.withDeadlineAfter(5, TimeUnit.SECONDS).check(HealthCheckRequest.newBuilder()
        .setService(FeatureServiceGrpc.SERVICE_NAME).build()).getStatus() != expected) {
      assertTrue(System.nanoTime() < deadline, "not " + expected + " within 10 s");
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  private static Metadata requestId(String id) {
    Metadata headers = new Metadata();
    headers.put(RequestIds.HEADER, id);
    return headers;
  }

  private static IngestEventsRequest purchase(String eventId) {
    return IngestEventsRequest.newBuilder().addEvents(UserEvent.newBuilder()
        .setUserId(USER).setEventId(eventId)
        .setEvent(Event.newBuilder().setItemId("A").setEventType("purchase")
            .setTime(Timestamp.newBuilder().setSeconds(1_700_000_000L))))
        .build();
  }

  private static long storedEvents(FeatureServiceGrpc.FeatureServiceBlockingStub stub) {
    return stub.withDeadlineAfter(10, TimeUnit.SECONDS)
        .getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(USER).build()).getTotalEvents();
  }

  /** The resumed Redis runs the script it was sent while stopped; waits until it has. */
  private static void awaitStoredEvents(FeatureServiceGrpc.FeatureServiceBlockingStub stub, long expected) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (storedEvents(stub) != expected) {
      assertTrue(System.nanoTime() < deadline, "the event sent while Redis was stopped was never stored");
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }
}
