package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.glassbox.api.v1.ExplainRequest;
import io.glassbox.api.v1.ExplainResponse;
import io.glassbox.api.v1.ExplainServiceGrpc;
import io.glassbox.api.v1.ExplainTarget;
import io.glassbox.api.v1.GetModelInsightsRequest;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.LogCapture;
import io.glassbox.server.ServerSettings;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExplainMainTest {

  @Test
  void start_servesExplainOverTcpAndIsServingAtOnce() {
    AdditiveScorer scorer = new AdditiveScorer().weight("a", "t", 2f).weight("b", "x", 1f);
    String modelName = "model-" + UUID.randomUUID();
    String featureName = "feature-" + UUID.randomUUID();
    try (GrpcServer model = GrpcServer.inProcess("fake-model", modelName)
            .addService(new FakeModelService(scorer, "v1")).start();
        GrpcServer feature = GrpcServer.inProcess("fake-feature", featureName)
            .addService(new FakeFeatureService(Map.of("a", "JUMBO BAG RED RETROSPOT"))).start()) {
      GrpcServer explain = ExplainMain.start(ConfigSource.of(Map.of(
          ExplainConfig.PORT_KEY, "0", ServerSettings.METRICS_PORT_KEY, "0",
          ExplainConfig.MODEL_TARGET_KEY, "in-process:" + modelName,
          ExplainConfig.FEATURE_TARGET_KEY, "in-process:" + featureName)));
      ManagedChannel channel = ClientChannels.forTarget("localhost:" + explain.port());
      try {
        assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
            .check(HealthCheckRequest.newBuilder().setService("glassbox.v1.ExplainService").build())
            .getStatus());

        ExplainResponse response = ExplainServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .explain(ExplainRequest.newBuilder()
                .addHistoryItemIds("a").addHistoryItemIds("b").addSlateItemIds("t").addSlateItemIds("x")
                .addTargets(ExplainTarget.newBuilder().setItemId("t")
                    .addSources(RetrievalSource.RETRIEVAL_SOURCE_POPULAR))
                .build());

        assertEquals(ReasonKind.REASON_KIND_HISTORY, response.getExplanations(0).getReasons(0).getKind());
        // With no purchases t and x both score 0: tied, t ranks #1 as well.
        assertEquals("Because you bought JUMBO BAG RED RETROSPOT: without it, it would drop out of your top 1 new pick, to #2 "
          + "instead of #1 among 2 candidates. That purchase alone would keep it in your top 1 new pick, but so would "
          + "no purchases at all.",
            response.getExplanations(0).getReasons(0).getText());
      } finally {
        explain.close();
      }
      StatusRuntimeException closed = assertThrows(StatusRuntimeException.class,
          () -> HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance()));
      assertEquals(Status.Code.UNAVAILABLE, closed.getStatus().getCode());
      channel.shutdownNow();
    }
  }

  @Test
  void start_badConfig_failsFastNamingTheKey() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExplainMain.start(ConfigSource.of(Map.of(ExplainConfig.PORT_KEY, "-1"))));

    assertTrue(e.getMessage().contains(ExplainConfig.PORT_KEY), e.getMessage());
  }

  @Test
  void start_insightsConcurrencyAtTheCallLimit_failsNamingBothSettings() {
    ConfigException e = assertThrows(ConfigException.class, () -> ExplainMain.start(ConfigSource.of(Map.of(
        ExplainConfig.PORT_KEY, "0", ServerSettings.METRICS_PORT_KEY, "0",
        ExplainConfig.INSIGHTS_CONCURRENCY_KEY, "4",
        ServerSettings.MAX_CONCURRENT_CALLS_KEY, "4"))));

    assertEquals("GLASSBOX_EXPLAIN_INSIGHTS_CONCURRENCY must be 1..16 and less than GLASSBOX_MAX_CONCURRENT_CALLS (4),"
        + " got 4: at as many as the server's call slots, GetModelInsights calls can take every slot and leave none"
        + " for Explain, which Recommend calls", e.getMessage());
  }

  @Test
  void start_insightsConcurrencyBelowTheCallLimit_isServing() {
    withExplainBesideFakes(Map.of(ExplainConfig.INSIGHTS_CONCURRENCY_KEY, "3", ServerSettings.MAX_CONCURRENT_CALLS_KEY, "4"),
        channel -> assertEquals(ServingStatus.SERVING, health(channel)));
  }

  /**
   * One call slot leaves none for insights beside Explain: the service starts with the default
   * insights settings and serves Explain, warning that GetModelInsights is off, which it refuses.
   * Before, it refused to start.
   */
  @Test
  void start_oneCallSlotWithDefaultInsights_servesAndRefusesInsightsSayingWhy() {
    try (LogCapture log = LogCapture.of(ExplainMain.class, Level.WARN)) {
      withExplainBesideFakes(Map.of(ServerSettings.MAX_CONCURRENT_CALLS_KEY, "1"), channel -> {
        assertEquals(ServingStatus.SERVING, health(channel));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
            () -> ExplainServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getModelInsights(GetModelInsightsRequest.newBuilder().addUserIds("u1").build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertEquals(ExplainConfig.INSIGHTS_OFF, e.getStatus().getDescription());
      });
      assertEquals(List.of(ExplainConfig.INSIGHTS_OFF),
          log.lines().stream().map(ILoggingEvent::getFormattedMessage).toList());
    }
  }

  private static ServingStatus health(ManagedChannel channel) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService("glassbox.v1.ExplainService").build()).getStatus();
  }

  /** Starts the explain service with {@code settings} beside fake model and feature services, and calls {@code use}. */
  private static void withExplainBesideFakes(Map<String, String> settings, Consumer<ManagedChannel> use) {
    String modelName = "model-" + UUID.randomUUID();
    String featureName = "feature-" + UUID.randomUUID();
    Map<String, String> all = new HashMap<>(settings);
    all.putAll(Map.of(ExplainConfig.PORT_KEY, "0", ServerSettings.METRICS_PORT_KEY, "0",
        ExplainConfig.MODEL_TARGET_KEY, "in-process:" + modelName,
        ExplainConfig.FEATURE_TARGET_KEY, "in-process:" + featureName));
    try (GrpcServer model = GrpcServer.inProcess("fake-model", modelName)
            .addService(new FakeModelService(new AdditiveScorer(), "v1")).start();
        GrpcServer feature = GrpcServer.inProcess("fake-feature", featureName)
            .addService(new FakeFeatureService(Map.of())).start();
        GrpcServer explain = ExplainMain.start(ConfigSource.of(all))) {
      ManagedChannel channel = ClientChannels.forTarget("localhost:" + explain.port());
      try {
        use.accept(channel);
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
