package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The feature service started as in production ({@link FeatureMain#start}) on a real redis-server:
 * when Redis dies, readiness (the service's gRPC health status and {@code /ready}) goes NOT_SERVING
 * within seconds while liveness (overall status, {@code /live}) stays up; when Redis is back, so is
 * readiness, by itself.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StoreOutageReadinessTest {
  private static final String SERVICE = FeatureServiceGrpc.SERVICE_NAME;
  /** Pings every second; the rest is slack for a busy machine. */
  private static final Duration WITHIN = Duration.ofSeconds(10);

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void redisKilled_readinessGoesNotServingButLivenessStays_redisBack_servingAgain() throws Exception {
    try (RedisServer redis = RedisServer.startFresh();
         GrpcServer server = FeatureMain.start(ConfigSource.of(Map.of(
             FeatureConfig.PORT_KEY, "0",
             FeatureConfig.ADMIN_PORT_KEY, "0",
             // 0 would turn /metrics and the HTTP probes off.
             ServerSettings.METRICS_PORT_KEY, String.valueOf(freePort()),
             FeatureConfig.DATA_DIR_KEY, TestData.realDataDir().toString(),
             FeatureConfig.STORE_KEY, "redis",
             FeatureConfig.REDIS_URI_KEY, redis.uri().toString())))) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        Supplier<ServingStatus> service = () -> status(health, SERVICE);
        assertEquals(ServingStatus.SERVING, service.get());
        assertEquals("200 SERVING", get(server, "/ready"));
        assertTrue(get(server, "/metrics").contains("glassbox_feature_store_up 1.0"));

        redis.kill();

        await(() -> service.get() == ServingStatus.NOT_SERVING, "the service NOT_SERVING after Redis was killed");
        assertEquals("503 NOT_SERVING", get(server, "/ready"));
        assertTrue(get(server, "/metrics").contains("glassbox_feature_store_up 0.0"));
        // Liveness: the process is fine, restarting it would not bring Redis back.
        assertEquals(ServingStatus.SERVING, status(health, ""));
        assertEquals("200 alive", get(server, "/live"));

        redis.start();

        await(() -> service.get() == ServingStatus.SERVING, "the service SERVING again after Redis restarted");
        assertEquals("200 SERVING", get(server, "/ready"));
        assertTrue(get(server, "/metrics").contains("glassbox_feature_store_up 1.0"));
        assertEquals(182, FeatureServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
            .getUserHistory(GetUserHistoryRequest.newBuilder().setUserId("12347").build()).getTotalEvents());
      } finally {
        channel.shutdownNow();
      }
    }
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

  private static void await(Supplier<Boolean> condition, String what) {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not " + what + " within " + WITHIN);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }
}
