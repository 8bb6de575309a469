package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.ExplanationsDegradedCause;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.HistoryChange;
import io.glassbox.api.v1.HistoryItemEffect;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.RankingDegradedCause;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RecommendedItem;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.api.v1.UserWhatIfRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.glassbox.api.v1.WhatIfItem;
import io.glassbox.api.v1.WhatIfResponse;
import io.glassbox.api.v1.WhyNotResponse;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ConfigSource;
import io.grpc.ManagedChannel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The viewer page of a real gateway, in front of the real feature, model and explain services on
 * the embedded data and the shipped model: its JSON endpoints over HTTP, and the page itself in
 * headless Chromium, each compared with the same call made directly on the Gateway gRPC API.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ViewerEndToEndTest {
  /** A real customer of the embedded data with a long purchase history. */
  private static final String CUSTOMER = "12347";
  /**
   * A customer whose top 10 has purchase and trend reasons, and an item that the cited purchases
   * alone, and no purchases at all, would keep in the top 10 (the reason says both).
   */
  private static final String EVERY_TEXT_CUSTOMER = "12357";
  private static final int LIMIT = 10;
  private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(60);
  /** Wide enough for a 50-column heatmap without horizontal scrolling. */
  private static final int PAGE_WIDTH = 2000;
  private static final int PAGE_HEIGHT = 1400;

  @TempDir
  static Path temp;

  private static Suite suite;
  private static URI viewer;
  private static ManagedChannel gatewayChannel;
  private static GatewayGrpc.GatewayBlockingStub gateway;
  private static HeadlessChromium chromium;
  private static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void startSuiteAndBrowser() throws Exception {
    String root = System.getProperty("glassbox.repo.root");
    suite = ViewerSuites.start(ConfigSource.of(Map.of(
        "GLASSBOX_DATA_DIR", root + "/data/uci-online-retail",
        "GLASSBOX_MODEL_DIR", root + "/models",
        "GLASSBOX_GATEWAY_MODEL_TIMEOUT", "10s",
        "GLASSBOX_EXPLAIN_TIMEOUT", "20s",
        "GLASSBOX_DEFAULT_DEADLINE", "30s",
        // The heatmap and what-if need model-ranked items (buy-again rows have none).
        "GLASSBOX_GATEWAY_BUY_AGAIN_SLOTS", "0")));
    viewer = suite.viewerUri().orElseThrow();
    gatewayChannel = ClientChannels.forTarget("localhost:" + suite.ports().gateway());
    gateway = GatewayGrpc.newBlockingStub(gatewayChannel);
    chromium = HeadlessChromium.start(Files.createDirectories(temp.resolve("chromium-profile")));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (chromium != null) {
      chromium.close();
    }
    if (gatewayChannel != null) {
      gatewayChannel.shutdownNow();
    }
    if (suite != null) {
      suite.close();
    }
  }

  @Test
  void recommendOverHttp_isExactlyTheGatewayReply_withAContributionRowPerItem() throws Exception {
    HttpResponse<String> reply = get("/api/recommend?user=" + CUSTOMER + "&limit=" + LIMIT);

    assertEquals(200, reply.statusCode(), reply.body());
    RecommendResponse viaHttp = parse(reply.body(), RecommendResponse.getDefaultInstance());
    assertEquals(recommend(CUSTOMER, "en-US"), viaHttp);
    assertEquals(LIMIT, viaHttp.getItemsCount());
    assertFalse(viaHttp.getContributionHistoryList().isEmpty(), "the heatmap has columns");
    for (RecommendedItem item : viaHttp.getItemsList()) {
      assertEquals(viaHttp.getContributionHistoryCount(), item.getContributionCount(),
          "one contribution per column for " + item.getItem().getItemId());
      assertTrue(item.getContributionList().stream().anyMatch(value -> value != 0f),
          "real contributions for " + item.getItem().getItemId());
    }
  }

  @Test
  void recommendOverHttp_inChinese_hasChineseReasons() throws Exception {
    HttpResponse<String> reply = get("/api/recommend?user=" + CUSTOMER + "&limit=5&locale=zh-CN");

    assertEquals(200, reply.statusCode(), reply.body());
    for (RecommendedItem item : parse(reply.body(), RecommendResponse.getDefaultInstance()).getItemsList()) {
      for (Reason reason : item.getReasonsList()) {
        assertEquals("zh-CN", reason.getLocale());
        assertTrue(reason.getText().codePoints().anyMatch(c -> c >= 0x4E00 && c <= 0x9FFF), reason.getText());
      }
    }
  }

  @Test
  void recommendOverHttp_forAnUnknownUser_isColdStartWithoutAHeatmap() throws Exception {
    HttpResponse<String> reply = get("/api/recommend?user=no-such-customer-0001&limit=5");

    assertEquals(200, reply.statusCode(), reply.body());
    RecommendResponse response = parse(reply.body(), RecommendResponse.getDefaultInstance());
    assertTrue(response.getColdStart());
    assertTrue(response.getContributionHistoryList().isEmpty());
  }

  @Test
  void whatIfOverHttp_isExactlyTheGatewayReply() throws Exception {
    RecommendResponse before = recommend(CUSTOMER, "en-US");
    List<String> removed = List.of(strongestDriver(before));

    HttpResponse<String> reply = get("/api/what-if?user=" + CUSTOMER + "&limit=" + LIMIT
        + "&remove=" + URLEncoder.encode(removed.get(0), StandardCharsets.UTF_8));

    assertEquals(200, reply.statusCode(), reply.body());
    WhatIfResponse viaHttp = parse(reply.body(), WhatIfResponse.getDefaultInstance());
    assertEquals(whatIf(CUSTOMER, removed, "en-US"), viaHttp);
    assertEquals(LIMIT, viaHttp.getRankingCount());
    assertFalse(viaHttp.getHistoryItemIdsList().contains(removed.get(0)), "the removed item is gone");
  }

  @Test
  void gatewayValidation_reachesThePageAs400_withTheGatewayMessage() throws Exception {
    HttpResponse<String> notInRecord = get("/api/what-if?user=" + CUSTOMER + "&remove=NOT-BOUGHT-ITEM");
    HttpResponse<String> badLimit = get("/api/recommend?user=" + CUSTOMER + "&limit=51");

    assertEquals(400, notInRecord.statusCode(), notInRecord.body());
    assertTrue(errorMessage(notInRecord).startsWith("the gateway answered INVALID_ARGUMENT"),
        notInRecord.body());
    assertEquals(400, badLimit.statusCode());
    assertEquals("limit must be a whole number 1..50", errorMessage(badLimit));
  }

  /**
   * The page for a real customer in Chromium: every heatmap cell holds the contribution the
   * Gateway returns for that (recommended item, history item), the reasons are the Gateway's,
   * and the screenshot of the heatmap is coloured by those values.
   */
  @Test
  void page_forARealCustomer_drawsTheRealContributions() throws Exception {
    RecommendResponse expected = recommend(EVERY_TEXT_CUSTOMER, "en-US");
    assertCitesOneAndSeveral(expected);
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + EVERY_TEXT_CUSTOMER + "&limit=" + LIMIT);
    assertTrue(page.evaluate("document.getElementById('cold-start').hidden").getBoolValue(), "a known customer");

    List<Value> cells = page.evaluate("[...document.querySelectorAll('#heatmap td.cell')].map(cell => "
        + "({row: cell.parentElement.dataset.itemId, column: Number(cell.dataset.column), "
        + "value: cell.dataset.value, text: cell.textContent, title: cell.title}))")
        .getListValue().getValuesList();
    int columns = expected.getContributionHistoryCount();
    assertEquals(expected.getItemsCount() * columns, cells.size(), "one cell per item and history item");
    for (Value cell : cells) {
      Map<String, Value> fields = cell.getStructValue().getFieldsMap();
      RecommendedItem item = itemById(expected, fields.get("row").getStringValue());
      int column = (int) fields.get("column").getNumberValue();
      float shown = Float.parseFloat(fields.get("value").getStringValue());
      assertEquals(item.getContribution(column), shown,
          item.getItem().getItemId() + " x column " + column);
      assertFalse(fields.get("text").getStringValue().isBlank(), "the number is in the cell");
      assertTrue(fields.get("title").getStringValue().endsWith(fields.get("value").getStringValue()),
          "the exact number on hover");
    }
    List<String> columnIds = page.evaluate(
        "[...document.querySelectorAll('#heatmap th.column')].map(th => th.dataset.itemId)")
        .getListValue().getValuesList().stream().map(Value::getStringValue).toList();
    assertEquals(expected.getContributionHistoryList().stream().map(Item::getItemId).toList(), columnIds);
    assertEquals(reasonTexts(expected), reasonTextsOn(page));
    assertReasonBadgesNameEveryKind(page, expected);
    assertTrue(expected.getItemsList().stream().flatMap(item -> item.getReasonsList().stream())
        .anyMatch(r -> r.getKind() == ReasonKind.REASON_KIND_TREND), "the trend term carries some item");
    assertTrue(expected.getItemsList().stream().flatMap(item -> item.getReasonsList().stream())
        .anyMatch(r -> r.getSufficient() && r.getRankWithNoPurchases() <= r.getTopK()),
        "some item is in the top 10 with no purchases at all too");

    assertHeatmapPixelsFollowTheValues(page, expected);
  }

  /**
   * With buy-again places asked for on the page's address: the regular items come first, marked as
   * placed by rule with their reason, and only the model-ranked items are heatmap rows.
   */
  @Test
  void page_withBuyAgainPlaces_marksThemAndKeepsThemOutOfTheHeatmap() throws Exception {
    int places = 3;
    RecommendResponse expected = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).recommend(
        RecommendRequest.newBuilder().setUserId(CUSTOMER).setLimit(LIMIT).setLocale("en-US")
            .setIncludeContributions(true).setBuyAgainSlots(places).build());
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT + "&buy_again=" + places);

    List<String> buyAgain = expected.getItemsList().stream()
        .filter(item -> item.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN))
        .map(item -> item.getItem().getItemId()).toList();
    assertEquals(places, buyAgain.size(), "this customer has regular items");
    assertEquals(buyAgain, strings(page.evaluate(
        "[...document.querySelectorAll('li.recommendation.buy-again')].map(li => li.dataset.itemId)")));
    assertReasonBadgesNameEveryKind(page, expected);
    assertEquals(reasonTexts(expected), reasonTextsOn(page));
    List<String> rows = strings(page.evaluate(
        "[...document.querySelectorAll('#heatmap tbody tr')].map(tr => tr.dataset.itemId)"));
    assertEquals(LIMIT - places, rows.size(), "a heatmap row per model-ranked item");
    assertTrue(page.evaluate("document.getElementById('summary').textContent").getStringValue()
        .contains("The first " + places + " place(s) are regular items (buy-again, by rule); the model ranks the other "
            + (LIMIT - places) + " places, and its reasons count ranks among these new picks."),
        "the summary says how the places and the reasons' ranks relate");
    assertTrue(rows.stream().noneMatch(buyAgain::contains), "buy-again items have no contribution row");

    // Why not the model's next item, which the page does not show: asked about the page's 7 new
    // picks, as its reasons count them (about the top 10 it would say the item is already in).
    int modelPlaces = LIMIT - places;
    String next = recommend(CUSTOMER, "en-US").getItems(modelPlaces).getItem().getItemId();
    WhyNotResponse answer = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).whyNot(UserWhyNotRequest.newBuilder()
        .setUserId(CUSTOMER).setItemId(next).setLimit(modelPlaces).setLocale("en-US").build());
    assertTrue(answer.getText().startsWith("It ranks #" + (modelPlaces + 1) + " among ")
        && answer.getText().contains("outside your top " + modelPlaces + " new picks"), answer.getText());
    askWhyNot(page, next);
    assertEquals(answer.getText(), page.evaluate(
        "document.querySelector('#why-not-result .why-not-text').textContent").getStringValue());
  }

  /**
   * Items imported while the suite runs, which the model does not know: the one bought together
   * with the shopper's purchase takes the last place, marked as new in the shop with its reasons and
   * no heatmap row, and the summary says why and that the model did not read the purchase of the
   * other (unknown to it as well); the page's why-not counts the model's places only.
   */
  @Test
  void page_newcomer_isMarkedNewInTheShop_andLeftOutOfTheHeatmap() throws Exception {
    String shopper = "viewer-newcomer-" + java.util.UUID.randomUUID();
    NewcomerImport imported = NewcomerImport.run(suite, temp, "VIEWER", shopper);
    RecommendResponse expected = recommend(shopper, "en-US");
    assertEquals(imported.stand(), expected.getItems(LIMIT - 1).getItem().getItemId());
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + shopper + "&limit=" + LIMIT);

    assertEquals(List.of(imported.stand()), strings(page.evaluate(
        "[...document.querySelectorAll('li.recommendation.newcomer')].map(li => li.dataset.itemId)")));
    assertTrue(page.evaluate("document.querySelector('li.recommendation.newcomer .meta').textContent").getStringValue()
        .endsWith("new in the shop, placed after the model's picks by rule (the model does not know it yet)"));
    assertReasonBadgesNameEveryKind(page, expected);
    assertEquals(List.of("new in the shop", "bought together"), strings(page.evaluate(
        "[...document.querySelectorAll('li.recommendation.newcomer .reason .badge.kind')].map(b => b.textContent)")));
    assertEquals(reasonTexts(expected), reasonTextsOn(page));
    List<String> rows = strings(page.evaluate(
        "[...document.querySelectorAll('#heatmap tbody tr')].map(tr => tr.dataset.itemId)"));
    assertEquals(LIMIT - 1, rows.size(), "a heatmap row per model-ranked item");
    assertFalse(rows.contains(imported.stand()));
    String summary = page.evaluate("document.getElementById('summary').textContent").getStringValue();
    assertTrue(summary.contains("The last place went to an item new in the shop, which the model does not know yet"),
        summary);
    // The lantern the shopper bought is new to the model too: the page says what the model read, as recommend does.
    assertEquals(1, expected.getItemsUnknownToModel());
    assertTrue(summary.endsWith(" The model does not know 1 item this customer bought (it was not trained on it), so it"
        + " did not read those purchases; it read 1 other purchase."), summary);

    // Why not the model's 10th item, which the newcomer's place keeps off the page: asked about
    // the page's 9 model places, as its reasons count them.
    RecommendResponse noNewcomer = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).recommend(RecommendRequest
        .newBuilder().setUserId(shopper).setLimit(LIMIT).setNewcomerSlots(0).build());
    String modelsTenth = noNewcomer.getItems(LIMIT - 1).getItem().getItemId();
    WhyNotResponse answer = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).whyNot(UserWhyNotRequest.newBuilder()
        .setUserId(shopper).setItemId(modelsTenth).setLimit(LIMIT - 1).setLocale("en-US").build());
    assertTrue(answer.getText().contains("outside your top " + (LIMIT - 1) + " new picks"), answer.getText());
    askWhyNot(page, modelsTenth);
    assertEquals(answer.getText(), page.evaluate(
        "document.querySelector('#why-not-result .why-not-text').textContent").getStringValue());
  }

  /**
   * A customer whose regular items fill every place: the page says so, says why there is no
   * heatmap (and offers no what-if, which is unticked there), and shows the model's new picks of
   * the same customer on request, heatmap and what-if included.
   */
  @Test
  void page_everyPlaceBuyAgain_saysWhyThereIsNoHeatmap_andShowsTheModelsPicksOnRequest() throws Exception {
    RecommendResponse expected = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).recommend(
        RecommendRequest.newBuilder().setUserId(CUSTOMER).setLimit(LIMIT).setBuyAgainSlots(LIMIT).build());
    assertTrue(expected.getItemsList().stream()
        .allMatch(item -> item.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN)),
        "this customer has " + LIMIT + " regular items");
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT + "&buy_again=" + LIMIT);

    assertTrue(text(page, "summary").contains("Every place went to this customer's regular items"),
        text(page, "summary"));
    assertEquals("No heatmap: every place went to a regular item (buy-again), which the model does not score.",
        text(page, "no-heatmap"));
    assertTrue(page.evaluate("document.getElementById('what-if-section').hidden").getBoolValue(),
        "no heatmap header to untick purchases in");
    assertTrue(page.evaluate("document.getElementById('why-not-section').hidden").getBoolValue(),
        "no place of the model's to bring an item into");

    page.evaluate("document.body.dataset.state = 'clicked'; document.getElementById('show-new-picks').click(); true");
    page.await("document.body.dataset.state === 'ready'", PAGE_TIMEOUT);

    RecommendResponse picks = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).recommend(
        RecommendRequest.newBuilder().setUserId(CUSTOMER).setLimit(LIMIT).setBuyAgainSlots(0).build());
    assertEquals(picks.getItemsList().stream().map(item -> item.getItem().getItemId()).toList(), strings(page.evaluate(
        "[...document.querySelectorAll('#heatmap tbody tr')].map(tr => tr.dataset.itemId)")));
    assertTrue(page.evaluate("document.getElementById('show-new-picks').hidden").getBoolValue());
    assertFalse(page.evaluate("document.getElementById('what-if-section').hidden").getBoolValue());
    assertFalse(page.evaluate("document.getElementById('why-not-section').hidden").getBoolValue());
    assertTrue(page.evaluate("location.search").getStringValue().contains("buy_again=0"));
  }

  /**
   * A page whose every place is buy-again has no model places to ask about: a why-not or what-if
   * asked there anyway (their forms are hidden, not gone) sends no limit and shows the gateway's
   * answer for none, as an RPC client gets it. Before, the page sent limit=0 for its model places,
   * which the viewer refuses ("limit must be a whole number 1..50").
   */
  @Test
  void page_everyPlaceBuyAgain_asksItsQuestionsWithoutALimit() throws Exception {
    String beyond = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).recommend(RecommendRequest.newBuilder()
        .setUserId(CUSTOMER).setLimit(LIMIT + 1).build()).getItems(LIMIT).getItem().getItemId();
    WhyNotResponse whyNot = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).whyNot(UserWhyNotRequest.newBuilder()
        .setUserId(CUSTOMER).setItemId(beyond).setLocale("en-US").build());
    String bought = "20725";
    WhatIfResponse whatIf = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).whatIf(UserWhatIfRequest.newBuilder()
        .setUserId(CUSTOMER).addAddItemIds(bought).setLocale("en-US").build());
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT + "&buy_again=" + LIMIT);

    askWhyNot(page, beyond);
    page.evaluate("document.getElementById('what-if-add').value = '" + bought + "'; "
        + "document.getElementById('what-if-add-form').requestSubmit(); true");
    page.await("document.body.dataset.whatIf === 'ready' || document.body.dataset.whatIf === 'error'", PAGE_TIMEOUT);

    assertEquals("ready", page.evaluate("document.body.dataset.whyNot").getStringValue(), text(page, "why-not-result"));
    assertEquals(whyNot.getText(), page.evaluate(
        "document.querySelector('#why-not-result .why-not-text').textContent").getStringValue());
    assertEquals("ready", page.evaluate("document.body.dataset.whatIf").getStringValue(), text(page, "what-if-result"));
    assertEquals(whatIf.getRankingList().stream().map(entry -> entry.getItem().getItemId()).toList(), strings(page.evaluate(
        "[...document.querySelectorAll('#what-if-result table')[0].querySelectorAll('tbody tr')]"
            + ".map(tr => tr.dataset.itemId)")));
  }

  /**
   * An unknown customer's page says the heatmap is missing because there are no purchases, shows
   * what buying an item would do, and answers why not an item below the shown five, as the
   * gateway does.
   */
  @Test
  void page_unknownCustomer_saysThereAreNoPurchasesToShow_andAnswersWhyNotAndWhatIfBuying() throws Exception {
    String user = "no-such-customer-0002";
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + user + "&limit=5&locale=zh-CN");

    // Said above the list, naming the customer: a mistyped id otherwise looked like a customer's own page.
    // True for every cause of cold_start (gateway.proto): it names the purchases the model reads.
    assertEquals("模型读不到顾客 " + user + " 的任何购买：以下是本店的热门商品。（新顾客、输错的编号、只有点击、加购或反馈记录的顾客，"
        + "或每次购买之后都标记了不感兴趣。）", text(page, "cold-start"));
    page.evaluate("document.querySelector('[data-locale=\"en-US\"]').click(); true");
    page.await("document.body.dataset.state === 'ready' && document.documentElement.lang === 'en-US'", PAGE_TIMEOUT);
    assertEquals("No purchase of customer " + user + " that the model reads: these are the shop's popular items."
        + " (A new customer, an id typed wrong, one known only by clicks, adds to cart or feedback, or one who turned"
        + " down every purchase since.)", text(page, "cold-start"));
    page.evaluate("document.querySelector('[data-locale=\"zh-CN\"]').click(); true");
    page.await("document.body.dataset.state === 'ready' && document.documentElement.lang === 'zh-CN'", PAGE_TIMEOUT);
    assertFalse(page.evaluate("document.getElementById('cold-start').hidden").getBoolValue());
    assertEquals("顾客 " + user + " 的 5 个推荐。" + text(page, "cold-start"),
        page.evaluate("document.getElementById('status-message').textContent").getStringValue());
    assertEquals("没有热力图：此顾客在这里没有模型读取的购买记录（没有购买，或之后都标记了不感兴趣），没有哪次购买为商品的得分作出贡献。",
        text(page, "no-heatmap"));
    assertTrue(page.evaluate("document.getElementById('what-if-run').hidden").getBoolValue(), "nothing to untick");
    assertTrue(page.evaluate("document.getElementById('show-new-picks').hidden").getBoolValue());

    // What if they bought an item: the page shows WhatIf's new ranking of the five places.
    String bought = "20725";
    WhatIfResponse afterBuying = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).whatIf(UserWhatIfRequest.newBuilder()
        .setUserId(user).addAddItemIds(bought).setLimit(5).setLocale("zh-CN").build());
    page.evaluate("document.getElementById('what-if-add').value = '" + bought + "'; "
        + "document.getElementById('what-if-add-form').requestSubmit(); true");
    page.await("document.body.dataset.whatIf === 'ready' || document.body.dataset.whatIf === 'error'", PAGE_TIMEOUT);
    assertEquals(afterBuying.getRankingList().stream().map(i -> List.of(i.getItem().getItemId(), i.getText())).toList(),
        page.evaluate("[...document.querySelectorAll('#what-if-result table')[0].querySelectorAll('tbody tr')]"
            + ".map(tr => [tr.dataset.itemId, tr.lastElementChild.textContent])").getListValue().getValuesList()
            .stream().map(row -> strings(row)).toList());

    String eighth = recommend(user, "zh-CN").getItems(7).getItem().getItemId();
    WhyNotResponse expected = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).whyNot(UserWhyNotRequest.newBuilder()
        .setUserId(user).setItemId(eighth).setLimit(5).setLocale("zh-CN").build());
    assertTrue(expected.getText().contains("模型读不到您的任何购买，所以没有哪一件拖累它。"), expected.getText());
    askWhyNot(page, eighth);
    assertEquals(expected.getText(), page.evaluate(
        "document.querySelector('#why-not-result .why-not-text').textContent").getStringValue());
    Files.write(screenshotDir().resolve("viewer-new-shopper-zh-CN.png"), fullPage(page));
  }

  /**
   * A customer the page cannot show (an id the viewer refuses) takes the page shown before with
   * it. Before, the last customer's recommendations, heatmap, what-if and why-not stayed under the
   * error, and their questions asked about the customer that had failed to load.
   */
  @Test
  void page_aCustomerThatFailsToLoad_leavesNoQuestionAboutThem_andThePageNamesTheCustomerItShows()
      throws Exception {
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT);
    assertEquals("Customer " + CUSTOMER, text(page, "shown-customer"));

    // Past the field's own check (requestSubmit would stop at it), as from a page that lacks it.
    String refused = "x".repeat(129);
    page.evaluate("document.getElementById('user').value = '" + refused + "'; "
        + "document.getElementById('user-form').dispatchEvent(new Event('submit', { cancelable: true })); true");
    page.await("document.body.dataset.state === 'error'", PAGE_TIMEOUT);

    assertEquals("Customer " + "x".repeat(39) + "… could not be shown: user must be at most 128 characters",
        text(page, "status"));
    for (String section : List.of("recommendations-section", "heatmap-section", "what-if-section",
        "why-not-section")) {
      assertTrue(page.evaluate("document.getElementById('" + section + "').hidden").getBoolValue(), section);
    }
    // Submitted all the same, the questions ask nothing.
    page.evaluate("document.getElementById('why-not-item').value = '22423'; "
        + "document.getElementById('why-not-form').requestSubmit(); "
        + "document.getElementById('what-if-add').value = '22423'; "
        + "document.getElementById('what-if-add-form').requestSubmit(); true");
    assertEquals(List.of(false, false), page.evaluate("['whyNot', 'whatIf'].map(key => key in document.body.dataset)")
        .getListValue().getValuesList().stream().map(Value::getBoolValue).toList());

    page.evaluate("document.getElementById('user').value = '" + EVERY_TEXT_CUSTOMER + "'; "
        + "document.getElementById('user-form').requestSubmit(); true");
    page.await("document.body.dataset.state === 'ready'", PAGE_TIMEOUT);
    assertEquals("Customer " + EVERY_TEXT_CUSTOMER, text(page, "shown-customer"));
    assertFalse(page.evaluate("document.getElementById('why-not-section').hidden").getBoolValue());
  }

  /**
   * Answers come in any order: a customer's page asked for before another's, and a why-not asked on
   * the page before it, answer after the later page is shown, and neither is drawn on it. Before,
   * the late page replaced the one asked for last (the address naming the other customer), and the
   * why-not answer for the first customer showed under the second.
   */
  @Test
  void page_answersArrivingAfterALaterCustomersPage_areNotDrawnOnIt() throws Exception {
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT);
    // Holds the answers of the first customer's page and of any why-not for 1.5 s; counts them once given.
    page.evaluate("window.lateAnswers = 0; const realFetch = window.fetch; window.fetch = (url, options) => "
        + "(String(url).includes('why-not') || String(url).includes('user=" + CUSTOMER + "&')) "
        + "? new Promise(resolve => setTimeout(resolve, 1500)).then(() => realFetch(url, options))"
        + ".then(reply => { setTimeout(() => window.lateAnswers++, 300); return reply; }) "
        + ": realFetch(url, options); true");

    page.evaluate("document.getElementById('why-not-item').value = '22423'; "
        + "document.getElementById('why-not-form').requestSubmit(); "
        + "showUser('" + CUSTOMER + "'); "
        + "document.getElementById('user').value = '" + EVERY_TEXT_CUSTOMER + "'; "
        + "document.getElementById('user-form').requestSubmit(); true");
    page.await("document.body.dataset.state === 'ready' && window.lateAnswers === 2", PAGE_TIMEOUT);

    assertEquals("Customer " + EVERY_TEXT_CUSTOMER, text(page, "shown-customer"));
    assertTrue(page.evaluate("location.search").getStringValue().contains("user=" + EVERY_TEXT_CUSTOMER),
        page.evaluate("location.search").getStringValue());
    RecommendResponse expected = recommend(EVERY_TEXT_CUSTOMER, "en-US");
    assertEquals(expected.getItemsList().stream().map(item -> item.getItem().getItemId()).toList(), strings(
        page.evaluate("[...document.querySelectorAll('li.recommendation')].map(li => li.dataset.itemId)")));
    assertEquals("", text(page, "why-not-result"));
    assertFalse(page.evaluate("'whyNot' in document.body.dataset").getBoolValue());
  }

  /**
   * The page shortens a long title or id (the heatmap's headers) by characters as the server counts
   * them, code points: an emoji is kept whole. Before, it cut by UTF-16 units, so 28 emoji were
   * "shortened" and 40 lost half of the 14th (a lone surrogate before the "…").
   */
  @Test
  void page_shortensByCharacters_keepingEmojiWhole() throws Exception {
    HeadlessChromium.Page page = startPage("typeof shorten === 'function'");

    assertEquals("😀".repeat(27) + "…", page.evaluate("shorten('😀'.repeat(40), 28)").getStringValue());
    assertEquals("😀".repeat(28), page.evaluate("shorten('😀'.repeat(28), 28)").getStringValue());
    assertEquals("MINI PLAYING CARDS SPACEB…", page.evaluate("shorten('MINI PLAYING CARDS SPACEBOY', 26)")
        .getStringValue());
  }

  /**
   * Two buy-again places and a newcomer fill a list of three, as recommend's note tells: before,
   * the summary said "the model ranks the other 0, and its reasons count ranks among those new
   * items" (and "其余 0 个"), as though counting were broken; with places left it counts places.
   */
  @Test
  void page_buyAgainAndNewcomersFillingTheList_summarySaysTheModelRankedNone_inBothLanguages() throws Exception {
    RecommendedItem newcomer = placed(3, RetrievalSource.RETRIEVAL_SOURCE_NEWCOMER);
    RecommendResponse.Builder buyAgain = RecommendResponse.newBuilder().setModelVersion("m")
        .addItems(placed(1, RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN))
        .addItems(placed(2, RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN));
    RecommendResponse full = buyAgain.clone().addItems(newcomer).build();
    RecommendResponse onePlaceLeft = buyAgain.clone().addItems(placed(3, RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE))
        .addItems(newcomer.toBuilder().setRank(4)).build();
    HeadlessChromium.Page page = startPage("typeof TEXTS === 'object'");

    String none = "The first 2 place(s) are regular items (buy-again, by rule); the model ranked none of the 3 places:"
        + " the buy-again and new-item places filled the list.";
    assertTrue(summary(page, "en-US", full).contains(none), summary(page, "en-US", full));
    assertTrue(summary(page, "en-US", full.toBuilder().setRankingDegraded(true).build()).contains(none));
    assertTrue(summary(page, "zh-CN", full).contains("前 2 个位置是您常买的商品（再次购买，按规则排列）；"
        + "模型没有为这 3 个位置中的任何一个排序：再次购买和新上架商品的位置已占满列表。"), summary(page, "zh-CN", full));
    assertTrue(summary(page, "en-US", onePlaceLeft).contains("; the model ranks the next place, and its reasons count"
        + " ranks among these new picks."), summary(page, "en-US", onePlaceLeft));
    assertTrue(summary(page, "en-US", onePlaceLeft.toBuilder().setRankingDegraded(true).build())
        .contains("; the next place is ranked by retrieval score."));
    assertTrue(summary(page, "zh-CN", onePlaceLeft).contains("；模型为接下来的 1 个位置排序，理由中的排名是在这些新推荐之中的排名。"),
        summary(page, "zh-CN", onePlaceLeft));
  }

  /**
   * Before, "Explanations are degraded: reasons from retrieval statistics only." (and "解释已降级：理由仅来自召回统计。"):
   * jargon to whoever opens the page, and no word of why.
   */
  @Test
  void page_explanationsDegraded_summarySaysInPlainWordsWhatTheReasonsAreAndWhy_inBothLanguages() throws Exception {
    RecommendResponse degraded = RecommendResponse.newBuilder().setModelVersion("m").setExplanationsDegraded(true)
        .setExplanationsDegradedCause(ExplanationsDegradedCause.EXPLANATIONS_DEGRADED_CAUSE_EXPLAIN_FAILED)
        .addItems(placed(1, RetrievalSource.RETRIEVAL_SOURCE_POPULAR)).build();
    HeadlessChromium.Page page = startPage("typeof TEXTS === 'object'");

    String en = summary(page, "en-US", degraded);
    String zh = summary(page, "zh-CN", degraded);
    assertTrue(en.contains(" The model's reasons are missing: the service that explains the model's picks did not"
        + " answer in time, or failed. The reasons shown are the shop's order statistics (how often an item was"
        + " bought, and with what), not why the model picked it."), en);
    assertTrue(zh.contains("缺少模型的推荐理由：负责解释模型推荐的服务没有及时回应，或出了错。下面显示的理由是本店的订单统计"
        + "（商品被购买的次数、和哪些商品一起被购买），而不是模型推荐它的原因。"), zh);
    assertFalse(summary(page, "en-US", degraded.toBuilder().setExplanationsDegraded(false).build())
        .contains("reasons are missing"));
  }

  /**
   * Before, the note blamed the explain service for every degraded answer: with the model service
   * down ("The model service is unavailable… The model's reasons are missing: the service that
   * explains the model's picks did not answer in time, or failed…") it was never asked, and the
   * model picked nothing; when it answered but left items out, it had not failed.
   */
  @Test
  void page_explanationsDegraded_namesTheTrueCause_whenTheModelDidNotRankOrItemsWereLeftOut_inBothLanguages()
      throws Exception {
    RecommendResponse notRanked = RecommendResponse.newBuilder().setRankingDegraded(true)
        .setRankingDegradedCause(RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE)
        .setExplanationsDegraded(true)
        .setExplanationsDegradedCause(ExplanationsDegradedCause.EXPLANATIONS_DEGRADED_CAUSE_MODEL_DID_NOT_RANK)
        .addItems(placed(1, RetrievalSource.RETRIEVAL_SOURCE_POPULAR)).build();
    RecommendResponse leftOut = RecommendResponse.newBuilder().setModelVersion("m").setExplanationsDegraded(true)
        .setExplanationsDegradedCause(ExplanationsDegradedCause.EXPLANATIONS_DEGRADED_CAUSE_ITEMS_LEFT_OUT)
        .addItems(placed(1, RetrievalSource.RETRIEVAL_SOURCE_POPULAR)).build();
    HeadlessChromium.Page page = startPage("typeof TEXTS === 'object'");

    String notRankedEn = summary(page, "en-US", notRanked);
    String leftOutEn = summary(page, "en-US", leftOut);
    String notRankedZh = summary(page, "zh-CN", notRanked);
    String leftOutZh = summary(page, "zh-CN", leftOut);
    assertTrue(notRankedEn.contains("The model service is unavailable: ranked by retrieval score. The model did not"
        + " rank these items, so it has no reasons to give: the reasons shown are the shop's order statistics (how"
        + " often an item was bought, and with what)."), notRankedEn);
    assertTrue(leftOutEn.contains(" The model's reasons are missing for some items: the service that explains the"
        + " model's picks answered, but gave none for them. Their reasons are the shop's order statistics (how often"
        + " an item was bought, and with what), not why the model picked them."), leftOutEn);
    assertTrue(notRankedZh.contains("模型服务不可用：按召回得分排序。模型没有为这些商品排序，因此没有模型的推荐理由："
        + "下面显示的理由是本店的订单统计（商品被购买的次数、和哪些商品一起被购买）。"), notRankedZh);
    assertTrue(leftOutZh.contains("部分商品缺少模型的推荐理由：负责解释模型推荐的服务作出了回应，但没有给出它们的理由。"
        + "它们的理由是本店的订单统计（商品被购买的次数、和哪些商品一起被购买），而不是模型推荐它们的原因。"), leftOutZh);
    for (String text : List.of(notRankedEn, leftOutEn)) {
      assertFalse(text.contains("did not answer in time, or failed"), text);
    }
    for (String text : List.of(notRankedZh, leftOutZh)) {
      assertFalse(text.contains("没有及时回应，或出了错"), text);
    }
  }

  /**
   * Without a purchase an item's score can rise while its rank falls, when other items' scores
   * rise more (and the other way round), as explain says: before, the effects table showed "+0.208"
   * beside "#17" for an item at #6 with nothing to say why; why-not's purchases holding the item
   * back say it alike.
   */
  @Test
  void page_effectsWhoseScoreMovesAgainstTheRank_sayTheOthersMovedMore_inBothLanguages() throws Exception {
    ExplainItemResponse explained = ExplainItemResponse.newBuilder()
        .setItem(Item.newBuilder().setItemId("20727").setTitle("LUNCH BAG")).setRank(6).setRankedCandidateCount(500)
        .setTopK(10).setScore(0.9f)
        .addEffects(effect("gloss", 17, 0.208f))
        .addEffects(effect("down", 9, -0.1f))
        .addEffects(effect("tea", 3, -0.031f))
        .addEffects(effect("cup", 4, 0.12f))
        .addEffects(effect("same", 6, 0.001f))
        .build();
    WhyNotResponse whyNot = WhyNotResponse.newBuilder().setItem(explained.getItem()).setRank(14)
        .setRankedCandidateCount(500).setTopK(10).setKthItemId("k").setScoreGap(0.1f)
        .addHoldingBack(effect("tea", 11, -0.031f)).addHoldingBack(effect("cup", 12, 0.05f)).build();
    HeadlessChromium.Page page = startPage("document.readyState === 'complete' && typeof renderEffects === 'function'");

    assertEquals(List.of("+0.208, but others rise more", "-0.100", "-0.031, but others fall more", "+0.120", "+0.001"),
        scoreChangesOn(page, "en-US", explained));
    assertEquals(List.of("+0.208，但其他商品的得分升得更多", "-0.100", "-0.031，但其他商品的得分降得更多", "+0.120", "+0.001"),
        scoreChangesOn(page, "zh-CN", explained));
    page.evaluate("state.locale = 'en-US'; renderWhyNot(" + json(whyNot) + "); true");
    assertEquals(List.of("-0.031, but others fall more", "+0.050"), strings(page.evaluate(
        "[...document.querySelectorAll('#why-not-result .holding-back tbody tr')].map(tr => tr.cells[2].textContent)")));
  }

  private static RecommendedItem placed(int rank, RetrievalSource source) {
    return RecommendedItem.newBuilder().setRank(rank).setItem(Item.newBuilder().setItemId("i" + rank))
        .addSources(source).build();
  }

  /** An effects table's "rank without it" cell for {@code effect}, with the top 10 in view. */
  private static String rankWithout(HistoryItemEffect effect) {
    return "#" + effect.getRankWithout() + (effect.getRankWithout() > LIMIT ? " · leaves your top " + LIMIT : "");
  }

  private static HistoryItemEffect effect(String itemId, int rankWithout, float scoreChange) {
    return HistoryItemEffect.newBuilder().setItemId(itemId).setRankWithout(rankWithout).setScoreChange(scoreChange)
        .build();
  }

  /** The page's summary of {@code response} in {@code locale}. */
  private static String summary(HeadlessChromium.Page page, String locale, RecommendResponse response)
      throws Exception {
    return page.evaluate("TEXTS['" + locale + "'].summary(" + json(response) + ")").getStringValue();
  }

  /** The score change cells of an item's effects panel drawn from {@code response} in {@code locale}. */
  private static List<String> scoreChangesOn(HeadlessChromium.Page page, String locale, ExplainItemResponse response)
      throws Exception {
    return strings(page.evaluate("(() => { state.locale = '" + locale + "'; const panel = document.createElement('div');"
        + " renderEffects(panel, " + json(response) + ");"
        + " return [...panel.querySelectorAll('tbody tr')].map(tr => tr.cells[2].textContent); })()"));
  }

  /** {@code message} as the viewer's API answers it (ViewerApi's JSON). */
  private static String json(Message message) throws IOException {
    return JsonFormat.printer().includingDefaultValueFields().omittingInsignificantWhitespace().print(message);
  }

  /** Asks the page why not {@code item} and waits for its answer (or its error). */
  private static void askWhyNot(HeadlessChromium.Page page, String item) throws Exception {
    page.evaluate("document.getElementById('why-not-item').value = '" + item + "'; "
        + "document.getElementById('why-not-form').requestSubmit(); true");
    page.await("document.body.dataset.whyNot === 'ready' || document.body.dataset.whyNot === 'error'", PAGE_TIMEOUT);
  }

  private static String text(HeadlessChromium.Page page, String id) throws Exception {
    return page.evaluate("document.getElementById('" + id + "').textContent").getStringValue();
  }

  /**
   * Every reason shows a named kind (never the raw enum), a model reason and a trend reason their
   * measured rank move (a model reason citing several purchases "without them", as its text says),
   * and each buy-again item is marked as placed by rule.
   */
  private static void assertReasonBadgesNameEveryKind(HeadlessChromium.Page page, RecommendResponse expected)
      throws Exception {
    List<String> kinds = strings(page.evaluate(
        "[...document.querySelectorAll('.reason .badge.kind')].map(badge => badge.textContent)"));
    List<Reason> reasons = expected.getItemsList().stream().flatMap(item -> item.getReasonsList().stream()).toList();
    assertEquals(reasons.size(), kinds.size());
    kinds.forEach(kind -> assertFalse(kind.isBlank() || kind.startsWith("REASON_KIND"), "a named kind: " + kind));
    List<String> trendMoves = measuresOn(page, ReasonKind.REASON_KIND_TREND);
    List<String> expectedMoves = reasons.stream().filter(r -> r.getKind() == ReasonKind.REASON_KIND_TREND)
        .map(r -> "rank " + r.getRank() + " → " + r.getRankWithoutEvidence() + " without its recent sales (of "
            + r.getRankedCandidateCount() + ")")
        .toList();
    assertEquals(expectedMoves, trendMoves);
    assertEquals(historyMoves(expected, "en-US"), measuresOn(page, ReasonKind.REASON_KIND_HISTORY));
    // Sufficiency that no purchases at all would give too is not shown as a mark in the reason's favour.
    List<String> sufficiency = strings(page.evaluate("[...document.querySelectorAll("
        + "'.reason[data-kind=REASON_KIND_HISTORY] .badge.sufficiency')].map(b => b.textContent + ' ' + b.className)"));
    List<String> expectedSufficiency = reasons.stream().filter(r -> r.getKind() == ReasonKind.REASON_KIND_HISTORY)
        .map(r -> !r.getSufficient() ? "not sufficient badge sufficiency no"
            : r.getRankWithNoPurchases() <= r.getTopK() ? "sufficient, as is no purchase badge sufficiency no"
            : "sufficient badge sufficiency yes")
        .toList();
    assertEquals(expectedSufficiency, sufficiency);
    long buyAgain = expected.getItemsList().stream()
        .filter(item -> item.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN)).count();
    assertEquals(buyAgain, page.evaluate("document.querySelectorAll('li.recommendation.buy-again').length")
        .getNumberValue(), 0.0);
  }

  /**
   * The rank move each model reason of {@code response} shows: "without it" for one cited
   * purchase, "without them" for several, as the reason's own text words it.
   */
  private static List<String> historyMoves(RecommendResponse response, String locale) {
    List<Reason> reasons = historyReasons(response);
    boolean english = locale.equals("en-US");
    return reasons.stream().map(r -> {
      boolean several = r.getEvidenceTitlesCount() > 1;
      return english
          ? "rank " + r.getRank() + " → " + r.getRankWithoutEvidence() + " without " + (several ? "them" : "it")
              + " (of " + r.getRankedCandidateCount() + ")"
          : "排名 " + r.getRank() + " → 没有" + (several ? "它们" : "它") + "时 " + r.getRankWithoutEvidence()
              + "（共 " + r.getRankedCandidateCount() + "）";
    }).toList();
  }

  private static List<Reason> historyReasons(RecommendResponse response) {
    return response.getItemsList().stream().flatMap(item -> item.getReasonsList().stream())
        .filter(r -> r.getKind() == ReasonKind.REASON_KIND_HISTORY).toList();
  }

  /** So that the labels' check sees both wordings: some model reason cites one purchase, some several. */
  private static void assertCitesOneAndSeveral(RecommendResponse response) {
    List<Reason> reasons = historyReasons(response);
    assertTrue(reasons.stream().anyMatch(r -> r.getEvidenceTitlesCount() > 1)
        && reasons.stream().anyMatch(r -> r.getEvidenceTitlesCount() == 1),
        "some model reason cites one purchase, some several");
  }

  /** The rank moves the page shows beside the reasons of {@code kind}, in order. */
  private static List<String> measuresOn(HeadlessChromium.Page page, ReasonKind kind) throws Exception {
    return strings(page.evaluate("[...document.querySelectorAll('.reason[data-kind=" + kind.name()
        + "] .measure')].map(span => span.textContent)"));
  }

  /** The reason texts the page shows, in order. */
  private static List<String> reasonTextsOn(HeadlessChromium.Page page) throws Exception {
    return strings(page.evaluate("[...document.querySelectorAll('.reason-text')].map(span => span.textContent)"));
  }

  private static List<String> strings(Value list) {
    return list.getListValue().getValuesList().stream().map(Value::getStringValue).toList();
  }

  @Test
  void page_switchedToChinese_showsTheGatewaysChineseReasons() throws Exception {
    RecommendResponse expected = recommend(CUSTOMER, "zh-CN");
    assertCitesOneAndSeveral(expected);
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT);

    page.evaluate("document.body.dataset.state = 'switching'; "
        + "document.querySelector('[data-locale=\"zh-CN\"]').click(); true");
    page.await("document.body.dataset.state === 'ready' && document.documentElement.lang === 'zh-CN'",
        PAGE_TIMEOUT);

    assertEquals(reasonTexts(expected), reasonTextsOn(page));
    assertEquals(historyMoves(expected, "zh-CN"), measuresOn(page, ReasonKind.REASON_KIND_HISTORY));
    assertEquals("推荐商品及理由", page.evaluate(
        "document.querySelector('[data-text=recommendations]').textContent").getStringValue());
    Files.write(screenshotDir().resolve("viewer-zh-CN.png"), fullPage(page));
  }

  @Test
  void page_openedInAChineseBrowser_startsInChinese_andLeavesTheLanguageOutOfTheAddressUntilChosen()
      throws Exception {
    RecommendResponse expected = recommend(CUSTOMER, "zh-CN");
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    // French has no texts: the page takes the first of the browser's languages that has.
    page.setBrowserLanguages("fr,zh-SG,en");
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT);

    assertEquals("zh-CN", page.evaluate("document.documentElement.lang").getStringValue());
    assertEquals(reasonTexts(expected), reasonTextsOn(page));
    assertEquals("true", page.evaluate(
        "document.querySelector('[data-locale=\"zh-CN\"]').getAttribute('aria-pressed')").getStringValue());
    // A link copied now opens in its reader's own language.
    assertFalse(page.evaluate("new URL(location.href).searchParams.has('locale')").getBoolValue());

    page.evaluate("document.body.dataset.state = 'switching'; "
        + "document.querySelector('[data-locale=\"en-US\"]').click(); true");
    page.await("document.body.dataset.state === 'ready' && document.documentElement.lang === 'en-US'",
        PAGE_TIMEOUT);
    assertEquals("en-US", page.evaluate("new URL(location.href).searchParams.get('locale')").getStringValue());
  }

  @Test
  void page_addressLocale_isMatchedAsTheGatewayMatchesIt_andWinsOverTheBrowsers() throws Exception {
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    page.setBrowserLanguages("en-GB,en");
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT + "&locale=zh_cn");
    assertEquals("zh-CN", page.evaluate("document.documentElement.lang").getStringValue());
    assertEquals(reasonTexts(recommend(CUSTOMER, "zh-CN")), reasonTextsOn(page));

    // A tag with no texts in the address leaves it to the browser's languages.
    page.setBrowserLanguages("zh-TW,zh-SG");
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT + "&locale=zh-Hant");
    assertEquals("zh-CN", page.evaluate("document.documentElement.lang").getStringValue());

    // Traditional Chinese has no texts: not taken for Simplified.
    page.setBrowserLanguages("zh-TW,en-GB");
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT);
    assertEquals("en-US", page.evaluate("document.documentElement.lang").getStringValue());
    assertEquals(reasonTexts(recommend(CUSTOMER, "en-US")), reasonTextsOn(page));
  }

  private static void openAndAwait(HeadlessChromium.Page page, String path) throws Exception {
    page.navigate(viewer.resolve(path));
    page.await("document.body.dataset.state === 'ready'", PAGE_TIMEOUT);
  }

  /** A new page showing customer 12348 (23 purchases read, 2 of them twice) in {@code locale}. */
  private static HeadlessChromium.Page heatmapPage(String locale) throws Exception {
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=12348&limit=" + LIMIT + "&locale=" + locale);
    return page;
  }

  /**
   * A new page on the viewer's start page, no customer shown, once {@code loaded} (a script
   * condition) holds: for the tests that call the page's own functions.
   */
  private static HeadlessChromium.Page startPage(String loaded) throws Exception {
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    page.navigate(viewer.resolve("/"));
    page.await(loaded, PAGE_TIMEOUT);
    return page;
  }

  /**
   * Every heatmap number reads at 4.5:1 against its cell (WCAG 1.4.3; the text is 11.5 px), as
   * drawn: an opacity on the cell or above it blends both colours with the white page. Before,
   * white text from a fixed strength of 0.55 on was 2.40:1 on mid blues and 2.75:1 on mid reds:
   * axe found 48 such cells for customer 12348; and the columns of unticked purchases were drawn
   * at opacity 0.25, their numbers at about 1.8:1.
   */
  @Test
  void page_heatmapNumbers_ticked_andUnticked_contrastAtLeast4point5ToOneWithTheirCells() throws Exception {
    HeadlessChromium.Page page = heatmapPage("en-US");
    page.evaluate("[...document.querySelectorAll('#heatmap th.column input')].filter((box, i) => i % 2 === 0)"
        + ".forEach(box => box.click()); true");

    List<Value> cells = page.evaluate("[...document.querySelectorAll('#heatmap td.cell')].map(td => {"
        + " let opacity = 1; for (let node = td; node; node = node.parentElement) {"
        + " opacity *= Number(getComputedStyle(node).opacity); }"
        + " return [getComputedStyle(td).color, getComputedStyle(td).backgroundColor, opacity,"
        + " td.classList.contains('off'), td.textContent]; })").getListValue().getValuesList();
    assertTrue(cells.size() > 20, "cells: " + cells.size());
    long unticked = cells.stream().filter(cell -> cell.getListValue().getValues(3).getBoolValue()).count();
    assertTrue(unticked > 10 && unticked < cells.size(), "unticked cells: " + unticked + " of " + cells.size());
    for (Value cell : cells) {
      List<Value> fields = cell.getListValue().getValuesList();
      double opacity = fields.get(2).getNumberValue();
      double ratio = contrast(overWhite(rgb(fields.get(0).getStringValue()), opacity),
          overWhite(rgb(fields.get(1).getStringValue()), opacity));
      assertTrue(ratio >= 4.5, fields.get(0).getStringValue() + " on " + fields.get(1).getStringValue()
          + " at opacity " + opacity + " (" + fields.get(4).getStringValue() + "): " + ratio);
    }
  }

  /**
   * Every header of the heatmap has a name, in either language: the rows' caption spans both
   * header rows. Before, the corner above "Recommended items" was a header with no name (axe:
   * empty-table-header).
   */
  @Test
  void page_heatmapHeaders_eachHaveAName_inEitherLanguage() throws Exception {
    for (String locale : List.of("en-US", "zh-CN")) {
      HeadlessChromium.Page page = heatmapPage(locale);

      List<String> names = page.accessibleNames("#heatmap th");
      assertTrue(names.stream().noneMatch(String::isBlank), locale + ": " + names);
      assertEquals(locale.equals("en-US") ? "Recommended items" : "推荐商品", names.get(0));
    }
  }

  /**
   * An unticked purchase's column says so in words, "(removed)", in its header, which a screen
   * reader reads with each of the column's cells; a ticked one says nothing more. Before, unticking
   * only dimmed the column (to opacity 0.25, unreadable), which a screen reader does not tell.
   */
  @Test
  void page_untickedPurchase_saysRemovedInItsColumnsHeader_inEitherLanguage() throws Exception {
    for (String locale : List.of("en-US", "zh-CN")) {
      HeadlessChromium.Page page = heatmapPage(locale);
      List<String> ticked = page.accessibleNames("#heatmap th.column");

      page.evaluate("document.querySelector('#heatmap th.column input').click(); true");

      List<String> names = page.accessibleNames("#heatmap th.column");
      String removed = locale.equals("en-US") ? " (removed)" : " （已去掉）";
      assertEquals(ticked.get(0) + removed, names.get(0));
      assertEquals(ticked.subList(1, ticked.size()), names.subList(1, names.size()));
      assertTrue(ticked.stream().noneMatch(name -> name.contains(removed.trim())), ticked.toString());
    }
  }

  /**
   * What a screen reader hears as answers arrive. Before, the only live region said "Loading…" and
   * was emptied when the page had loaded, and why-not's and what-if's errors went into plain
   * paragraphs: nothing was said.
   */
  @Test
  void page_saysPolitelyWhatLoaded_andErrorsAtOnce() throws Exception {
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT);

    assertEquals(List.of("status", LIMIT + " recommendations for customer " + CUSTOMER + "."), strings(page.evaluate(
        "[...document.querySelectorAll('#status [role]')].filter(p => p.textContent).map(p => [p.getAttribute('role'),"
            + " p.textContent]).flat()")));

    askWhyNot(page, "NOPE<b>");
    assertEquals(List.of("alert", "the gateway answered NOT_FOUND: item_id \"NOPE<b>\" is not in the catalogue"),
        strings(page.evaluate("(() => { const error = document.querySelector('#why-not-result .error');"
            + " return [error.getAttribute('role'), error.textContent]; })()")));

    page.evaluate("document.getElementById('what-if-add').value = 'NOPE<b>';"
        + " document.getElementById('what-if-add-form').requestSubmit(); true");
    page.await("document.body.dataset.whatIf === 'error'", PAGE_TIMEOUT);
    assertEquals("alert", page.evaluate("document.querySelector('#what-if-result .error').getAttribute('role')")
        .getStringValue());

    page.evaluate("document.getElementById('user').value = '" + "x".repeat(129) + "';"
        + " document.getElementById('user-form').dispatchEvent(new Event('submit', { cancelable: true })); true");
    page.await("document.body.dataset.state === 'error'", PAGE_TIMEOUT);
    assertEquals(List.of("alert", "Customer " + "x".repeat(39) + "… could not be shown: user must be at most 128 characters"),
        strings(page.evaluate("[...document.querySelectorAll('#status [role]')].filter(p => p.textContent)"
            + ".map(p => [p.getAttribute('role'), p.textContent]).flat()")));
  }

  /**
   * Each control is named by what it acts on, as a screen reader reads it. Before, the 8 effects
   * buttons were all "Each purchase's effect", the example customers bare numbers (their
   * "Examples:" label deleted), the heatmap's boxes their shortened titles (2 of 23 alike), and the
   * untick note listed item ids only.
   */
  @Test
  void page_namesEachControlByTheItemItActsOn() throws Exception {
    RecommendResponse expected = recommend("12348", "en-US");
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=12348&limit=" + LIMIT);

    assertEquals(expected.getItemsList().stream()
        .filter(item -> item.getContributionCount() == expected.getContributionHistoryCount())
        .map(item -> "Each purchase's effect: " + item.getItem().getTitle()).toList(),
        page.accessibleNames(".show-effects"));
    List<String> purchases = expected.getContributionHistoryList().stream()
        .map(item -> item.getTitle() + " (" + item.getItemId() + ")").toList();
    assertEquals(purchases, page.accessibleNames("#heatmap input[type=checkbox]"));
    assertEquals(List.of("Examples:"), page.accessibleNames("#examples"));

    page.evaluate("document.querySelector('#heatmap input[type=checkbox]').click(); true");
    assertEquals("1 purchase(s) unticked: " + purchases.get(0) + ".", text(page, "what-if-note"));

    // In Chinese with a Chinese colon (before, an English ": ").
    HeadlessChromium.Page chinese = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(chinese, "/?user=12348&limit=" + LIMIT + "&locale=zh-CN");
    assertEquals(expected.getItemsList().stream()
        .filter(item -> item.getContributionCount() == expected.getContributionHistoryCount())
        .map(item -> "每次购买的影响：" + item.getItem().getTitle()).toList(),
        chinese.accessibleNames(".show-effects"));
  }

  /**
   * In Chinese the page's title and its language group are Chinese, each button names its language
   * in that language, and the catalogue's English titles are marked English (a Chinese voice read
   * them). Before, the title and the group stayed "Glassbox viewer" and "Language".
   */
  @Test
  void page_inChinese_titlesItselfInChinese_andMarksTheEnglishOfTheCatalogue() throws Exception {
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT + "&locale=zh-CN");

    assertEquals("Glassbox 查看器", page.evaluate("document.title").getStringValue());
    assertEquals(List.of("语言"), page.accessibleNames(".locale-switch"));
    assertEquals(List.of("en", "zh-CN"), strings(page.evaluate(
        "[...document.querySelectorAll('[data-locale]')].map(button => button.lang)")));
    List<String> titleLanguages = strings(page.evaluate("[...document.querySelectorAll("
        + "'.recommendation .title, #heatmap th.row-title, #heatmap th.column label')].map(node => node.lang)"));
    assertTrue(titleLanguages.size() > LIMIT, titleLanguages.toString());
    assertEquals(Set.of("en"), new HashSet<>(titleLanguages));
  }

  /**
   * An id field holding more characters than the gateway takes (128, counted as code points) is
   * invalid, saying why in the page's language, and is not sent; 128 emoji (256 UTF-16 units) are
   * taken. Before, the field took 256 ASCII characters and the gateway refused them after sending.
   */
  @Test
  void page_idFields_refuseMoreCharactersThanTheGatewayTakes_beforeSending() throws Exception {
    HeadlessChromium.Page page = startPage("typeof checkIdLength === 'function'");
    String fields = "[...document.querySelectorAll('#user, #what-if-add, #why-not-item')]";

    assertEquals(List.of("At most 128 characters, please (this has more).", "", ""), strings(page.evaluate(
        "(() => { const fields = " + fields + "; const values = ['x'.repeat(129), 'x'.repeat(128),"
            + " '\\u{1F600}'.repeat(128)]; fields.forEach((field, i) => { field.value = values[i];"
            + " field.dispatchEvent(new Event('input')); }); return fields.map(field => field.validationMessage); })()")));
    page.evaluate("document.getElementById('user-form').requestSubmit(); true");
    assertEquals("idle", page.evaluate("document.body.dataset.state").getStringValue());
    // Counted as sent, trimmed: 128 characters and a space are taken.
    assertEquals("", page.evaluate("(() => { const field = document.getElementById('user');"
        + " field.value = 'x'.repeat(128) + ' '; field.dispatchEvent(new Event('input'));"
        + " return field.validationMessage; })()").getStringValue());
    page.evaluate("document.getElementById('user').value = 'x'.repeat(129);"
        + " document.getElementById('user').dispatchEvent(new Event('input')); true");
    page.evaluate("document.querySelector('[data-locale=\"zh-CN\"]').click(); true");
    assertEquals("最多 128 个字符（此处超出了）。",
        page.evaluate("document.getElementById('user').validationMessage").getStringValue());
  }

  /**
   * An example customer clicked into a field marked too long makes it valid again. Before, the
   * example set the value in code, the length check did not run again, and the field held "12347"
   * yet refused to submit ("At most 128 characters").
   */
  @Test
  void page_exampleCustomerClickedAfterATooLongId_leavesTheFieldValid() throws Exception {
    HeadlessChromium.Page page = startPage("document.querySelector('#examples .example') !== null");
    page.evaluate("const field = document.getElementById('user'); field.value = 'x'.repeat(130);"
        + " field.dispatchEvent(new Event('input')); true");
    assertFalse(page.evaluate("document.getElementById('user').checkValidity()").getBoolValue());

    String example = page.evaluate("document.querySelector('#examples .example').textContent").getStringValue();
    page.evaluate("document.querySelector('#examples .example').click(); true");
    page.await("document.body.dataset.state === 'ready'", PAGE_TIMEOUT);

    assertEquals(example, page.evaluate("document.getElementById('user').value").getStringValue());
    assertEquals("", page.evaluate("document.getElementById('user').validationMessage").getStringValue());
    assertTrue(page.evaluate("document.getElementById('user').checkValidity()").getBoolValue());
  }

  /**
   * A why-not answer that arrives after the user moved on (to the customer field) leaves the focus
   * where the user put it, and a what-if answer arriving while a new customer loads does not
   * replace the "Loading…" status. Before, the answer's heading took the focus whenever it came.
   */
  @Test
  void page_lateAnswers_leaveTheFocusAndTheLoadingStatusAlone() throws Exception {
    String twelfth = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).recommend(RecommendRequest.newBuilder()
        .setUserId(CUSTOMER).setLimit(12).setLocale("en-US").build()).getItems(11).getItem().getItemId();
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT);
    // Holds why-not and what-if answers for 1.5 s, a new customer's page for 4 s.
    page.evaluate("const realFetch = window.fetch; window.fetch = (url, options) => {"
        + " const wait = String(url).includes('user=" + EVERY_TEXT_CUSTOMER + "&') ? 4000"
        + " : String(url).includes('why-not') || String(url).includes('what-if') ? 1500 : 0;"
        + " return new Promise(resolve => setTimeout(resolve, wait)).then(() => realFetch(url, options)); }; true");

    page.evaluate("document.getElementById('why-not-item').value = '" + twelfth + "';"
        + " document.getElementById('why-not-form').requestSubmit(); document.getElementById('user').focus(); true");
    page.await("document.body.dataset.whyNot === 'ready' || document.body.dataset.whyNot === 'error'", PAGE_TIMEOUT);
    assertEquals("ready", page.evaluate("document.body.dataset.whyNot").getStringValue(), text(page, "why-not-result"));
    assertEquals("user", page.evaluate("document.activeElement.id").getStringValue());

    page.evaluate("document.getElementById('what-if-add').value = '20725';"
        + " document.getElementById('what-if-add-form').requestSubmit();"
        + " document.getElementById('user').value = '" + EVERY_TEXT_CUSTOMER + "';"
        + " document.getElementById('user-form').requestSubmit(); true");
    page.await("document.body.dataset.whatIf === 'ready'", PAGE_TIMEOUT);
    assertEquals("Loading…", text(page, "status-message"));
    page.await("document.body.dataset.state === 'ready'", PAGE_TIMEOUT);
    assertEquals("Customer " + EVERY_TEXT_CUSTOMER, text(page, "shown-customer"));
  }

  /** A browser that asks only for languages the page has no texts in is told, in English, which it has. */
  @Test
  void page_inABrowserAskingForGerman_saysInEnglishWhichLanguagesItHas() throws Exception {
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    page.setBrowserLanguages("de-DE,de");
    page.navigate(viewer.resolve("/"));
    page.await("!document.getElementById('language-note').hidden", PAGE_TIMEOUT);

    assertEquals("This page has texts in English and in Chinese (中文) only; your browser asks for de-DE, de:"
        + " shown in English.", text(page, "language-note"));
    assertEquals("en-US", page.evaluate("document.documentElement.lang").getStringValue());
  }

  /**
   * Every enabled button's edge contrasts 3:1 with the page and with the button's own fill (WCAG
   * 1.4.11), or is its fill where that contrasts 3:1 with the page. Before, the edges were #d1d9e0:
   * 1.43:1 on white.
   */
  @Test
  void page_buttonEdges_contrastAtLeast3ToOne() throws Exception {
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT);

    List<Value> buttons = page.evaluate("[...document.querySelectorAll('button')].filter(button => button.offsetParent"
        + " && !button.disabled).map(button => [button.textContent, getComputedStyle(button).borderTopColor,"
        + " getComputedStyle(button).backgroundColor])").getListValue().getValuesList();
    assertTrue(buttons.size() > LIMIT, "buttons: " + buttons.size());
    for (Value button : buttons) {
      List<String> fields = strings(button);
      int[] edge = rgb(fields.get(1));
      boolean edgeIsFill = fields.get(1).equals(fields.get(2));
      assertTrue(contrast(edge, new int[] {255, 255, 255}) >= 3
          && (edgeIsFill || contrast(edge, rgb(fields.get(2))) >= 3), fields.toString());
    }
  }

  /** Not only one customer's cells: every strength of the palette, either sign, has ink that reads. */
  @Test
  void page_heatmapPalette_hasInkAt4point5ToOneForEveryStrength() throws Exception {
    HeadlessChromium.Page page = startPage("typeof cellColour === 'function'");

    List<Value> colours = page.evaluate("Array.from({ length: 2001 }, (_, i) => (i - 1000) / 1000)"
        + ".map(value => { const colour = cellColour(value, 1); return [String(value), colour.background,"
        + " `rgb(${colour.text.join(', ')})`]; })").getListValue().getValuesList();
    for (Value colour : colours) {
      List<String> fields = strings(colour);
      double ratio = contrast(rgb(fields.get(2)), rgb(fields.get(1)));
      assertTrue(ratio >= 4.5, fields + ": " + ratio);
    }
  }

  /** An opaque CSS colour as the browser computes it: "rgb(r, g, b)". */
  private static int[] rgb(String css) {
    Matcher match = Pattern.compile("rgb\\((\\d+), (\\d+), (\\d+)\\)").matcher(css);
    assertTrue(match.matches(), css);
    return new int[] {Integer.parseInt(match.group(1)), Integer.parseInt(match.group(2)),
        Integer.parseInt(match.group(3))};
  }

  /** {@code colour} drawn at {@code opacity} on the white page, as the browser blends it. */
  private static int[] overWhite(int[] colour, double opacity) {
    int[] blended = new int[3];
    for (int i = 0; i < 3; i++) {
      blended[i] = (int) Math.round(colour[i] * opacity + 255 * (1 - opacity));
    }
    return blended;
  }

  /** The WCAG 2 contrast ratio of two sRGB colours, computed here rather than by the page. */
  private static double contrast(int[] one, int[] other) {
    double a = luminance(one);
    double b = luminance(other);
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }

  private static double luminance(int[] rgb) {
    double[] linear = new double[3];
    for (int i = 0; i < 3; i++) {
      double c = rgb[i] / 255.0;
      linear[i] = c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
  }

  @Test
  void page_whatIf_uncheckingTheStrongestPurchase_showsTheGatewaysNewRanking() throws Exception {
    RecommendResponse before = recommend(CUSTOMER, "en-US");
    String removed = strongestDriver(before);
    WhatIfResponse expected = whatIf(CUSTOMER, List.of(removed), "en-US");
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT);

    page.evaluate("document.querySelector('#heatmap th.column input[data-item-id=\"" + removed
        + "\"]').click(); document.getElementById('what-if-run').click(); true");
    page.await("document.body.dataset.whatIf === 'ready' || document.body.dataset.whatIf === 'error'",
        PAGE_TIMEOUT);

    assertEquals("ready", page.evaluate("document.body.dataset.whatIf").getStringValue(),
        page.evaluate("document.getElementById('what-if-result').textContent").getStringValue());
    ListValue rows = page.evaluate("[...document.querySelectorAll('#what-if-result table')[0]"
        + ".querySelectorAll('tbody tr')].map(tr => [tr.dataset.itemId, "
        + "tr.querySelector('.move').textContent, tr.lastElementChild.textContent])").getListValue();
    assertEquals(expected.getRankingCount(), rows.getValuesCount());
    for (int i = 0; i < rows.getValuesCount(); i++) {
      WhatIfItem item = expected.getRanking(i);
      List<Value> row = rows.getValues(i).getListValue().getValuesList();
      assertEquals(item.getItem().getItemId(), row.get(0).getStringValue());
      if (item.getRankBefore() > 0) {
        assertTrue(row.get(1).getStringValue().startsWith(
            "#" + item.getRankBefore() + " → #" + item.getRankAfter()), row.get(1).getStringValue());
      }
      assertEquals(item.getText(), row.get(2).getStringValue());
    }
    assertTrue(page.evaluate("[...document.querySelectorAll('#heatmap [data-item-id=\"" + removed
        + "\"]')].every(node => node.classList.contains('off') || node.tagName === 'INPUT')")
        .getBoolValue(), "the unticked purchase is marked");
    Files.write(screenshotDir().resolve("viewer-what-if.png"), fullPage(page));
  }

  /**
   * Why-not on the page for an item just outside the top 10: the page shows the Gateway's WhyNot
   * answer (its text, the purchases holding the item back, the purchases tried), and trying the
   * change it found runs WhatIf, whose new ranking has the item at the rank WhyNot promised.
   */
  @Test
  void page_whyNot_showsTheGatewaysAnswer_andTryingItsChangePutsTheItemWhereItSaid() throws Exception {
    RecommendResponse fifteen = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).recommend(RecommendRequest
        .newBuilder().setUserId(CUSTOMER).setLimit(15).setLocale("en-US").build());
    WhyNotResponse expected = null;
    for (RecommendedItem outside : fifteen.getItemsList().subList(LIMIT, 15)) {
      WhyNotResponse answer = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).whyNot(UserWhyNotRequest.newBuilder()
          .setUserId(CUSTOMER).setItemId(outside.getItem().getItemId()).setLimit(LIMIT).setLocale("en-US").build());
      if (answer.hasSmallestChange() || answer.hasSmallestAddition()) {
        expected = answer;
        break;
      }
    }
    assertTrue(expected != null && !expected.getInTopK(), "a change brings one of #11-#15 into the top 10");
    String item = expected.getItem().getItemId();
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT);

    askWhyNot(page, item);

    String result = page.evaluate("document.getElementById('why-not-result').textContent").getStringValue();
    assertEquals("ready", page.evaluate("document.body.dataset.whyNot").getStringValue(), result);
    // The answer's heading has the focus: a screen reader says it (before, the focus stayed in the form).
    assertTrue(page.evaluate("document.activeElement === document.querySelector('#why-not-result h3')")
        .getBoolValue(), page.evaluate("document.activeElement.outerHTML").getStringValue());
    assertEquals(expected.getText(), page.evaluate(
        "document.querySelector('#why-not-result .why-not-text').textContent").getStringValue());
    assertTrue(page.evaluate("document.querySelector('.why-not-facts').textContent").getStringValue()
        .startsWith("#" + expected.getRank() + " of " + expected.getRankedCandidateCount() + " candidates"), result);
    assertEquals(expected.getHoldingBackList().stream().map(e -> List.of(e.getItemId(), "#" + e.getRankWithout()))
        .toList(), page.evaluate("[...document.querySelectorAll('table.holding-back tbody tr')].map(tr => "
            + "[tr.dataset.itemId, tr.children[1].textContent])").getListValue().getValuesList().stream()
        .map(row -> strings(row)).toList());
    assertEquals(expected.getSingleAdditionsList().stream().map(a -> List.of(a.getItemId(), "#" + a.getRankAfter()))
        .toList(), page.evaluate("[...document.querySelectorAll('table.singles tbody tr')].map(tr => "
            + "[tr.dataset.itemId, tr.children[2].textContent])").getListValue().getValuesList().stream()
        .map(row -> strings(row)).toList());

    // Each change's button is named by what it tries, not only "Try it".
    assertEquals(strings(page.evaluate("[...document.querySelectorAll('ul.changes .change-text')]"
        + ".map(text => 'Try it: ' + text.textContent)")), page.accessibleNames("ul.changes button"));

    HistoryChange change = expected.hasSmallestChange() ? expected.getSmallestChange() : expected.getSmallestAddition();
    String kind = expected.hasSmallestChange() ? "removal" : "addition";
    page.evaluate("document.querySelector('ul.changes li[data-change=" + kind + "] button').click(); true");
    page.await("document.body.dataset.whatIf === 'ready' || document.body.dataset.whatIf === 'error'", PAGE_TIMEOUT);

    assertEquals("ready", page.evaluate("document.body.dataset.whatIf").getStringValue(),
        page.evaluate("document.getElementById('what-if-result').textContent").getStringValue());
    // The new ranking's heading has the focus (before, it stayed on the button, the page scrolled away).
    assertTrue(page.evaluate("document.activeElement === document.querySelector('#what-if-result h3')")
        .getBoolValue(), page.evaluate("document.activeElement.outerHTML").getStringValue());
    List<String> askedRow = strings(page.evaluate("[...document.querySelectorAll('#what-if-result tr.asked')]"
        + ".map(tr => tr.dataset.itemId + ' ' + tr.firstElementChild.textContent)"));
    assertEquals(List.of(item + " " + change.getRankAfter()), askedRow, "the item lands where WhyNot said");
    // Highlighted, and said in words.
    assertEquals(List.of((expected.getItem().getTitle().isEmpty() ? item : expected.getItem().getTitle())
        + " (the item you asked about)"), strings(page.evaluate(
            "[...document.querySelectorAll('#what-if-result tr.asked')].map(tr => tr.children[1].textContent)")));
    WhatIfResponse direct = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).whatIf(UserWhatIfRequest.newBuilder()
        .setUserId(CUSTOMER).setLimit(LIMIT).setLocale("en-US").addAllRemoveItemIds(change.getRemoveItemIdsList())
        .addAllAddItemIds(change.getAddItemIdsList()).build());
    assertEquals(direct.getRankingList().stream().map(w -> w.getItem().getItemId()).toList(), strings(page.evaluate(
        "[...document.querySelectorAll('#what-if-result table')[0].querySelectorAll('tbody tr')]"
            + ".map(tr => tr.dataset.itemId)")));
    Files.write(screenshotDir().resolve("viewer-why-not.png"), fullPage(page));
  }

  /**
   * Each purchase's effect on a model-ranked item: the page shows the gateway's ExplainItem answer
   * (every purchase the model read, the item's rank without it, the ones it would leave the top 10
   * without in bold), and the purchase a model reason cites alone is there at the rank the reason
   * states.
   */
  @Test
  void page_eachPurchasesEffect_showsTheGatewaysExplainItem_withTheCitedPurchaseWhereItsReasonSaid()
      throws Exception {
    RecommendResponse shown = recommend(CUSTOMER, "en-US");
    Reason reason = null;
    RecommendedItem cited = null;
    for (RecommendedItem item : shown.getItemsList()) {
      for (Reason r : item.getReasonsList()) {
        if (cited == null && r.getKind() == ReasonKind.REASON_KIND_HISTORY && r.getEvidenceItemIdsCount() == 1) {
          reason = r;
          cited = item;
        }
      }
    }
    assertTrue(cited != null, "a model reason cites a single purchase");
    String item = cited.getItem().getItemId();
    ExplainItemResponse expected = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).explainItem(
        UserExplainItemRequest.newBuilder().setUserId(CUSTOMER).setItemId(item).setLimit(LIMIT).setLocale("en-US")
            .build());
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT);
    String line = "document.querySelector('li.recommendation[data-item-id=\"" + item + "\"]')";

    page.evaluate(line + ".querySelector('.show-effects').click(); true");
    page.await("['ready', 'error'].includes(" + line + ".querySelector('.effects').dataset.state)", PAGE_TIMEOUT);

    String panel = page.evaluate(line + ".querySelector('.effects').textContent").getStringValue();
    assertEquals("ready", page.evaluate(line + ".querySelector('.effects').dataset.state").getStringValue(), panel);
    assertEquals(cited.getRank(), expected.getRank(), "ExplainItem ranks it where Recommend did");
    assertTrue(panel.startsWith("#" + expected.getRank() + " of " + expected.getRankedCandidateCount()
        + " candidates"), panel);
    // A row it would leave the top 10 without says so in words, not only in bold.
    assertEquals(expected.getEffectsList().stream().map(e -> List.of(e.getItemId(), rankWithout(e),
            e.getRankWithout() > LIMIT ? "leaves" : "")).toList(),
        page.evaluate("[..." + line + ".querySelectorAll('table.effects tbody tr')].map(tr => "
            + "[tr.dataset.itemId, tr.children[1].textContent, tr.className])").getListValue().getValuesList()
            .stream().map(row -> strings(row)).toList());
    assertEquals(List.of("#" + reason.getRankWithoutEvidence()
        + (reason.getRankWithoutEvidence() > LIMIT ? " · leaves your top " + LIMIT : "")), strings(page.evaluate("[..." + line
        + ".querySelectorAll('table.effects tbody tr')].filter(tr => tr.dataset.itemId === '"
        + reason.getEvidenceItemIds(0) + "').map(tr => tr.children[1].textContent)")),
        "the cited purchase's row says what the reason says: " + reason.getText());
    Files.write(screenshotDir().resolve("viewer-effects.png"), fullPage(page));
  }

  /** Why-not in Chinese: the page shows the gateway's Chinese answer and its own labels in Chinese. */
  @Test
  void page_whyNotInChinese_showsTheGatewaysChineseAnswer() throws Exception {
    String item = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).recommend(RecommendRequest.newBuilder()
        .setUserId(CUSTOMER).setLimit(12).setLocale("zh-CN").build()).getItems(11).getItem().getItemId();
    WhyNotResponse expected = gateway.withDeadlineAfter(30, TimeUnit.SECONDS).whyNot(UserWhyNotRequest.newBuilder()
        .setUserId(CUSTOMER).setItemId(item).setLimit(LIMIT).setLocale("zh-CN").build());
    HeadlessChromium.Page page = chromium.newPage(PAGE_WIDTH, PAGE_HEIGHT);
    openAndAwait(page, "/?user=" + CUSTOMER + "&limit=" + LIMIT + "&locale=zh-CN");

    askWhyNot(page, item);

    assertEquals(expected.getText(), page.evaluate(
        "document.querySelector('#why-not-result .why-not-text').textContent").getStringValue());
    assertTrue(expected.getText().startsWith("它在 "), expected.getText());
    assertEquals("为什么没有推荐……？", page.evaluate("document.querySelector('[data-text=whyNot]').textContent")
        .getStringValue());
    Files.write(screenshotDir().resolve("viewer-why-not-zh-CN.png"), fullPage(page));
  }

  /**
   * Samples the screenshot inside each heatmap cell (away from its number): the colours are not
   * uniform, positive cells are red-dominant, negative ones blue-dominant, and the cell with the
   * largest magnitude is the most saturated.
   */
  private static void assertHeatmapPixelsFollowTheValues(
      HeadlessChromium.Page page, RecommendResponse expected) throws Exception {
    List<Double> box = numbers(page.evaluate("(() => { const r = document.querySelector('#heatmap tbody')"
        + ".getBoundingClientRect(); return [r.x + scrollX, r.y + scrollY, r.width, r.height]; })()"));
    byte[] png = page.screenshot(box.get(0), box.get(1), box.get(2), box.get(3));
    Files.write(screenshotDir().resolve("viewer-heatmap.png"), png);
    Files.write(screenshotDir().resolve("viewer-en-US.png"), fullPage(page));
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));

    List<Value> cells = page.evaluate("[...document.querySelectorAll('#heatmap td.cell')].map(cell => {"
        + " const r = cell.getBoundingClientRect(); return [r.x + scrollX, r.y + scrollY, Number(cell.dataset.value)]; })")
        .getListValue().getValuesList();
    Set<Integer> colours = new HashSet<>();
    double strongest = 0;
    double strongestSaturation = -1;
    double maxSaturation = 0;
    for (Value cell : cells) {
      List<Double> c = numbers(cell);
      int x = (int) Math.round(c.get(0) - box.get(0)) + 3;
      int y = (int) Math.round(c.get(1) - box.get(1)) + 3;
      int rgb = image.getRGB(x, y);
      colours.add(rgb & 0xffffff);
      int red = (rgb >> 16) & 0xff;
      int blue = rgb & 0xff;
      int green = (rgb >> 8) & 0xff;
      double value = c.get(2);
      if (value > 0) {
        assertTrue(red >= blue, "positive " + value + " drawn red-dominant: " + Integer.toHexString(rgb));
      } else if (value < 0) {
        assertTrue(blue >= red, "negative " + value + " drawn blue-dominant: " + Integer.toHexString(rgb));
      }
      double saturation = 255 - Math.min(red, Math.min(green, blue));
      maxSaturation = Math.max(maxSaturation, saturation);
      if (Math.abs(value) > strongest) {
        strongest = Math.abs(value);
        strongestSaturation = saturation;
      }
    }
    assertTrue(colours.size() >= 10, "the heatmap is not uniform: " + colours.size() + " colours");
    assertEquals(maxSaturation, strongestSaturation, "the strongest cell is the most saturated");
    assertTrue(strongest > 0 && expected.getItemsCount() > 0);
  }

  private static byte[] fullPage(HeadlessChromium.Page page) throws Exception {
    List<Double> size = numbers(page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"));
    return page.screenshot(0, 0, size.get(0), size.get(1));
  }

  private static Path screenshotDir() throws IOException {
    return Files.createDirectories(Path.of("target", "viewer-screenshots"));
  }

  private static List<Double> numbers(Value list) {
    return list.getListValue().getValuesList().stream().map(Value::getNumberValue).toList();
  }

  /** The history item with the largest contribution to the first recommendation. */
  private static String strongestDriver(RecommendResponse response) {
    RecommendedItem first = response.getItems(0);
    int best = 0;
    for (int i = 1; i < first.getContributionCount(); i++) {
      if (first.getContribution(i) > first.getContribution(best)) {
        best = i;
      }
    }
    return response.getContributionHistory(best).getItemId();
  }

  private static List<String> reasonTexts(RecommendResponse response) {
    return response.getItemsList().stream().flatMap(item -> item.getReasonsList().stream())
        .map(Reason::getText).toList();
  }

  private static RecommendedItem itemById(RecommendResponse response, String itemId) {
    return response.getItemsList().stream().filter(item -> item.getItem().getItemId().equals(itemId))
        .findFirst().orElseThrow(() -> new AssertionError("row for an item not recommended: " + itemId));
  }

  private static RecommendResponse recommend(String user, String locale) {
    return gateway.withDeadlineAfter(30, TimeUnit.SECONDS).recommend(RecommendRequest.newBuilder()
        .setUserId(user).setLimit(LIMIT).setLocale(locale).setIncludeContributions(true).build());
  }

  private static WhatIfResponse whatIf(String user, List<String> removed, String locale) {
    return gateway.withDeadlineAfter(30, TimeUnit.SECONDS).whatIf(UserWhatIfRequest.newBuilder()
        .setUserId(user).setLimit(LIMIT).setLocale(locale).addAllRemoveItemIds(removed).build());
  }

  private static HttpResponse<String> get(String pathAndQuery) throws Exception {
    return http.send(HttpRequest.newBuilder(viewer.resolve(pathAndQuery))
        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String errorMessage(HttpResponse<String> reply) throws Exception {
    return parse(reply.body(), Struct.getDefaultInstance()).getFieldsOrThrow("error").getStructValue()
        .getFieldsOrThrow("message").getStringValue();
  }

  @SuppressWarnings("unchecked")
  private static <T extends Message> T parse(String json, T prototype) throws Exception {
    Message.Builder builder = prototype.newBuilderForType();
    JsonFormat.parser().merge(json, builder);
    return (T) builder.build();
  }
}
