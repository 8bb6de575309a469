package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RecommendedItem;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.glassbox.feature.Dataset;
import io.glassbox.feature.DatasetReader;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RunningServers;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A customer whose record is longer than the feature store keeps, on the real suite (embedded
 * data, shipped model, explain service, a gateway on a loopback port) with a feature service that
 * keeps 5 events per user (GLASSBOX_FEATURE_MAX_EVENTS_PER_USER): an item bought before the kept
 * events is still bought (never a new pick, never explained as not bought), and a buy-again
 * reason counts only orders the store holds whole.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GatewayLongRecordRealDataTest {
  /** 5540 purchase lines in the embedded data, 1742 distinct items; 22910 bought 3 times, long ago. */
  private static final String CUSTOMER = "14911";
  private static final RunningServers running = new RunningServers();
  private static GatewayGrpc.GatewayBlockingStub gateway;
  private static FeatureServiceGrpc.FeatureServiceBlockingStub features;
  private static Set<String> customerBought;

  @BeforeAll
  static void start() {
    ConfigSource base = RealSuiteSettings.base().with(Map.of("GLASSBOX_FEATURE_MAX_EVENTS_PER_USER", "5"));
    RealSuiteSettings.Backends started = RealSuiteSettings.Backends.start(running, base);
    GrpcServer server = running.keep(GatewayMain.start(base.with(started.gatewaySettings())).grpc());
    gateway = GatewayGrpc.newBlockingStub(running.channel("localhost:" + server.port()));
    features = FeatureServiceGrpc.newBlockingStub(running.channel("localhost:" + started.feature().port()));
    Dataset data = new DatasetReader(Path.of(System.getProperty("glassbox.repo.root"), "data", "uci-online-retail"))
        .read();
    customerBought = new HashSet<>();
    for (Dataset.Interaction row : data.interactions()) {
      if (row.userId().equals(CUSTOMER)) {
        customerBought.add(row.itemId());
      }
    }
    assertEquals(1742, customerBought.size());
  }

  @AfterAll
  static void stop() {
    running.close();
  }

  private static GatewayGrpc.GatewayBlockingStub gateway() {
    return gateway.withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @Test
  void recommend_customerLongerThanTheStoreKeeps_offersNoItemTheyEverBoughtAsANewPick() {
    RecommendResponse answer = gateway().recommend(RecommendRequest.newBuilder()
        .setUserId(CUSTOMER).setLimit(50).setBuyAgainSlots(0).build());

    assertEquals(50, answer.getItemsCount());
    for (RecommendedItem item : answer.getItemsList()) {
      assertFalse(customerBought.contains(item.getItem().getItemId()),
          item.getItem().getItemId() + " was bought by " + CUSTOMER + ", before the 5 events kept");
    }
  }

  @Test
  void explainItemAndWhyNot_itemBoughtBeforeTheKeptEvents_areRefusedAsBought() {
    for (StatusRuntimeException refused : List.of(
        assertThrows(StatusRuntimeException.class, () -> gateway().explainItem(
            UserExplainItemRequest.newBuilder().setUserId(CUSTOMER).setItemId("22910").build())),
        assertThrows(StatusRuntimeException.class, () -> gateway().whyNot(
            UserWhyNotRequest.newBuilder().setUserId(CUSTOMER).setItemId("22910").build())))) {
      assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode(), refused.getStatus().toString());
      assertTrue(refused.getStatus().getDescription().contains("the model ranks only items the user has not bought"),
          refused.getStatus().getDescription());
    }
  }

  @Test
  void recommend_oldestKeptOrderCutByTheCap_buyAgainCountsOnlyWholeOrders() {
    // Three orders of 22138 and 23266: the sixth line pushes o1's 22138 out, so the store keeps o1 in part.
    String user = "long-record-orders";
    IngestEventsRequest.Builder orders = IngestEventsRequest.newBuilder();
    for (int order = 1; order <= 3; order++) {
      for (String item : List.of("22138", "23266")) {
        orders.addEvents(UserEvent.newBuilder().setUserId(user).setEvent(Event.newBuilder().setItemId(item)
            .setTime(Timestamp.newBuilder().setSeconds(1_323_000_000L + order * 86_400L))
            .setBasketId("o" + order)));
      }
    }
    assertEquals(6, features.withDeadlineAfter(30, TimeUnit.SECONDS).ingestEvents(orders.build()).getAcceptedCount());

    RecommendResponse answer = gateway().recommend(RecommendRequest.newBuilder()
        .setUserId(user).setLimit(5).setBuyAgainSlots(2).setSkipModelReasons(true).build());

    for (RecommendedItem item : answer.getItemsList().subList(0, 2)) {
      Reason reason = item.getReasons(0);
      assertEquals(ReasonKind.REASON_KIND_BUY_AGAIN, reason.getKind());
      // Each is in both whole orders kept (o2, o3): "2 of your last 2 orders", not 22138 in 2 of 3.
      assertEquals(2, reason.getOrdersWithItem(), reason.getText());
      assertEquals(2, reason.getOrders(), reason.getText());
      assertTrue(reason.getLatestOrdersOnly(), reason.getText());
    }
  }
}
