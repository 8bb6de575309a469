package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ch.qos.logback.classic.Level;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.api.v1.UserWhatIfRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.glassbox.feature.FeatureConfig;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.LogCapture;
import io.glassbox.server.RedisServer;
import io.glassbox.server.RunningServers;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ExplainItem, WhyNot and WhatIf on a real gateway whose real feature service keeps its data in a
 * real redis-server, killed: each of their parallel feature calls is answered "the feature store
 * is unavailable", the caller gets one UNAVAILABLE, and the later failures are dropped rather than
 * logged at ERROR with their stack traces (as Guava's whenAllSucceed logs them).
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class GatewayUserQuestionsStoreDownTest {
  private static final String CUSTOMER = "12348";
  private static final RunningServers running = new RunningServers();
  private static ConfigSource gatewaySettings;
  private static RedisServer redis;

  @BeforeAll
  static void start() {
    redis = RedisServer.startFresh();
    ConfigSource base = RealSuiteSettings.base().with(Map.of(
        FeatureConfig.STORE_KEY, "redis", FeatureConfig.REDIS_URI_KEY, redis.uri().toString()));
    gatewaySettings = base.with(RealSuiteSettings.Backends.start(running, base).gatewaySettings());
    redis.kill();
  }

  @AfterAll
  static void stop() {
    running.close();
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void explainItem_featureStoreDown_isUnavailable_andLogsNoErrorPerLaterFailure() throws ClassNotFoundException {
    assertUnavailableWithoutErrors(gateway -> gateway.explainItem(
        UserExplainItemRequest.newBuilder().setUserId(CUSTOMER).setItemId("20727").build()));
  }

  @Test
  void whyNot_featureStoreDown_isUnavailable_andLogsNoErrorPerLaterFailure() throws ClassNotFoundException {
    assertUnavailableWithoutErrors(gateway -> gateway.whyNot(
        UserWhyNotRequest.newBuilder().setUserId(CUSTOMER).setItemId("20727").build()));
  }

  @Test
  void whatIf_featureStoreDown_isUnavailable_andLogsNoErrorPerLaterFailure() throws ClassNotFoundException {
    assertUnavailableWithoutErrors(gateway -> gateway.whatIf(
        UserWhatIfRequest.newBuilder().setUserId(CUSTOMER).addRemoveItemIds("22952").build()));
  }

  /**
   * {@code call} on a fresh gateway fails UNAVAILABLE, and Guava logs nothing about the feature
   * calls that failed after the first. The gateway is closed before the log is read: its drain
   * and the closing of its channels wait for every call it made, so a late failure is in by then.
   */
  private static void assertUnavailableWithoutErrors(Consumer<GatewayGrpc.GatewayBlockingStub> call)
      throws ClassNotFoundException {
    try (LogCapture guava = LogCapture.of(Class.forName("com.google.common.util.concurrent.AggregateFuture"),
        Level.WARN)) {
      RunningGateway gateway = GatewayMain.start(gatewaySettings);
      StatusRuntimeException failed;
      try {
        GatewayGrpc.GatewayBlockingStub stub = GatewayGrpc.newBlockingStub(running.channel(
            "localhost:" + gateway.port())).withDeadlineAfter(30, TimeUnit.SECONDS);
        failed = assertThrows(StatusRuntimeException.class, () -> call.accept(stub));
      } finally {
        gateway.close();
      }
      assertEquals(Status.Code.UNAVAILABLE, failed.getStatus().getCode(), failed.getStatus().toString());
      assertEquals("the feature service answered: the feature store is unavailable; retry shortly",
          failed.getStatus().getDescription());
      assertEquals(List.of(), guava.lines().stream().map(line -> line.getFormattedMessage()).toList());
    }
  }
}
