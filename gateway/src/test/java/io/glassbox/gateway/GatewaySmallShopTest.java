package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RecommendedItem;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RunningServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shop of 40 items (items the shipped model knows, so that it ranks them) served by the real
 * services: every item bought is among the 500 most bought, which the popular source is, yet only
 * an item among the top tenth and bought at least 10 times may be called a best seller. Before,
 * a new shopper read "One of the shop's best sellers: bought once." beside items bought once.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GatewaySmallShopTest {
  private static final String SHOPPER = "small-shop-newcomer";
  /** Bought 12 times: the shop's one best seller (the top tenth of 40 items is 4, bought >= 10 times). */
  private static final String BEST_SELLER = "22423";
  /** Bought 9 times, the second most: in the top tenth, but short of the 10 purchases. */
  private static final String SECOND = "85123A";
  private static final List<String> OTHERS = List.of(
      "84879", "47566", "20725", "22720", "21212", "22197", "84991", "22383", "20727", "22960", "22666", "23203",
      "22457", "21977", "22469", "22386", "85099B", "22411", "22138", "22086", "23084", "22910", "23355", "22865",
      "22112", "23301", "23344", "21731", "22375", "21975", "22417", "21976", "23293", "21080", "20728", "22697",
      "22699", "22698");
  private static final RunningServers running = new RunningServers();
  /** Purchases by item, as the data folder holds them. */
  private static final Map<String, Integer> purchases = new HashMap<>();
  private static GatewayGrpc.GatewayBlockingStub gateway;
  /** A second gateway whose explain service is unreachable: the retrieval reasons of the gateway itself. */
  private static GatewayGrpc.GatewayBlockingStub degraded;

  @TempDir
  static Path shop;

  @BeforeAll
  static void start() {
    writeShop();
    ConfigSource base = RealSuiteSettings.base().with(Map.of("GLASSBOX_DATA_DIR", shop.toString()));
    Map<String, String> settings = RealSuiteSettings.Backends.start(running, base).gatewaySettings();
    GrpcServer explained = running.keep(GatewayMain.start(base.with(settings)).grpc());
    gateway = GatewayGrpc.newBlockingStub(running.channel("localhost:" + explained.port()));
    // Port 1 on loopback: nothing listens there, so every explain call fails at once.
    settings.put("GLASSBOX_EXPLAIN_TARGET", "localhost:1");
    GrpcServer withoutExplain = running.keep(GatewayMain.start(base.with(settings)).grpc());
    degraded = GatewayGrpc.newBlockingStub(running.channel("localhost:" + withoutExplain.port()));
  }

  /** 40 items, each purchase one shopper's order of it alone, a day apart through 2011. */
  private static void writeShop() {
    purchases.put(BEST_SELLER, 12);
    purchases.put(SECOND, 9);
    for (int i = 0; i < OTHERS.size(); i++) {
      purchases.put(OTHERS.get(i), 1 + i % 3);
    }
    StringBuilder items = new StringBuilder("item_id,title,price\n");
    StringBuilder interactions = new StringBuilder("user_id,item_id,timestamp,event,invoice_no\n");
    long time = 1_293_840_000L;   // 2011-01-01T00:00:00Z
    int order = 0;
    for (Map.Entry<String, Integer> item : purchases.entrySet()) {
      items.append(item.getKey()).append(",Item ").append(item.getKey()).append(",1.25\n");
      for (int n = 0; n < item.getValue(); n++, order++) {
        interactions.append("s").append(order).append(',').append(item.getKey()).append(',')
            .append(time + 86_400L * (order % 300)).append(",purchase,o").append(order).append('\n');
      }
    }
    try {
      Files.writeString(shop.resolve("items.csv"), items);
      Files.writeString(shop.resolve("interactions.csv"), interactions);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterAll
  static void stop() {
    running.close();
  }

  private static RecommendResponse recommend(GatewayGrpc.GatewayBlockingStub stub, String locale) {
    return stub.withDeadlineAfter(30, TimeUnit.SECONDS).recommend(RecommendRequest.newBuilder()
        .setUserId(SHOPPER).setLimit(purchases.size()).setLocale(locale).build());
  }

  /** The item's reasons that rest on its purchases in the shop (best seller, or how often bought). */
  private static List<Reason> salesReasons(List<Reason> reasons) {
    return reasons.stream().filter(r -> r.getKind() == ReasonKind.REASON_KIND_POPULAR
        || r.getKind() == ReasonKind.REASON_KIND_SALES).toList();
  }

  private static String expectedText(String itemId) {
    int bought = purchases.get(itemId);
    return itemId.equals(BEST_SELLER)
        ? "Among the shop's top 10% best-selling items: bought " + bought + " times."
        : "It has been bought " + (bought == 1 ? "once" : bought + " times") + " in this shop.";
  }

  @Test
  void recommend_newShopper_onlyTheBestSellerIsCalledOne() {
    for (GatewayGrpc.GatewayBlockingStub stub : List.of(gateway, degraded)) {
      RecommendResponse response = recommend(stub, "en-US");

      assertTrue(response.getColdStart());
      assertEquals(stub == degraded, response.getExplanationsDegraded());
      assertEquals(purchases.size(), response.getItemsCount(), "every item bought is a popular candidate");
      int sales = 0;
      for (RecommendedItem item : response.getItemsList()) {
        String id = item.getItem().getItemId();
        for (Reason reason : salesReasons(item.getReasonsList())) {
          assertEquals(id.equals(BEST_SELLER) ? ReasonKind.REASON_KIND_POPULAR : ReasonKind.REASON_KIND_SALES,
              reason.getKind(), id);
          assertEquals(expectedText(id), reason.getText(), id);
          sales += reason.getKind() == ReasonKind.REASON_KIND_SALES ? 1 : 0;
        }
      }
      assertTrue(sales > 0, "some items are explained by their purchases: " + response);
    }
    assertFalse(recommend(degraded, "en-US").getItemsList().stream()
        .anyMatch(item -> salesReasons(item.getReasonsList()).isEmpty()), "without the explain service, every item");
  }

  @Test
  void recommend_zhCn_statesThePurchasesWithoutCallingItABestSeller() {
    for (RecommendedItem item : recommend(degraded, "zh-CN").getItemsList()) {
      String id = item.getItem().getItemId();
      Reason reason = salesReasons(item.getReasonsList()).get(0);
      assertEquals(id.equals(BEST_SELLER) ? "本店销量前 10% 的商品：已被购买 12 次。" : "它在本店已被购买 " + purchases.get(id) + " 次。",
          reason.getText(), id);
    }
  }

  @Test
  void explainItem_saysWhatRecommendSays() {
    RecommendResponse recommended = recommend(gateway, "en-US");
    Set<String> asked = Set.of(BEST_SELLER, SECOND, OTHERS.get(0), OTHERS.get(1), OTHERS.get(2));
    int compared = 0;
    for (RecommendedItem item : recommended.getItemsList()) {
      String id = item.getItem().getItemId();
      if (!asked.contains(id)) {
        continue;
      }
      ExplainItemResponse explained = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).explainItem(
          UserExplainItemRequest.newBuilder().setUserId(SHOPPER).setItemId(id).setLimit(purchases.size())
              .setLocale("en-US").build());

      assertEquals(salesReasons(item.getReasonsList()), salesReasons(explained.getReasonsList()), id);
      compared += salesReasons(item.getReasonsList()).isEmpty() ? 0 : 1;
    }
    assertTrue(compared >= 2, compared + " items with a best-seller or purchases reason compared");
  }
}
