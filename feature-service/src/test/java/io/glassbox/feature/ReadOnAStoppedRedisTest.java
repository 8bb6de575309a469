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
import io.grpc.inprocess.InProcessChannelBuilder;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reads while a real redis-server is stopped (SIGSTOP: hung, not dead, as a Redis swapping or
 * frozen is): a read that timed out is not tried again, so it answers UNAVAILABLE within one
 * command timeout, not two. A gateway, whose deadline to its client is 3 s, then sees UNAVAILABLE
 * in time to degrade.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ReadOnAStoppedRedisTest {
  private static final String USER = "u1";
  /** The store's command timeout ({@link TestData#redisStore} uses the shipped one). */
  private static final Duration TIMEOUT = RedisStoreModule.TIMEOUT;
  /** One command timeout and slack for a busy machine; a read tried again waits two. */
  private static final Duration ONE_TIMEOUT = TIMEOUT.multipliedBy(3).dividedBy(2);

  @Test
  void history_redisStopped_isUnavailableWithinOneCommandTimeout_notTwo() {
    try (RedisServer redis = RedisServer.startFresh(); RedisEventStore store = TestData.redisStore(redis.uri())) {
      store.load(TestData.small());
      withService(store, features -> {
        long events = history(features).getTotalEvents();

        redis.pause();
        long took;
        StatusRuntimeException failed;
        try {
          long started = System.nanoTime();
          failed = assertThrows(StatusRuntimeException.class, () -> history(features));
          took = System.nanoTime() - started;
        } finally {
          redis.resume();
        }

        assertUnavailable(failed);
        assertTrue(took < ONE_TIMEOUT.toNanos(), "answered in " + TimeUnit.NANOSECONDS.toMillis(took) + " ms");
        assertEquals(events, history(features).getTotalEvents());
      });
    }
  }

  private interface ServiceCheck {
    void run(FeatureServiceGrpc.FeatureServiceBlockingStub features);
  }

  /** The feature service on {@code store}, in-process, serving. */
  private static void withService(RedisEventStore store, ServiceCheck check) {
    String name = "stopped-redis-reads-" + UUID.randomUUID();
    try (GrpcServer server = TestData.serving(store, name)) {
      ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
      try {
        check.run(FeatureServiceGrpc.newBlockingStub(channel));
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static GetUserHistoryResponse history(FeatureServiceGrpc.FeatureServiceBlockingStub features) {
    return features.withDeadlineAfter(20, TimeUnit.SECONDS)
        .getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(USER).build());
  }

  private static void assertUnavailable(StatusRuntimeException failed) {
    assertEquals(Status.Code.UNAVAILABLE, failed.getStatus().getCode(), failed.getStatus().toString());
    assertEquals("the feature store is unavailable; retry shortly", failed.getStatus().getDescription());
  }
}
