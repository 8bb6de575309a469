package io.glassbox.gateway.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.HistoryChange;
import io.glassbox.api.v1.HistoryItemEffect;
import io.glassbox.api.v1.Item;
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
import io.glassbox.server.ApiKeys;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The viewer's HTTP layer over a real in-process channel to a hand-written Gateway: what it
 * forwards, what it answers, and how it refuses bad input.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ViewerServerTest {
  private static final Duration DEADLINE = Duration.ofSeconds(5);

  private final FakeGateway gateway = new FakeGateway();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Server server;
  private ManagedChannel channel;
  private ViewerServer viewer;

  @BeforeEach
  void start() throws IOException {
    String name = "viewer-test-" + UUID.randomUUID();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(gateway, gateway.authorizationRecorder()))
        .build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    viewer = ViewerServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Optional.empty(),
        List.of("12347", "14911"), ApiKeys::none, channel, DEADLINE);
  }

  @AfterEach
  void stop() throws InterruptedException {
    viewer.close();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
  /**
   * A port the system refuses for a reason other than another process holding it names the
   * settings to change, as a taken one does: it said "the viewer could not listen on
   * 203.0.113.1:53154: Cannot assign requested address".
   */
  @Test
  void start_anAddressNotOfThisHost_namesTheAddressAndThePortWithTheirSettings() {
    ViewerServer.ListenFailed failed = assertThrows(ViewerServer.ListenFailed.class, () -> ViewerServer.start(
        new InetSocketAddress("203.0.113.1", 53154), Optional.empty(), List.of(), ApiKeys::none, channel, DEADLINE));

    assertEquals("the viewer cannot listen on 203.0.113.1 (GLASSBOX_BIND_ADDRESS), port 53154 "
        + "(GLASSBOX_GATEWAY_HTTP_PORT): Cannot assign requested address", failed.getMessage());
  }


  @Test
  void recommend_asksForContributions_andAnswersTheGatewayReplyAsProtoJson() throws Exception {
    gateway.recommendReply = RecommendResponse.newBuilder()
        .setModelVersion("uci/v1")
        .addContributionHistory(Item.newBuilder().setItemId("20780").setTitle("BOX"))
        .addContributionHistory(Item.newBuilder().setItemId("20782").setTitle("JAR"))
        .addItems(RecommendedItem.newBuilder()
            .setItem(Item.newBuilder().setItemId("22423").setTitle("CAKESTAND"))
            .setRank(1).setScore(3.25)
            .addReasons(Reason.newBuilder().setKind(ReasonKind.REASON_KIND_HISTORY).setText("因为")
                .setRank(1).setRankWithoutEvidence(14).setNecessary(true).setTopK(5))
            .addContribution(0.125f).addContribution(-0.0625f))
        .build();

    HttpResponse<String> reply = get("/api/recommend?user=12347&locale=zh-CN&limit=5");

    assertEquals(200, reply.statusCode());
    assertEquals("application/json; charset=utf-8", reply.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(gateway.recommendReply, parse(reply.body(), RecommendResponse.getDefaultInstance()));
    assertEquals(List.of(RecommendRequest.newBuilder().setUserId("12347").setLocale("zh-CN")
        .setLimit(5).setIncludeContributions(true).build()), gateway.recommendRequests);
  }

  @Test
  void recommend_withALocaleTagOfASupportedLanguage_asksForThatLocale() throws Exception {
    assertEquals(200, get("/api/recommend?user=a&locale=zh_cn").statusCode());
    assertEquals(200, get("/api/recommend?user=a&locale=en-GB").statusCode());

    assertEquals(List.of("zh-CN", "en-US"),
        gateway.recommendRequests.stream().map(RecommendRequest::getLocale).toList());
  }

  @Test
  void recommend_withoutLocaleOrLimit_asksForTheDefaults() throws Exception {
    assertEquals(200, get("/api/recommend?user=u%201").statusCode());

    RecommendRequest sent = gateway.recommendRequests.get(0);
    assertEquals("u 1", sent.getUserId());
    assertEquals("en-US", sent.getLocale());
    // Unset: the Gateway's default, 10.
    assertEquals(0, sent.getLimit());
  }

  /**
   * curl sends a query's UTF-8 as it is typed, unescaped (a browser escapes it): the viewer reads
   * those bytes as UTF-8, as it reads their percent escapes. Before, each byte became a character
   * of its own, so {@code user=顾客} asked about a stranger named "é¡¾å®¢".
   */
  @Test
  void recommend_userIdSentAsUnescapedUtf8_isReadAsUtf8() throws Exception {
    String reply = rawGet("/api/recommend?user=顾客".getBytes(StandardCharsets.UTF_8));

    assertTrue(reply.startsWith("HTTP/1.1 200 "), reply);
    assertEquals(List.of("顾客"), gateway.recommendRequests.stream().map(RecommendRequest::getUserId).toList());
  }

  @Test
  void recommend_unescapedBytesThatAreNotUtf8_areRefusedNamingTheParameter() throws Exception {
    byte[] path = "/api/recommend?user=\u00e2(".getBytes(StandardCharsets.ISO_8859_1);

    String reply = rawGet(path);

    assertTrue(reply.startsWith("HTTP/1.1 400 "), reply);
    assertTrue(reply.endsWith("{\"error\":{\"status\":400,\"message\":\"user is not UTF-8 once percent-decoded\"}}"),
        reply);
    assertTrue(gateway.recommendRequests.isEmpty());
  }

  /**
   * Unescaped UTF-8 holding a byte 0x80..0xA0 (文 is E6 96 87; ß, à and every emoji have one too)
   * never reaches the viewer: the JDK's server reads that byte as a control character or U+00A0,
   * which no URI may hold, and answers its own 400, as the README says. Escaped, 文 is read.
   */
  @Test
  void recommend_unescapedUtf8HoldingAByte80ToA0_getsTheJdksOwn400() throws Exception {
    String reply = rawGet("/api/recommend?user=文".getBytes(StandardCharsets.UTF_8));

    assertTrue(reply.startsWith("HTTP/1.1 400 "), reply);
    assertTrue(reply.endsWith("<h1>400 Bad Request</h1>URISyntaxException thrown"), reply);
    assertTrue(gateway.recommendRequests.isEmpty());
    assertTrue(rawGet("/api/recommend?user=%E6%96%87".getBytes(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200 "));
    assertEquals(List.of("文"), gateway.recommendRequests.stream().map(RecommendRequest::getUserId).toList());
  }

  /**
   * The viewer's whole answer to a GET of {@code path}, sent as these bytes: java.net.http would
   * percent-escape what is not ASCII.
   */
  private String rawGet(byte[] path) throws IOException {
    try (Socket socket = new Socket(viewer.uri().getHost(), viewer.uri().getPort())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write("GET ".getBytes(StandardCharsets.US_ASCII));
      out.write(path);
      out.write(" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void questionsWithoutLimit_sendNone_soTheGatewayCountsItsDefaultAnswersModelPicks() throws Exception {
    assertEquals(200, get("/api/explain-item?user=12348&item=21975").statusCode());
    assertEquals(200, get("/api/why-not?user=12348&item=21975").statusCode());
    assertEquals(200, get("/api/what-if?user=12348&remove=21975").statusCode());

    // 0 is the gRPC default: the model picks of the user's default Recommend answer, as for an RPC client.
    assertEquals(0, gateway.explainItemRequests.get(0).getLimit());
    assertEquals(0, gateway.whyNotRequests.get(0).getLimit());
    assertEquals(0, gateway.whatIfRequests.get(0).getLimit());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "/api/recommend                               | user is required",
      "/api/recommend?user=                         | user is required",
      "/api/recommend?limit=5                       | user is required",
      "/api/recommend?user=a&limit=0                | limit must be a whole number 1..50",
      "/api/recommend?user=a&limit=51               | limit must be a whole number 1..50",
      "/api/recommend?user=a&limit=ten              | limit must be a whole number 1..50",
      "/api/recommend?user=a&limit=99999999999999   | limit must be a whole number 1..50",
      "/api/recommend?user=a&locale=fr-FR           | locale must be en-US or zh-CN, or another tag of English",
      "/api/recommend?user=a&locale=zh-TW           | locale must be en-US or zh-CN, or another tag of English",
      "/api/recommend?user=a&user=b                 | user must be given once",
      "/api/recommend?user=a%0Ab                    | user must not contain control characters",
      "/api/recommend?user=%2012348                 | user must not begin or end with a space",
      "/api/recommend?user=%E2%28                   | user is not UTF-8 once percent-decoded",
      "/api/what-if?user=a&remove=b%20              | remove must not begin or end with a space",
      "/api/recommend?user=a&secretparam=1          | unknown query parameter; this endpoint takes user, locale, limit, buy_again",
      "/api/what-if?user=a                          | what-if needs at least one remove or add item id",
      "/api/what-if?user=a&remove=                  | remove must not be empty",
      "/api/why-not?user=a                          | item is required: an item id of 1..128 characters",
      "/api/why-not?user=a&item=                    | item is required",
      "/api/why-not?item=b                          | user is required",
      "/api/why-not?user=a&item=b&item=c            | item must be given once",
      "/api/why-not?user=a&item=b&remove=c          | unknown query parameter; this endpoint takes user, locale, limit, item",
      "/api/explain-item?user=a                     | item is required: an item id of 1..128 characters",
      "/api/explain-item?item=b                     | user is required",
      "/api/explain-item?user=a&item=b&limit=51     | limit must be a whole number 1..50",
      "/api/explain-item?user=a&item=b&add=c        | unknown query parameter; this endpoint takes user, locale, limit, item",
      "/api/config?user=a                           | unknown query parameter; this endpoint takes none",
      "/api/what-if?user=a&item=b                   | unknown query parameter; this endpoint takes user, locale, limit, remove, add",
  })
  void badQueryParameters_get400NamingTheRule_andNeverReachTheGateway(String path, String message)
      throws Exception {
    HttpResponse<String> reply = get(path);

    assertEquals(400, reply.statusCode());
    assertTrue(errorMessage(reply).startsWith(message), errorMessage(reply));
    assertFalse(reply.body().contains("fr-FR") || reply.body().contains("secretparam")
        || reply.body().contains("ten"), "echoed input: " + reply.body());
    assertTrue(gateway.recommendRequests.isEmpty() && gateway.whatIfRequests.isEmpty()
        && gateway.whyNotRequests.isEmpty() && gateway.explainItemRequests.isEmpty());
  }

  @Test
  void overLongIds_areRefusedWithTheirLimit_notEchoed() throws Exception {
    String longId = "x".repeat(QueryParameters.MAX_ID_LENGTH + 1);

    HttpResponse<String> user = get("/api/recommend?user=" + longId);
    HttpResponse<String> removed = get("/api/what-if?user=a&remove=" + longId);

    assertEquals(400, user.statusCode());
    assertEquals("user must be at most 128 characters", errorMessage(user));
    assertEquals(400, removed.statusCode());
    assertEquals("remove must be at most 128 characters", errorMessage(removed));
    assertFalse(user.body().contains(longId) || removed.body().contains(longId));
  }

  @Test
  void overLongQueryString_gets414() throws Exception {
    HttpResponse<String> reply =
        get("/api/recommend?user=a&limit=" + "1".repeat(QueryParameters.MAX_QUERY_LENGTH));

    assertEquals(414, reply.statusCode());
    assertTrue(reply.body().length() < 200);
  }

  @Test
  void whatIf_forwardsEachRemovedAndAddedItemOnce_inOrder() throws Exception {
    gateway.whatIfReply = WhatIfResponse.newBuilder().setTopK(3).setRankedCandidateCount(480)
        .addRanking(WhatIfItem.newBuilder().setItem(Item.newBuilder().setItemId("22423"))
            .setRankBefore(4).setRankAfter(1).setText("moved up"))
        .build();

    HttpResponse<String> reply =
        get("/api/what-if?user=12347&limit=3&remove=b&remove=a&remove=b&add=c&locale=zh-CN");

    assertEquals(200, reply.statusCode());
    assertEquals(gateway.whatIfReply, parse(reply.body(), WhatIfResponse.getDefaultInstance()));
    assertEquals(List.of(UserWhatIfRequest.newBuilder().setUserId("12347").setLimit(3)
        .setLocale("zh-CN").addRemoveItemIds("b").addRemoveItemIds("a").addAddItemIds("c")
        .build()), gateway.whatIfRequests);
  }

  @Test
  void whyNot_forwardsUserItemLimitAndLocale_andAnswersTheGatewayReply() throws Exception {
    gateway.whyNotReply = WhyNotResponse.newBuilder().setRank(15).setTopK(10).setRankedCandidateCount(500)
        .setKthItemId("85099B").setScoreGap(0.331f).setText("It ranks #15 among 500 candidates.")
        .setSmallestChange(HistoryChange.newBuilder().addRemoveItemIds("21726").setRankAfter(7))
        .build();

    HttpResponse<String> reply = get("/api/why-not?user=12348&item=85123A&limit=10&locale=zh-CN");

    assertEquals(200, reply.statusCode(), reply.body());
    assertEquals(gateway.whyNotReply, parse(reply.body(), WhyNotResponse.getDefaultInstance()));
    assertEquals(List.of(UserWhyNotRequest.newBuilder().setUserId("12348").setItemId("85123A").setLimit(10)
        .setLocale("zh-CN").build()), gateway.whyNotRequests);
  }

  @Test
  void explainItem_forwardsUserItemLimitAndLocale_andAnswersTheGatewayReply() throws Exception {
    gateway.explainItemReply = ExplainItemResponse.newBuilder().setRank(5).setTopK(8).setRankedCandidateCount(500)
        .setScore(8.731f).setRetrieved(true)
        .addEffects(HistoryItemEffect.newBuilder().setItemId("21213").setTitle("SKULL DOILIES").setRankWithout(13)
            .setScoreChange(-0.41f).setContribution(0.37f))
        .build();

    HttpResponse<String> reply = get("/api/explain-item?user=12348&item=20727&limit=8&locale=zh-CN");

    assertEquals(200, reply.statusCode(), reply.body());
    assertEquals(gateway.explainItemReply, parse(reply.body(), ExplainItemResponse.getDefaultInstance()));
    assertEquals(List.of(UserExplainItemRequest.newBuilder().setUserId("12348").setItemId("20727").setLimit(8)
        .setLocale("zh-CN").build()), gateway.explainItemRequests);
  }

  @Test
  void whatIf_withMoreRemovalsThanTheGatewayTakes_gets400() throws Exception {
    StringBuilder path = new StringBuilder("/api/what-if?user=a");
    for (int i = 0; i <= ViewerApi.MAX_CHANGED_ITEMS; i++) {
      path.append("&remove=i").append(i);
    }

    HttpResponse<String> reply = get(path.toString());

    assertEquals(400, reply.statusCode());
    assertEquals("remove may be given at most 50 times", errorMessage(reply));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "INVALID_ARGUMENT, 400", "OUT_OF_RANGE, 400", "FAILED_PRECONDITION, 400", "NOT_FOUND, 404",
      "UNAUTHENTICATED, 401", "PERMISSION_DENIED, 403", "RESOURCE_EXHAUSTED, 429", "UNIMPLEMENTED, 501",
      "UNAVAILABLE, 503", "DEADLINE_EXCEEDED, 504", "CANCELLED, 502", "UNKNOWN, 502", "ALREADY_EXISTS, 502",
      "ABORTED, 502", "INTERNAL, 502", "DATA_LOSS, 502"})
  void gatewayErrors_becomeTheClosestHttpStatus_withTheGatewayMessage(Status.Code code, int http)
      throws Exception {
    gateway.failure = Status.fromCode(code).withDescription("what the gateway said");

    HttpResponse<String> reply = get("/api/recommend?user=12347");

    assertEquals(http, reply.statusCode());
    assertTrue(reply.body().startsWith("{\"error\":{\"status\":" + http + ","), reply.body());
    if (code != Status.Code.DEADLINE_EXCEEDED) {
      assertEquals("the gateway answered " + code + ": what the gateway said", errorMessage(reply));
    }
  }

  @Test
  void aLongGatewayMessage_isCutShort() throws Exception {
    gateway.failure = Status.INVALID_ARGUMENT.withDescription("y".repeat(100_000));

    HttpResponse<String> reply = get("/api/recommend?user=12347");

    assertEquals(400, reply.statusCode());
    assertTrue(reply.body().length() < 500, "body of " + reply.body().length() + " characters");
  }

  /**
   * The message is cut to 300 characters, never inside one: an emoji across the 300th UTF-16 unit
   * was cut in half, and the page showed its lone half as "?".
   */
  @Test
  void aLongGatewayMessage_isCutBetweenCharacters_keepingAnEmojiWhole() throws Exception {
    String kept = "y".repeat(297) + "\uD83D\uDE00";   // 300 characters with ": " before, the last an emoji
    gateway.failure = Status.INVALID_ARGUMENT.withDescription(kept + "z".repeat(10));

    HttpResponse<String> reply = get("/api/recommend?user=12347");

    assertEquals(400, reply.statusCode());
    assertEquals("the gateway answered INVALID_ARGUMENT: " + kept + "…", errorMessage(reply));
  }

  @Test
  void aGatewayThatNeverAnswers_gets504WithinTheDeadline() throws Exception {
    viewer.close();
    viewer = ViewerServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Optional.empty(),
        List.of(), ApiKeys::none, channel, Duration.ofMillis(200));
    gateway.hang = true;

    HttpResponse<String> reply = get("/api/recommend?user=12347");

    assertEquals(504, reply.statusCode());
    assertEquals("the gateway answered DEADLINE_EXCEEDED: no answer within 200 ms", errorMessage(reply));
  }

  // The Bearer scheme in any case (RFC 7235), as the gateway's own check takes it.
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"Bearer k3y-Of-the-Client", "bearer k3y-Of-the-Client"})
  void theAuthorizationHeader_travelsToTheGatewayAsMetadata(String authorization) throws Exception {
    HttpResponse<String> reply = http.send(request("/api/recommend?user=12347")
        .header("Authorization", authorization).build(), HttpResponse.BodyHandlers.ofString());

    assertEquals(200, reply.statusCode());
    assertEquals(List.of(authorization), gateway.authorizations);
  }

  @Test
  void aMalformedAuthorizationHeader_gets401_andNeverReachesTheGateway() throws Exception {
    HttpResponse<String> reply = http.send(request("/api/recommend?user=12347")
        .header("Authorization", "Basic dXNlcjpwYXNz").build(), HttpResponse.BodyHandlers.ofString());

    assertEquals(401, reply.statusCode());
    assertTrue(gateway.recommendRequests.isEmpty());
  }

  @Test
  void config_listsTheExampleUsers() throws Exception {
    HttpResponse<String> reply = get("/api/config");

    assertEquals(200, reply.statusCode());
    Struct config = parse(reply.body(), Struct.getDefaultInstance());
    assertEquals(List.of("12347", "14911"), config.getFieldsOrThrow("exampleUsers").getListValue()
        .getValuesList().stream().map(value -> value.getStringValue()).toList());
  }

  @Test
  void thePage_isServedWithItsScriptAndStyle_underAStrictContentSecurityPolicy() throws Exception {
    HttpResponse<String> page = get("/");
    HttpResponse<String> script = get("/viewer.js");
    HttpResponse<String> style = get("/viewer.css");

    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
    assertTrue(page.body().contains("<script src=\"viewer.js\""));
    assertTrue(page.headers().firstValue("Content-Security-Policy").orElseThrow()
        .startsWith("default-src 'self'"));
    assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElseThrow());
    assertEquals(200, script.statusCode());
    assertTrue(script.headers().firstValue("Content-Type").orElseThrow().startsWith("text/javascript"));
    assertTrue(script.body().contains("renderHeatmap"));
    assertEquals(200, style.statusCode());
    assertTrue(style.headers().firstValue("Content-Type").orElseThrow().startsWith("text/css"));
  }

  @Test
  void thePagesIdFields_take128CharactersOutsideTheBasicPlane() throws Exception {
    // A browser counts maxlength in UTF-16 units, two per emoji; the server counts code points
    // and answers 400 beyond 128.
    String page = get("/").body();

    for (String field : List.of("user", "what-if-add", "why-not-item")) {
      Matcher input = Pattern.compile("<input id=\"" + field + "\"[^>]*>").matcher(page);
      assertTrue(input.find(), field);
      Matcher maxLength = Pattern.compile("maxlength=\"(\\d+)\"").matcher(input.group());
      assertTrue(!maxLength.find() || Integer.parseInt(maxLength.group(1)) >= 2 * QueryParameters.MAX_ID_LENGTH,
          input.group());
    }
  }

  @Test
  void theScript_checksIdFieldsAtTheServersLimit_whichMaxlengthCannotSay() throws Exception {
    // maxlength stays 2 × the limit (emoji, above); the script marks a field over the limit invalid.
    String page = get("/").body();
    String script = get("/viewer.js").body();

    assertTrue(script.contains("const MAX_ID_CHARACTERS = " + QueryParameters.MAX_ID_LENGTH + ";"), script);
    for (String field : List.of("user", "what-if-add", "why-not-item")) {
      Matcher input = Pattern.compile("<input id=\"" + field + "\"[^>]*>").matcher(page);
      assertTrue(input.find() && input.group().contains(" data-id-field"), field);
    }
  }

  @Test
  void thePage_namesEachLanguageButtonInItsLanguage_andLetsTheScriptTranslateTitleAndLanguageGroup()
      throws Exception {
    String page = get("/").body();
    String script = get("/viewer.js").body();

    assertTrue(page.contains("data-locale=\"en-US\" lang=\"en\""), page);
    assertTrue(page.contains("data-locale=\"zh-CN\" lang=\"zh-CN\""), page);
    assertTrue(page.contains("<title data-text=\"pageTitle\">"), page);
    assertTrue(page.contains("role=\"group\" aria-label=\"Language\" data-label=\"language\""), page);
    // Both locales have each text: en-US's and zh-CN's.
    for (String key : List.of("pageTitle", "language")) {
      assertEquals(2, script.split("\n    " + key + ": ", -1).length - 1, key);
    }
  }

  @Test
  void thePage_saysItsStatusPolitely_andItsFailuresAsAnAlert() throws Exception {
    String page = get("/").body();

    assertTrue(page.contains("<div id=\"status\"><p id=\"status-message\" role=\"status\"></p>"
        + "<p id=\"status-alert\" role=\"alert\"></p></div>"), page);
  }

  @Test
  void unknownPaths_get404_andOtherMethods_get405() throws Exception {
    HttpResponse<String> missing = get("/etc/passwd");
    HttpResponse<String> missingApi = get("/api/nothing");
    HttpResponse<String> post = http.send(request("/api/recommend?user=a")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

    assertEquals(404, missing.statusCode());
    assertEquals(404, missingApi.statusCode());
    // A mistyped endpoint is told the right names, without its own path echoed.
    assertEquals("no such endpoint; the endpoints are /api/config, /api/recommend, /api/what-if, /api/why-not, "
        + "/api/explain-item", errorMessage(missingApi));
    assertEquals(405, post.statusCode());
    assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());
    assertTrue(gateway.recommendRequests.isEmpty());
  }

  @Test
  void head_getsTheGetAnswersStatusAndHeaders_withoutItsBody() throws Exception {
    HttpResponse<String> page = get("/");
    HttpResponse<String> head = http.send(request("/").method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> missing = http.send(request("/nothing").method("HEAD", HttpRequest.BodyPublishers.noBody())
        .build(), HttpResponse.BodyHandlers.ofString());

    assertEquals(200, head.statusCode());
    assertEquals("", head.body());
    for (String header : List.of("Content-Type", "Content-Security-Policy", "X-Content-Type-Options",
        "Cache-Control")) {
      assertEquals(page.headers().firstValue(header), head.headers().firstValue(header), header);
    }
    assertEquals(String.valueOf(page.body().getBytes(StandardCharsets.UTF_8).length),
        head.headers().firstValue("Content-Length").orElseThrow());
    assertEquals(404, missing.statusCode());
  }

  @Test
  void everyEndpointThe404Names_isAnswered() throws Exception {
    for (String endpoint : ViewerApi.ENDPOINTS) {
      HttpResponse<String> reply = get(endpoint);
      assertTrue(reply.statusCode() != 404, endpoint + ": " + reply.body());
    }
  }

  @Test
  void close_stopsListening() throws Exception {
    URI uri = viewer.uri();
    viewer.close();

    assertThrowsIo(() -> http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()));
    viewer = ViewerServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Optional.empty(),
        List.of(), ApiKeys::none, channel, DEADLINE);
  }

  private interface IoCall {
    void run() throws Exception;
  }

  private static void assertThrowsIo(IoCall call) throws Exception {
    try {
      call.run();
    } catch (IOException expected) {
      return;
    }
    throw new AssertionError("the viewer still answered after close");
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(viewer.uri().resolve(path)).timeout(Duration.ofSeconds(20));
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theScript_saysWhyTheModelDidNotRankAsTheCliDoes() throws Exception {
    String script = get("/viewer.js").body();

    // Before, a cause it did not know read "was unavailable", and the credentials note named no setting.
    assertTrue(script.contains("|| \"The model could not rank\""), script);
    assertTrue(script.contains("|| \"模型未能排序\""), script);
    assertEquals(2, script.split("GLASSBOX_CLIENT_KEY_FILE", -1).length - 1, script);
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
