package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.GetUserHistoryResponse;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RedisServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reads while a real redis-server is stopped (SIGSTOP: hung, not dead, as a Redis swapping or
 * frozen is): a read that timed out is not tried again, so it answers UNAVAILABLE within one
 * command timeout, not two; once readiness's own ping found Redis down, reads answer UNAVAILABLE
 * at once, without sending a command that would wait out the timeout; once a ping passes, reads
 * go to Redis again. A gateway, whose deadline to its client is 3 s, then sees UNAVAILABLE in time
 * to degrade.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ReadOnAStoppedRedisTest {
  private static final String USER = "u1";
  /** The store's command timeout ({@link TestData#redisStore} uses the shipped one). */
  private static final Duration TIMEOUT = RedisStoreModule.TIMEOUT;
  /** One command timeout and slack for a busy machine; a read tried again waits two. */
  private static final Duration ONE_TIMEOUT = TIMEOUT.multipliedBy(3).dividedBy(2);
  /** No command timeout waited out; slack for a busy machine. */
  private static final Duration AT_ONCE = TIMEOUT.dividedBy(2);
  /** Readiness pings every 0.5 s with a 1.5 s deadline; the rest is slack for a busy machine. */
  private static final Duration READINESS_WITHIN = Duration.ofSeconds(10);

  @Test
  void history_redisStopped_isUnavailableWithinOneCommandTimeout_notTwo() {
    try (RedisServer redis = RedisServer.startFresh(); RedisEventStore store = TestData.redisStore(redis.uri())) {
      store.load(TestData.small());
      withService(store, (features, health) -> {
        long events = history(features).getTotalEvents();

        redis.pause();
        long took;
        try {
          took = unavailableMillis(features);
        } finally {
          redis.resume();
        }

        assertTrue(took < ONE_TIMEOUT.toMillis(), "answered in " + took + " ms");
        assertEquals(events, history(features).getTotalEvents());
      });
    }
  }

  /**
   * The replica's own check (readiness's ping, {@link SeededStorePing}) found the stopped Redis
   * down: reads answer at once while it is, and from Redis once it answers again, as soon as the
   * service is SERVING again.
   */
  @Test
  void history_redisStoppedAndFoundDownByReadiness_isUnavailableAtOnce_resumed_answersAgain() {
    try (RedisServer redis = RedisServer.startFresh(); RedisEventStore store = TestData.redisStore(redis.uri())) {
      store.load(TestData.small());
      URI uri = redis.uri();
      try (StoreReadiness readiness = new StoreReadiness(
          new SeededStorePing(new RedisPing(uri, uri.toString(), RedisPing.DEADLINE), store), StoreReadiness.INTERVAL)) {
        withService(store, readiness, (features, health) -> {
          long events = history(features).getTotalEvents();

          redis.pause();
          try {
            await(() -> status(health) == ServingStatus.NOT_SERVING, "NOT_SERVING once Redis stopped");
            for (int i = 0; i < 3; i++) {
              long took = unavailableMillis(features);
              assertTrue(took < AT_ONCE.toMillis(), "answered in " + took + " ms");
            }
          } finally {
            redis.resume();
          }

          await(() -> status(health) == ServingStatus.SERVING, "SERVING once Redis resumed");
          assertEquals(events, history(features).getTotalEvents());
        });
      }
    }
  }

  /**
   * A check that failed once while Redis is fine (a ping that lost its connection, say) refuses
   * reads only until the next check passes, half a second later, as readiness is NOT_SERVING only
   * that long.
   */
  @Test
  void history_oneCheckFailedWhileRedisIsFine_refusedOnlyUntilTheNextCheckPasses() {
    try (RedisServer redis = RedisServer.startFresh(); RedisEventStore store = TestData.redisStore(redis.uri())) {
      store.load(TestData.small());
      URI uri = redis.uri();
      AtomicBoolean failOnce = new AtomicBoolean(true);
      RedisPing real = new RedisPing(uri, uri.toString(), RedisPing.DEADLINE);
      StorePing failingOnce = () -> {
        if (failOnce.getAndSet(false)) {
          throw new StoreUnavailableException("Redis " + uri + " cannot be reached", null);
        }
        real.ping();
      };
      try (SeededStorePing check = new SeededStorePing(failingOnce, store)) {
        withService(store, (features, health) -> {
          long events = history(features).getTotalEvents();

          assertThrows(StoreUnavailableException.class, check::ping);
          assertUnavailable(assertThrows(StatusRuntimeException.class, () -> history(features)));
          check.ping();
          assertEquals(events, history(features).getTotalEvents());
        });
      } finally {
        real.close();
      }
    }
  }

  private interface ServiceCheck {
    void run(FeatureServiceGrpc.FeatureServiceBlockingStub features, HealthGrpc.HealthBlockingStub health);
  }

  private static void withService(RedisEventStore store, ServiceCheck check) {
    withService(store, null, check);
  }

  /** The feature service on {@code store}, in-process, serving, its readiness following {@code readiness} if given. */
  private static void withService(RedisEventStore store, StoreReadiness readiness, ServiceCheck check) {
    String name = "stopped-redis-reads-" + UUID.randomUUID();
    try (GrpcServer server = TestData.serving(store, name)) {
      if (readiness != null) {
        readiness.start(server);
      }
      ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
      try {
        check.run(FeatureServiceGrpc.newBlockingStub(channel), HealthGrpc.newBlockingStub(channel));
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static GetUserHistoryResponse history(FeatureServiceGrpc.FeatureServiceBlockingStub features) {
    return features.withDeadlineAfter(20, TimeUnit.SECONDS)
        .getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(USER).build());
  }

  /** Reads the user's history, expects UNAVAILABLE as a store outage answers it; returns how long that took, in ms. */
  private static long unavailableMillis(FeatureServiceGrpc.FeatureServiceBlockingStub features) {
    long started = System.nanoTime();
    StatusRuntimeException failed = assertThrows(StatusRuntimeException.class, () -> history(features));
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertUnavailable(failed);
    return took;
  }

  private static void assertUnavailable(StatusRuntimeException failed) {
    assertEquals(Status.Code.UNAVAILABLE, failed.getStatus().getCode(), failed.getStatus().toString());
    assertEquals("the feature store is unavailable; retry shortly", failed.getStatus().getDescription());
  }

  private static ServingStatus status(HealthGrpc.HealthBlockingStub health) {
    return health.withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(FeatureServiceGrpc.SERVICE_NAME).build()).getStatus();
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + READINESS_WITHIN.toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "not " + what + " within " + READINESS_WITHIN);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }
}
