package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RecommendedItem;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.api.v1.UserWhatIfRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.glassbox.api.v1.WhatIfItem;
import io.glassbox.api.v1.WhatIfResponse;
import io.glassbox.api.v1.WhyNotResponse;
import io.glassbox.explain.ExplainMain;
import io.glassbox.feature.FeatureMain;
import io.glassbox.model.ModelMain;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * The gateway's ExplainItem, WhyNot and WhatIf and Recommend's heatmap, with the real feature
 * (embedded data), model (shipped model) and explain services behind it on loopback ports.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GatewayExplainRealDataTest {
  private static final String CUSTOMER = "12347";
  private static final List<GrpcServer> servers = new ArrayList<>();
  private static ManagedChannel channel;
  private static GatewayGrpc.GatewayBlockingStub gateway;
  private static RecommendResponse top;

  @BeforeAll
  static void start() {
    String root = System.getProperty("glassbox.repo.root");
    ConfigSource base = ConfigSource.of(Map.of(
        "GLASSBOX_DATA_DIR", root + "/data/uci-online-retail",
        "GLASSBOX_MODEL_DIR", root + "/models",
        "GLASSBOX_FEATURE_PORT", "0", "GLASSBOX_MODEL_PORT", "0", "GLASSBOX_EXPLAIN_PORT", "0",
        "GLASSBOX_GATEWAY_PORT", "0", "GLASSBOX_FEATURE_ADMIN_PORT", "0", "GLASSBOX_MODEL_ADMIN_PORT", "0",
        "GLASSBOX_METRICS_PORT", "0", "GLASSBOX_GATEWAY_HTTP_PORT", "0"));
    GrpcServer feature = start(FeatureMain.start(base));
    GrpcServer model = start(ModelMain.start(base));
    Map<String, String> targets = Map.of(
        "GLASSBOX_FEATURE_TARGET", "localhost:" + feature.port(),
        "GLASSBOX_MODEL_TARGET", "localhost:" + model.port());
    GrpcServer explain = start(ExplainMain.start(base.with(targets)));
    GrpcServer gatewayServer = start(GatewayMain.start(base.with(Map.of(
        "GLASSBOX_FEATURE_TARGET", "localhost:" + feature.port(),
        "GLASSBOX_MODEL_TARGET", "localhost:" + model.port(),
        "GLASSBOX_EXPLAIN_TARGET", "localhost:" + explain.port(),
        "GLASSBOX_GATEWAY_MODEL_TIMEOUT", "20s",
        "GLASSBOX_EXPLAIN_TIMEOUT", "20s",
        "GLASSBOX_DEFAULT_DEADLINE", "30s"))).grpc());
    channel = ClientChannels.forTarget("localhost:" + gatewayServer.port());
    gateway = GatewayGrpc.newBlockingStub(channel);
    top = stub().recommend(RecommendRequest.newBuilder().setUserId(CUSTOMER).setLimit(20)
        .setIncludeContributions(true).build());
  }

  private static GrpcServer start(GrpcServer server) {
    servers.add(server);
    return server;
  }

  @AfterAll
  static void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    for (int i = servers.size() - 1; i >= 0; i--) {
      servers.get(i).close();
    }
  }

  private static GatewayGrpc.GatewayBlockingStub stub() {
    return gateway.withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @Test
  void recommend_includeContributions_returnsAHeatmapAlignedWithTheModelHistory() {
    int columns = top.getContributionHistoryCount();

    assertTrue(columns > 0 && columns <= 50, "the model window: " + columns);
    top.getContributionHistoryList().forEach(item -> assertFalse(item.getTitle().isEmpty()));
    for (RecommendedItem item : top.getItemsList()) {
      assertEquals(columns, item.getContributionCount(), item.getItem().getItemId());
    }
    assertTrue(top.getItemsList().stream().flatMap(i -> i.getContributionList().stream())
        .anyMatch(c -> c != 0f), "real values, not padding");
  }

  @Test
  void recommend_skipModelReasons_answersWithRetrievalReasonsUndegraded() {
    RecommendResponse response = stub().recommend(RecommendRequest.newBuilder().setUserId(CUSTOMER)
        .setSkipModelReasons(true).build());

    assertFalse(response.getExplanationsDegraded());
    assertEquals(0, response.getContributionHistoryCount());
    response.getItemsList().forEach(item -> item.getReasonsList().forEach(reason ->
        assertTrue(reason.getKind() != ReasonKind.REASON_KIND_HISTORY)));
  }

  @Test
  void explainItem_topRecommendation_agreesWithRecommendsOwnReason() {
    RecommendedItem first = top.getItems(0);

    ExplainItemResponse response = stub().explainItem(UserExplainItemRequest.newBuilder()
        .setUserId(CUSTOMER).setItemId(first.getItem().getItemId()).setLimit(20).build());

    assertEquals(1, response.getRank());
    assertEquals(first.getItem().getTitle(), response.getItem().getTitle());
    assertEquals(first.getReasonsList(), response.getReasonsList(), "the same measurement");
    assertFalse(response.getEffectsList().isEmpty());
  }

  @Test
  void whyNot_anItemJustOutsideTheTopTen_statesItsRankAndText() {
    RecommendedItem item = top.getItems(14);

    WhyNotResponse response = stub().whyNot(UserWhyNotRequest.newBuilder()
        .setUserId(CUSTOMER).setItemId(item.getItem().getItemId()).setLocale("zh-CN").build());

    assertFalse(response.getInTopK());
    assertTrue(response.getRank() > 10);
    assertEquals(top.getItems(9).getItem().getItemId(), response.getKthItemId());
    assertTrue(response.getText().contains("第 " + response.getRank() + " 位"), response.getText());
    if (response.hasSmallestChange()) {
      assertTrue(response.getSmallestChange().getRankAfter() <= 10);
    }
  }

  @Test
  void whatIf_removingTheTopItemsEvidence_movesItToTheRankItsReasonStated() {
    Optional<RecommendedItem> cited = top.getItemsList().stream().limit(10)
        .filter(i -> i.getReasonsList().stream().anyMatch(r -> r.getKind() == ReasonKind.REASON_KIND_HISTORY))
        .findFirst();
    assertTrue(cited.isPresent(), "a top-10 item of this customer has a model reason");
    Reason reason = cited.get().getReasons(0);

    WhatIfResponse response = stub().whatIf(UserWhatIfRequest.newBuilder().setUserId(CUSTOMER)
        .addAllRemoveItemIds(reason.getEvidenceItemIdsList()).setLimit(20).build());

    String id = cited.get().getItem().getItemId();
    WhatIfItem moved = Stream.concat(response.getRankingList().stream(), response.getLeftTopKList().stream())
        .filter(i -> i.getItem().getItemId().equals(id)).findFirst().orElseThrow();
    assertEquals(reason.getRank(), moved.getRankBefore());
    assertEquals(reason.getRankWithoutEvidence(), moved.getRankAfter());
    assertFalse(moved.getText().isEmpty());
  }

  @Test
  void badQuestions_getClearStatuses() {
    String item = top.getItems(0).getItem().getItemId();
    expect(Status.Code.NOT_FOUND, () -> stub().explainItem(UserExplainItemRequest.newBuilder()
        .setUserId("no-such-customer").setItemId(item).build()));
    expect(Status.Code.NOT_FOUND, () -> stub().whyNot(UserWhyNotRequest.newBuilder()
        .setUserId(CUSTOMER).setItemId("NO-SUCH-ITEM").build()));
    expect(Status.Code.INVALID_ARGUMENT, () -> stub().explainItem(UserExplainItemRequest.newBuilder()
        .setUserId(CUSTOMER).setItemId(item).setLimit(51).build()));
    expect(Status.Code.INVALID_ARGUMENT, () -> stub().whatIf(UserWhatIfRequest.newBuilder()
        .setUserId(CUSTOMER).build()));
    expect(Status.Code.INVALID_ARGUMENT, () -> stub().whatIf(UserWhatIfRequest.newBuilder()
        .setUserId(CUSTOMER).addRemoveItemIds(item).build()));
    expect(Status.Code.NOT_FOUND, () -> stub().whatIf(UserWhatIfRequest.newBuilder()
        .setUserId(CUSTOMER).addAddItemIds("NO-SUCH-ITEM").build()));
  }

  private static void expect(Status.Code code, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().getDescription());
    assertFalse(e.getStatus().getDescription().isBlank());
  }
}
