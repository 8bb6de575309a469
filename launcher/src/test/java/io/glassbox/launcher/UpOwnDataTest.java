package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.api.v1.UserWhatIfRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.glassbox.feature.FeatureConfig;
import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigSource;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up} on a shop's own data folder: its example customers (the viewer's, the warm-up's, the
 * one {@code up} suggests trying) come from that data, not from the embedded dataset's.
 */
class UpOwnDataTest {
  @Test
  void ownDataFolder_examplesAreItsCustomersWithTheMostOrders(@TempDir Path shop) throws IOException {
    Files.writeString(shop.resolve("items.csv"), "item_id,title\nA,Mug\nB,Plate\n");
    Files.writeString(shop.resolve("interactions.csv"), "user_id,item_id,timestamp,event,basket_id\n"
        + "c1,A,2011-12-09T12:50:00Z,,o1\nc2,A,2011-12-09T12:50:00Z,,o2\nc2,B,2011-12-10T12:50:00Z,,o3\n"
        + "c3,B,2011-12-09T12:50:00Z,click,\n");
    ConfigSource own = ConfigSource.of(Map.of(FeatureConfig.DATA_DIR_KEY, shop.toString()));

    Map<String, String> examples = UpCommand.examplesFromOwnData(own);

    assertEquals(Map.of(ViewerConfig.EXAMPLE_USERS_KEY, "c2,c1"), examples);
    assertEquals("bin/glassbox recommend --user c2", UpCommand.firstCommand(own.with(examples), UpCommand.DEFAULT_GATEWAY_PORT));
  }

  @Test
  void examplesSetOrTheEmbeddedData_areLeftAsTheyAre(@TempDir Path shop) throws IOException {
    Files.writeString(shop.resolve("interactions.csv"), "user_id,item_id,timestamp\nc1,A,100\n");

    assertEquals(Map.of(), UpCommand.examplesFromOwnData(ConfigSource.of(Map.of(
        FeatureConfig.DATA_DIR_KEY, shop.toString(), ViewerConfig.EXAMPLE_USERS_KEY, "mine"))));
    assertEquals(Map.of(), UpCommand.examplesFromOwnData(ConfigSource.of(Map.of())));
    assertEquals("bin/glassbox recommend --user 12348", UpCommand.firstCommand(ConfigSource.of(Map.of()), UpCommand.DEFAULT_GATEWAY_PORT));
    // On other ports, the command that reaches them.
    assertEquals("bin/glassbox recommend --target localhost:51051 --user 12348",
        UpCommand.firstCommand(ConfigSource.of(Map.of()), 51051));
    // With GLASSBOX_GATEWAY_TARGET naming a suite elsewhere, the one just started is named too.
    assertEquals("bin/glassbox recommend --target localhost:50051 --user 12348", UpCommand.firstCommand(
        ConfigSource.of(Map.of(GatewayAddress.TARGET_VARIABLE, "gw.shop.example:50051")), UpCommand.DEFAULT_GATEWAY_PORT));
  }

  @Test
  void unreadableDataFolder_noExamplesFromIt_theFeatureServiceSaysWhatIsWrong(@TempDir Path shop) {
    assertEquals(Map.of(), UpCommand.examplesFromOwnData(ConfigSource.of(Map.of(
        FeatureConfig.DATA_DIR_KEY, shop.resolve("no-such-folder").toString()))));
  }

  /**
   * A shop's own data served with the embedded model, before one is trained on it: the model knows
   * none of the shop's items. Answers say so, and up's warm-up finds it (up then says what to do);
   * before, every answer said "the model could not rank in time", and up said nothing.
   */
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void ownDataWithTheEmbeddedModel_answersSayTheModelKnowsNoneOfTheItems_andTheWarmUpFindsIt(@TempDir Path shop)
      throws Exception {
    Files.writeString(shop.resolve("items.csv"), "item_id,title\nS-1,Mug\nS-2,Plate\nS-3,Bowl\nS-4,Jug\n");
    Files.writeString(shop.resolve("interactions.csv"), "user_id,item_id,timestamp,event,basket_id\n"
        + "c1,S-1,2011-12-01T12:50:00Z,,o1\nc1,S-2,2011-12-01T12:50:00Z,,o1\nc1,S-3,2011-12-02T12:50:00Z,,o2\n"
        + "c2,S-1,2011-12-03T12:50:00Z,,o3\nc2,S-4,2011-12-03T12:50:00Z,,o3\nc3,S-2,2011-12-04T12:50:00Z,,o4\n");
    ConfigSource own = ConfigSource.of(Map.of(FeatureConfig.DATA_DIR_KEY, shop.toString(),
        "GLASSBOX_MODEL_DIR", System.getProperty("glassbox.repo.root") + "/models"));
    own = own.with(UpCommand.examplesFromOwnData(own));

    try (Suite suite = ViewerSuites.start(own)) {
      int gateway = suite.ports().gateway();
      assertEquals(new UpCommand.WarmUp(2, true),
          UpCommand.warmUp(gateway, ViewerConfig.load(own).exampleUsers(), ClientSettings.load(own)));
      ManagedChannel channel = ClientChannels.forTarget("localhost:" + gateway);
      try {
        RecommendResponse answer = GatewayGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .recommend(RecommendRequest.newBuilder().setUserId("c2").build());

        assertTrue(answer.getModelKnowsNoCandidate() && answer.getRankingDegraded(), answer.toString());
        assertEquals("", answer.getModelVersion());
        assertEquals(List.of("S-2", "S-3"), answer.getItemsList().stream().map(i -> i.getItem().getItemId()).toList());
        String printed = new RecommendationPrinter().render("c2", answer);
        assertTrue(printed.contains("note: the model knows none of the items it could rank for this user (it was"
            + " not trained on them), so they are in retrieval order; a model trained on this shop's data"
            + " (bin/glassbox train) ranks them."), printed);
        assertFalse(printed.contains("in time"), printed);
        // Each score is retrieval's, not the model's; before, it was printed as "score".
        assertTrue(printed.contains("[S-2]  retrieval score ") && printed.contains("[S-3]  retrieval score "), printed);
        // The what-if of a purchase says why the model cannot answer it.
        StatusRuntimeException whatIf = assertThrows(StatusRuntimeException.class, () -> GatewayGrpc
            .newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .whatIf(UserWhatIfRequest.newBuilder().setUserId("c2").addRemoveItemIds("S-1").build()));
        assertEquals(Status.Code.NOT_FOUND, whatIf.getStatus().getCode());
        assertTrue(whatIf.getStatus().getDescription().matches("the model \\(version [0-9-]+\\) knows none of the"
            + " [0-9]+ candidates \\(it was not trained on them: another shop's data, or items imported since\\?\\);"
            + " a model trained on this data \\(bin/glassbox train\\) ranks them"), whatIf.getStatus().getDescription());
        // So do ExplainItem and WhyNot of a candidate: not only that item is unknown, every one is.
        String knowsNone = "item_id \"S-3\" is unknown to the model, and the model \\(version [0-9-]+\\) does not"
            + " know the 1 other candidate \\(it was not trained on it: .*\\(bin/glassbox train\\) ranks it";
        StatusRuntimeException explain = assertThrows(StatusRuntimeException.class, () -> GatewayGrpc
            .newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .explainItem(UserExplainItemRequest.newBuilder().setUserId("c2").setItemId("S-3").build()));
        StatusRuntimeException whyNot = assertThrows(StatusRuntimeException.class, () -> GatewayGrpc
            .newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .whyNot(UserWhyNotRequest.newBuilder().setUserId("c2").setItemId("S-3").build()));
        for (StatusRuntimeException e : List.of(explain, whyNot)) {
          assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
          assertTrue(e.getStatus().getDescription().matches(knowsNone), e.getStatus().getDescription());
        }
      } finally {
        channel.shutdownNow();
      }
      // The page says so, and offers no why-not or what-if, which the model cannot answer.
      try (HeadlessChromium chromium = HeadlessChromium.start(Files.createDirectories(shop.resolve("chromium")))) {
        HeadlessChromium.Page page = chromium.newPage(1200, 900);
        page.navigate(suite.viewerUri().orElseThrow().resolve("/?user=c2"));
        page.await("document.body.dataset.state === 'ready'", Duration.ofSeconds(60));
        String summary = page.evaluate("document.getElementById('summary').textContent").getStringValue();
        assertTrue(summary.contains("The model knows none of the items it could rank here"), summary);
        for (String section : List.of("why-not-section", "what-if-section")) {
          assertTrue(page.evaluate("document.getElementById('" + section + "').hidden").getBoolValue(), section);
        }
        // Each score is labelled retrieval's, in both languages; before, "score" and "得分", as the model's.
        String measures = "Array.from(document.querySelectorAll('li.recommendation .meta'), m => m.textContent)"
            + ".join('|')";
        String english = page.evaluate(measures).getStringValue();
        assertTrue(english.matches(" S-2 · retrieval score [-0-9.]+\\| S-3 · retrieval score [-0-9.]+"), english);
        page.navigate(suite.viewerUri().orElseThrow().resolve("/?user=c2&locale=zh-CN"));
        page.await("document.body.dataset.state === 'ready' && document.documentElement.lang === 'zh-CN'",
            Duration.ofSeconds(60));
        String chinese = page.evaluate(measures).getStringValue();
        assertTrue(chinese.matches(" S-2 · 召回得分 [-0-9.]+\\| S-3 · 召回得分 [-0-9.]+"), chinese);
      }
    }
  }
}
