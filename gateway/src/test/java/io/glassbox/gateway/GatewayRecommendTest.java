package io.glassbox.gateway;

import static io.glassbox.gateway.TestCatalogue.BY_MODEL;
import static io.glassbox.gateway.TestCatalogue.BY_RETRIEVAL;
import static io.glassbox.gateway.TestCatalogue.KNOWN_USER;
import static io.glassbox.gateway.TestCatalogue.UNKNOWN_USER;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.glassbox.api.v1.ExplainRequest;
import io.glassbox.api.v1.ExplainTarget;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RecommendedItem;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.server.LogCapture;
import io.glassbox.server.RequestIds;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(60)
class GatewayRecommendTest {
  /** The trend window of the model in the tests that turn the trend term on. */
  private static final com.google.protobuf.Duration FORTNIGHT =
      com.google.protobuf.Duration.newBuilder().setSeconds(14 * 86_400).build();

  private GatewayHarness harness;

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  private GatewayHarness start(GatewayHarness configured) {
    harness = configured.with(GatewayConfig.SLATE_SIZE_KEY, "4").start();
    return harness;
  }

  private RecommendResponse recommend(String userId, int limit, String locale) {
    return harness.client().withDeadlineAfter(20, TimeUnit.SECONDS)
        .recommend(RecommendRequest.newBuilder()
            .setUserId(userId).setLimit(limit).setLocale(locale).build());
  }

  private static List<String> ids(RecommendResponse response) {
    return response.getItemsList().stream().map(item -> item.getItem().getItemId()).toList();
  }

  @Test
  void recommend_knownUser_ranksByModelScoreUpToLimit() {
    start(new GatewayHarness());

    RecommendResponse response = recommend(KNOWN_USER, 3, "en-US");

    assertEquals(BY_MODEL.subList(0, 3), ids(response));
    RecommendedItem first = response.getItems(0);
    assertAll(
        () -> assertEquals(List.of(1, 2, 3),
            response.getItemsList().stream().map(RecommendedItem::getRank).toList()),
        () -> assertEquals(3.0, first.getScore(), 1e-6),
        () -> assertEquals("Title c5", first.getItem().getTitle()),
        () -> assertEquals("GBP", first.getItem().getCurrencyCode()),
        () -> assertEquals(List.of(RetrievalSource.RETRIEVAL_SOURCE_POPULAR), first.getSourcesList()),
        () -> assertEquals(FakeModelService.VERSION, response.getModelVersion()),
        () -> assertFalse(response.getColdStart()),
        () -> assertFalse(response.getRankingDegraded()),
        () -> assertFalse(response.getExplanationsDegraded()));
  }

  @Test
  void recommend_filtersHistoryItemsAndDuplicates() {
    start(new GatewayHarness());

    RecommendResponse response = recommend(KNOWN_USER, 50, "en-US");

    assertEquals(BY_MODEL, ids(response));
    List<String> scored = harness.model.requests.get(0).getRows(0).getCandidateItemIdsList();
    assertEquals(List.of("c1", "c2", "c4", "c3", "c5"), scored);
  }

  @Test
  void recommend_scoreShards_sendsEachSliceOfTheCandidatesWithTheHistory_andRanksAsOneCallWould() {
    start(new GatewayHarness().with(GatewayConfig.SCORE_SHARDS_KEY, "2"));

    RecommendResponse response = recommend(KNOWN_USER, 50, "en-US");

    assertEquals(BY_MODEL, ids(response));
    assertFalse(response.getRankingDegraded());
    assertEquals(2, harness.model.requests.size());
    List<ScoreRequest> shards = harness.model.requests.stream()
        .sorted(Comparator.comparing(r -> r.getRows(0).getCandidateItemIds(0))).toList();
    assertEquals(List.of("c1", "c2"), shards.get(0).getRows(0).getCandidateItemIdsList());
    assertEquals(List.of("c4", "c3", "c5"), shards.get(1).getRows(0).getCandidateItemIdsList());
    assertEquals(shards.get(0).getRows(0).getHistoryItemIdsList(), shards.get(1).getRows(0).getHistoryItemIdsList());
  }

  /**
   * Mid rolling update the shards meet replicas of two model versions, whose scores cannot be
   * compared: the whole slate is scored again in one call, which one replica answers, and the
   * answer is ranked by the model (by that version), not degraded to retrieval.
   */
  @Test
  void recommend_scoreShards_answeredByTwoModelVersions_scoresTheWholeSlateInOneCall() {
    harness = new GatewayHarness().with(GatewayConfig.SCORE_SHARDS_KEY, "2");
    harness.model.oldVersionCandidate = "c5";
    start(harness);

    RecommendResponse response = recommend(KNOWN_USER, 50, "en-US");

    assertEquals(BY_MODEL, ids(response));
    assertFalse(response.getRankingDegraded());
    assertEquals(FakeModelService.OLD_VERSION, response.getModelVersion());
    assertEquals(3, harness.model.requests.size());
    assertEquals(List.of("c1", "c2", "c4", "c3", "c5"), harness.model.requests.get(2).getRows(0).getCandidateItemIdsList());
  }

  @Test
  void recommend_scoreShards_oneShardFailing_ranksByRetrievalFlaggedDegraded() throws InterruptedException {
    harness = new GatewayHarness().with(GatewayConfig.SCORE_SHARDS_KEY, "2");
    // The shard with c5 fails at once; the other would never answer.
    harness.model.failingCandidate = "c5";
    harness.model.behaviour = Behaviour.HANG;
    start(harness);

    RecommendResponse response = recommend(KNOWN_USER, 50, "en-US");

    assertTrue(harness.model.cancelled.await(10, TimeUnit.SECONDS), "the hanging shard's call does not outlive it");
    // The failing shard's call is retried (UNAVAILABLE); the other shard was asked once.
    assertEquals(1, harness.model.requests.stream()
        .filter(r -> !r.getRows(0).getCandidateItemIdsList().contains("c5")).count());
    assertEquals(BY_RETRIEVAL, ids(response));
    assertTrue(response.getRankingDegraded());
    assertEquals("", response.getModelVersion());
    assertClaimsNothingAboutTheModel(response);
  }

  @Test
  void recommend_zeroLimit_returnsUpToTenItems() {
    start(new GatewayHarness());

    assertEquals(BY_MODEL, ids(recommend(KNOWN_USER, 0, "")));
  }

  @Test
  void recommend_attachesTheExplainServiceReasons() {
    start(new GatewayHarness());

    RecommendResponse response = recommend(KNOWN_USER, 3, "zh-CN");

    for (int i = 0; i < 3; i++) {
      RecommendedItem item = response.getItems(i);
      assertEquals(List.of(FakeExplainService.reasonFor(item.getItem().getItemId(), "h3", i + 1,
          "zh-CN")), item.getReasonsList());
    }
  }

  @Test
  void recommend_modelWithTrendTerm_scoresWithRecentPurchasesOverItsWindow() {
    startWithTrendTerm();

    // The gateway asked for the window before it reported SERVING: its first request uses it.
    recommend(KNOWN_USER, 2, "en-US");

    assertEquals(FORTNIGHT, lastRetrieval().getRecentWindow());
    ScoreRequest score = harness.model.requests.get(harness.model.requests.size() - 1);
    assertEquals(FORTNIGHT, score.getRecentPurchasesWindow());
    assertEquals(score.getRows(0).getCandidateItemIdsCount(),
        score.getRows(0).getCandidateRecentPurchasesCount());
    assertTrue(score.getRows(0).getCandidateRecentPurchasesList().stream().allMatch(n -> n >= 1));
    // The explain service re-scores with the same counts, each with its slate item.
    java.util.Map<String, Long> counts = new java.util.HashMap<>();
    for (int i = 0; i < score.getRows(0).getCandidateItemIdsCount(); i++) {
      counts.put(score.getRows(0).getCandidateItemIds(i), score.getRows(0).getCandidateRecentPurchases(i));
    }
    io.glassbox.api.v1.ExplainRequest explained =
        harness.explain.requests.get(harness.explain.requests.size() - 1);
    assertEquals(FORTNIGHT, explained.getRecentPurchasesWindow());
    assertEquals(explained.getSlateItemIdsList().stream().map(counts::get).toList(),
        explained.getSlateRecentPurchasesList());
  }

  /** Starts the gateway with its trend term on and a model whose trend window is a fortnight. */
  private void startWithTrendTerm() {
    GatewayHarness configured = new GatewayHarness().with(GatewayConfig.TREND_TERM_KEY, "true");
    configured.model.trendWindow = FORTNIGHT;
    start(configured);
  }

  private io.glassbox.api.v1.RetrieveCandidatesRequest lastRetrieval() {
    return harness.feature.retrieveRequests.get(harness.feature.retrieveRequests.size() - 1);
  }

  @Test
  void recommend_asksFeatureModelAndExplainWithTheDocumentedRequests() {
    start(new GatewayHarness()
        .with(GatewayConfig.CANDIDATE_COUNT_KEY, "300")
        .with(GatewayConfig.HISTORY_EVENTS_KEY, "150"));

    recommend(KNOWN_USER, 2, "en-US");

    assertEquals(150, harness.feature.historyRequests.get(0).getMaxEvents());
    assertEquals(300, harness.feature.retrieveRequests.get(0).getLimit());
    assertTrue(harness.feature.retrieveRequests.get(0).getExcludeHistory());
    ScoreRequest score = harness.model.requests.get(0);
    assertEquals(List.of("h1", "h2", "h3"), score.getRows(0).getHistoryItemIdsList());
    // Contributions only when the caller asks for the heatmap (see the test below).
    assertFalse(score.getIncludeContribution());
    assertEquals(io.glassbox.api.v1.UnknownItemPolicy.UNKNOWN_ITEM_POLICY_SKIP,
        score.getUnknownItems());
    // The model reports no trend term: no counts are asked for or sent.
    assertEquals(0, score.getRows(0).getCandidateRecentPurchasesCount());
    assertTrue(!harness.feature.retrieveRequests.get(0).hasRecentWindow());

    ExplainRequest explain = harness.explain.requests.get(0);
    // The history as the model used it: h1 is outside its vocabulary.
    assertEquals(List.of("h2", "h3"), explain.getHistoryItemIdsList());
    // The whole record, so that removing evidence lets older purchases slide in.
    assertEquals(List.of("h1", "h2", "h3"), explain.getRecordItemIdsList());
    assertEquals(2, explain.getTopK());
    assertEquals(List.of("c5", "c2", "c3", "c1"), explain.getSlateItemIdsList());
    assertEquals("en-US", explain.getLocale());
    assertEquals(FakeModelService.VERSION, explain.getModelVersion());
    ExplainTarget c2 = explain.getTargets(1);
    assertEquals("c2", c2.getItemId());
    assertEquals(0, c2.getContributionCount(), "the explain service measures effects itself");
    assertEquals(List.of(RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE), c2.getSourcesList());
    assertEquals(List.of("h2", "h1"), c2.getViaItemIdsList());
    assertEquals(2, explain.getTargetsCount());
  }

  @Test
  void recommend_withTheHeatmap_asksTheModelForContributions() {
    start(new GatewayHarness());

    RecommendResponse response = harness.client().withDeadlineAfter(20, TimeUnit.SECONDS)
        .recommend(RecommendRequest.newBuilder()
            .setUserId(KNOWN_USER).setLimit(2).setIncludeContributions(true).build());

    assertTrue(harness.model.requests.get(0).getIncludeContribution());
    assertEquals(List.of("h2", "h3"), response.getContributionHistoryList().stream()
        .map(column -> column.getItemId()).toList());
    response.getItemsList().forEach(item -> assertEquals(2, item.getContributionCount(), item.toString()));
  }

  @Test
  void recommend_explainServiceDown_answersWithRetrievalReasonsFlaggedDegraded() {
    harness = new GatewayHarness();
    harness.explain.behaviour = Behaviour.FAIL;
    start(harness);

    RecommendResponse response = recommend(KNOWN_USER, 3, "en-US");

    assertEquals(BY_MODEL.subList(0, 3), ids(response));
    assertTrue(response.getExplanationsDegraded());
    assertFalse(response.getRankingDegraded());
    assertEquals(FakeModelService.VERSION, response.getModelVersion());
    Reason c5 = response.getItems(0).getReasons(0);
    assertEquals(ReasonKind.REASON_KIND_POPULAR, c5.getKind());
    assertEquals("Among the shop's top 10% best-selling items.", c5.getText());
    Reason c2 = response.getItems(1).getReasons(0);
    assertEquals(ReasonKind.REASON_KIND_CO_PURCHASE, c2.getKind());
    assertEquals(List.of("h2", "h1"), c2.getEvidenceItemIdsList());
    assertEquals(List.of("Title h2", "Title h1"), c2.getEvidenceTitlesList());
    assertTrue(c2.getText().contains("Title h2"), c2.getText());
    assertClaimsNothingAboutTheModel(response);
  }

  @Test
  void recommend_modelVersionSwappedBeforeTheExplanation_logsThatTheVersionChanged() {
    start(new GatewayHarness());
    harness.explain.behaviour = Behaviour.REFUSE_VERSION;

    try (LogCapture logged = LogCapture.of(Recommender.class, Level.WARN)) {
      RecommendResponse response = recommend(KNOWN_USER, 3, "en-US");

      assertTrue(response.getExplanationsDegraded());
      assertEquals(List.of("explain service failed (FAILED_PRECONDITION): version " + FakeModelService.VERSION
          + ", which ranked, is not served by the model service the explain service asked (a reload or a rolling"
          + " update between ranking and explaining); reasons from retrieval sources"), logged.lines().stream().map(ILoggingEvent::getFormattedMessage).toList());
    }
  }

  @Test
  void recommend_explainServiceDown_writesFallbackReasonsInChinese() {
    harness = new GatewayHarness();
    harness.explain.behaviour = Behaviour.FAIL;
    start(harness);

    Reason c2 = recommend(KNOWN_USER, 3, "zh-CN").getItems(1).getReasons(0);

    assertEquals("zh-CN", c2.getLocale());
    assertTrue(c2.getText().contains("\u300cTitle h2\u300d"), c2.getText());
  }

  @Test
  void recommend_explainServiceHangs_answersWithinTheExplainBudget() throws InterruptedException {
    harness = new GatewayHarness().with(GatewayConfig.EXPLAIN_TIMEOUT_KEY, "200ms");
    harness.explain.behaviour = Behaviour.HANG;
    start(harness);

    // Completing at all proves the gateway answered before the caller's deadline.
    RecommendResponse response = harness.client().withDeadlineAfter(10, TimeUnit.SECONDS)
        .recommend(RecommendRequest.newBuilder().setUserId(KNOWN_USER).setLimit(3).build());

    assertEquals(BY_MODEL.subList(0, 3), ids(response));
    assertTrue(response.getExplanationsDegraded());
    assertEquals(0, harness.explain.called.getCount(), "the explain service was asked");
    assertTrue(harness.explain.cancelled.await(10, TimeUnit.SECONDS),
        "the explain call was cut off by its own deadline");
    assertClaimsNothingAboutTheModel(response);
  }

  @Test
  void recommend_modelServiceDown_ranksByRetrievalScoreFlaggedDegraded() {
    harness = new GatewayHarness();
    harness.model.behaviour = Behaviour.FAIL;
    start(harness);

    RecommendResponse response = recommend(KNOWN_USER, 50, "en-US");

    assertEquals(BY_RETRIEVAL, ids(response));
    assertEquals(9.0, response.getItems(0).getScore(), 1e-9);
    assertTrue(response.getRankingDegraded());
    assertTrue(response.getExplanationsDegraded());
    assertEquals("", response.getModelVersion());
    assertTrue(harness.explain.requests.isEmpty(), "nothing model-based to explain");
    assertClaimsNothingAboutTheModel(response);
  }

  @Test
  void recommend_modelServiceHangs_ranksByRetrievalScoreWithinTheModelBudget()
      throws InterruptedException {
    harness = new GatewayHarness().with(GatewayConfig.MODEL_TIMEOUT_KEY, "200ms");
    harness.model.behaviour = Behaviour.HANG;
    start(harness);

    RecommendResponse response = harness.client().withDeadlineAfter(10, TimeUnit.SECONDS)
        .recommend(RecommendRequest.newBuilder().setUserId(KNOWN_USER).setLimit(3).build());

    assertEquals(BY_RETRIEVAL.subList(0, 3), ids(response));
    assertTrue(response.getRankingDegraded());
    assertTrue(harness.model.cancelled.await(10, TimeUnit.SECONDS));
  }

  @Test
  void recommend_unknownUser_returnsColdStartPopularItems() {
    start(new GatewayHarness());

    RecommendResponse response = recommend(UNKNOWN_USER, 10, "en-US");

    assertTrue(response.getColdStart());
    assertEquals(List.of("p2", "p1"), ids(response));
    assertFalse(response.getExplanationsDegraded());
    assertFalse(response.getRankingDegraded());
    for (RecommendedItem item : response.getItemsList()) {
      assertEquals(1, item.getReasonsCount());
      assertEquals(ReasonKind.REASON_KIND_POPULAR, item.getReasons(0).getKind());
    }
    // Without a trend term the model scores an empty history by each item's bias alone.
    assertTrue(harness.explain.requests.isEmpty(), "nothing of the model to explain");
  }

  @Test
  void recommend_unknownUserWithTrendTerm_asksForTheTrendsReasons() {
    startWithTrendTerm();

    RecommendResponse response = recommend(UNKNOWN_USER, 10, "en-US");

    assertTrue(response.getColdStart());
    ExplainRequest explain = harness.explain.requests.get(0);
    assertEquals(List.of(), explain.getHistoryItemIdsList());
    assertEquals(List.of(), explain.getRecordItemIdsList());
    assertEquals(FORTNIGHT, explain.getRecentPurchasesWindow());
    assertEquals(ids(response), explain.getTargetsList().stream().map(ExplainTarget::getItemId).toList());
    assertEquals(explain.getSlateItemIdsList().size(), explain.getSlateRecentPurchasesCount());
    // The explain service's reasons are the answer's.
    for (RecommendedItem item : response.getItemsList()) {
      assertEquals("model reason for " + item.getItem().getItemId(), item.getReasons(0).getText());
    }
    assertFalse(response.getExplanationsDegraded());
  }

  static Stream<Arguments> invalidRequests() {
    return Stream.of(
        Arguments.of(RecommendRequest.newBuilder().setUserId(""), "user_id"),
        Arguments.of(RecommendRequest.newBuilder().setUserId("u".repeat(129)), "user_id"),
        Arguments.of(RecommendRequest.newBuilder().setUserId(" u1 "), "user_id"),
        Arguments.of(RecommendRequest.newBuilder().setUserId("u1\u0000"), "user_id"),
        Arguments.of(RecommendRequest.newBuilder().setUserId("u1").setLimit(-1), "limit"),
        Arguments.of(RecommendRequest.newBuilder().setUserId("u1").setLimit(51), "limit"),
        Arguments.of(RecommendRequest.newBuilder().setUserId("u1").setLocale("fr-FR"), "locale"));
  }

  @ParameterizedTest
  @MethodSource("invalidRequests")
  void recommend_invalidRequest_returnsInvalidArgumentNamingTheField(
      RecommendRequest.Builder request, String field) {
    start(new GatewayHarness());

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).recommend(request.build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode());
    assertTrue(error.getStatus().getDescription().startsWith(field + " must"),
        error.getStatus().getDescription());
    assertTrue(harness.feature.historyRequests.isEmpty());
  }

  /** User ids as pasted from a spreadsheet or a web page: taken as given, each was a new shopper. */
  static Stream<Arguments> userIdsWithAnInvisibleCharacterAtAnEnd() {
    return Stream.of(
        Arguments.of("\u00a012348", "(U+00A0 at index 0)"),
        Arguments.of("12348\u00a0", "(U+00A0 at index 5)"),
        Arguments.of("12348\u200b", "(U+200B at index 5)"));
  }

  @ParameterizedTest
  @MethodSource("userIdsWithAnInvisibleCharacterAtAnEnd")
  void recommend_userIdWithAnInvisibleCharacterAtAnEnd_returnsInvalidArgumentNamingIt(
      String userId, String character) {
    start(new GatewayHarness());

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> recommend(userId, 3, "en-US"));

    assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode(), error.getStatus().toString());
    assertEquals("user_id must not begin or end with a space or an invisible character, got \""
        + userId + "\" " + character, error.getStatus().getDescription());
    assertTrue(harness.feature.historyRequests.isEmpty());
  }

  @Test
  void recommend_userIdTypedWithABidiControlInside_returnsInvalidArgumentNamingIt() {
    start(new GatewayHarness());

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> recommend("123\u200f48", 3, "en-US"));

    assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode(), error.getStatus().toString());
    assertEquals("user_id must not contain control characters, got U+200F at index 3",
        error.getStatus().getDescription());
    assertTrue(harness.feature.historyRequests.isEmpty());
  }

  @Test
  void recommend_featureServiceDown_returnsUnavailable() {
    start(new GatewayHarness().withoutFeatureService());

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> recommend(KNOWN_USER, 3, "en-US"));

    assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
    assertTrue(error.getStatus().getDescription().contains("feature service"),
        error.getStatus().getDescription());
  }

  @Test
  void recommend_featureServiceAtItsLimit_returnsResourceExhausted_notUnavailable() {
    start(new GatewayHarness());
    harness.feature.historyFailure = Status.RESOURCE_EXHAUSTED.withDescription(
        "feature-service is running its limit of 16 concurrent calls and no slot came free in 500 ms; the call did"
            + " not run, nothing was stored: back off and resend it unchanged, or set GLASSBOX_MAX_CONCURRENT_CALLS /"
            + " GLASSBOX_MAX_QUEUE_WAIT higher if the load is expected and the service's store or backends keep up");

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> recommend(KNOWN_USER, 3, "en-US"));

    // Busy is not down: a client retries UNAVAILABLE at once, and RESOURCE_EXHAUSTED with backoff.
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, error.getStatus().getCode());
    assertTrue(error.getStatus().getDescription().startsWith("the feature service is at its limit (feature-service is running"),
        error.getStatus().getDescription());
  }

  /**
   * A feature service refusing the gateway's key refuses every Recommend: one WARN a minute says
   * so, not one for every call (each still has the advice at DEBUG), and each call its own short
   * line under its request id, the first at INFO and the others at DEBUG.
   */
  @Test
  void recommend_featureServiceRefusingTheGatewaysKey_logsOneWarningForManyCalls() {
    startWithTheFeatureServiceRefusingTheKey();
    try (LogCapture logged = LogCapture.of(DependencyFailures.class, Level.DEBUG)) {
      for (int i = 0; i < 20; i++) {
        recommendFailsInternal();
      }

      List<ILoggingEvent> warnings = logged.lines().stream().filter(line -> line.getLevel() == Level.WARN).toList();
      assertEquals(1, warnings.size(), warnings.toString());
      assertEquals("the feature service answered UNAUTHENTICATED: GetUserHistory needs an API key; a retry does not"
          + " mend this", warnings.get(0).getFormattedMessage());
      String callLine = "answered INTERNAL: the feature service call ended UNAUTHENTICATED";
      List<ILoggingEvent> callLines = logged.lines().stream()
          .filter(line -> line.getFormattedMessage().equals(callLine)).toList();
      assertEquals(20, callLines.stream().map(line -> line.getMDCPropertyMap().get(RequestIds.MDC_KEY)).distinct()
          .count(), callLines.toString());
      assertEquals(List.of(callLine), logged.lines().stream().filter(line -> line.getLevel() == Level.INFO)
          .map(ILoggingEvent::getFormattedMessage).toList());
      assertEquals(40, logged.lines().size(), logged.lines().toString());
    }
  }

  /**
   * Each gateway holds back only its own lines: of two gateways started one after another in one
   * process (as tests start them), the second, refused as the first was, still says so at WARN.
   */
  @Test
  void recommend_featureServiceRefusingTheKeysOfTwoGatewaysInTurn_eachLogsItsOwnWarning() {
    for (int gateway = 1; gateway <= 2; gateway++) {
      startWithTheFeatureServiceRefusingTheKey();
      try (LogCapture logged = LogCapture.of(DependencyFailures.class, Level.DEBUG)) {
        recommendFailsInternal();

        assertEquals(List.of(Level.INFO, Level.WARN), logged.lines().stream().map(ILoggingEvent::getLevel).toList(),
            "gateway " + gateway + ": " + logged.lines());
      } finally {
        harness.close();
      }
    }
  }

  /**
   * A shop's zone this JVM's tz database lacks is met by every buy-again answer: each gateway
   * warns of it once a minute, and holds back only its own warnings, so the second of two
   * gateways in one process still warns.
   */
  @Test
  void recommend_shopZoneThisJvmLacks_eachOfTwoGatewaysInTurnWarnsOnce() {
    for (int gateway = 1; gateway <= 2; gateway++) {
      start(new GatewayHarness());
      harness.feature.withRegularItems(KNOWN_USER, List.of("h1"));
      harness.feature.timeZone = "Mars/Olympus_Mons";
      try (LogCapture logged = LogCapture.of(ShopZoneReader.class, Level.DEBUG)) {
        recommend(KNOWN_USER, 3, "en-US");
        recommend(KNOWN_USER, 3, "en-US");

        assertEquals(List.of(Level.WARN, Level.DEBUG), logged.lines().stream().map(ILoggingEvent::getLevel).toList(),
            "gateway " + gateway + ": " + logged.lines());
        assertEquals("The feature service names the shop's time zone Mars/Olympus_Mons, which this JVM's tz database"
            + " lacks; buy-again days are stated in UTC until the gateway runs on a newer Java",
            logged.lines().get(0).getFormattedMessage());
      } finally {
        harness.close();
      }
    }
  }

  /**
   * Recommend and the user explanations read the shop's zone through the gateway's one reader, so
   * one gateway warns of a zone this JVM's tz database lacks once a minute, whichever call met it
   * first, not once for each class that reads it.
   */
  @Test
  void recommend_afterAUserExplanation_shopZoneThisJvmLacks_theGatewayWarnsOnce() {
    start(new GatewayHarness());
    harness.feature.withRegularItems(KNOWN_USER, List.of("h1"));
    harness.feature.timeZone = "Mars/Olympus_Mons";
    try (LogCapture logged = LogCapture.of(ShopZoneReader.class, Level.DEBUG)) {
      // With no limit the explanation counts a default Recommend's buy-again places: it reads the zone.
      harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).explainItem(
          UserExplainItemRequest.newBuilder().setUserId(KNOWN_USER).setItemId("c5").build());
      recommend(KNOWN_USER, 3, "en-US");

      assertEquals(List.of(Level.WARN, Level.DEBUG), logged.lines().stream().map(ILoggingEvent::getLevel).toList(),
          logged.lines().toString());
    }
  }

  /** A gateway whose feature service refuses its key: GetUserHistory answers UNAUTHENTICATED. */
  private void startWithTheFeatureServiceRefusingTheKey() {
    start(new GatewayHarness());
    harness.feature.historyFailure = Status.UNAUTHENTICATED.withDescription("GetUserHistory needs an API key");
  }

  /** A Recommend the refused key fails: INTERNAL, since a retry does not mend it. */
  private void recommendFailsInternal() {
    StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () -> recommend(KNOWN_USER, 3, "en-US"));
    assertEquals(Status.Code.INTERNAL, error.getStatus().getCode());
  }

  @Test
  void recommend_propagatesTheCallerDeadlineToEveryHop() {
    start(new GatewayHarness()
        .with(GatewayConfig.MODEL_TIMEOUT_KEY, "7s")
        .with(GatewayConfig.EXPLAIN_TIMEOUT_KEY, "6s"));
    Deadline callerDeadline = Deadline.after(8, TimeUnit.SECONDS);

    harness.client().withDeadline(callerDeadline)
        .recommend(RecommendRequest.newBuilder().setUserId(KNOWN_USER).build());

    assertEquals(List.of(), harness.feature.historyCallsWithoutDeadline);
    // The caller's 8 s, not the 3 s default (each hop re-reads it from a header, hence <=).
    long feature = harness.feature.historyDeadlines.get(0).timeRemaining(TimeUnit.MILLISECONDS);
    assertTrue(feature > 3_000 && feature <= 8_000, "feature: " + feature + " ms");
    long model = harness.model.deadlines.get(0).timeRemaining(TimeUnit.MILLISECONDS);
    assertTrue(model > 3_000 && model <= 7_000, "model: " + model + " ms");
    long explain = harness.explain.deadlines.get(0).timeRemaining(TimeUnit.MILLISECONDS);
    assertTrue(explain > 3_000 && explain <= 6_000, "explain: " + explain + " ms");
  }

  @Test
  void recommend_callerWithoutDeadline_getsTheDefaultDeadlineOnEveryHop() {
    start(new GatewayHarness().with(GatewayConfig.DEFAULT_DEADLINE_KEY, "5s"));

    harness.client().recommend(RecommendRequest.newBuilder().setUserId(KNOWN_USER).build());

    assertEquals(List.of(), harness.feature.historyCallsWithoutDeadline);
    Deadline feature = harness.feature.historyDeadlines.get(0);
    assertNotNull(feature);
    assertTrue(feature.timeRemaining(TimeUnit.MILLISECONDS) <= 5_000, "feature: " + feature);
    assertFalse(harness.explain.deadlines.isEmpty());
  }

  private static void assertClaimsNothingAboutTheModel(RecommendResponse response) {
    for (RecommendedItem item : response.getItemsList()) {
      assertFalse(item.getReasonsList().isEmpty(), item.getItem().getItemId() + " has reasons");
      for (Reason reason : item.getReasonsList()) {
        assertTrue(reason.getKind() == ReasonKind.REASON_KIND_CO_PURCHASE
            || reason.getKind() == ReasonKind.REASON_KIND_POPULAR || reason.getKind() == ReasonKind.REASON_KIND_SALES,
            reason.toString());
        assertEquals(0, reason.getRank());
        assertEquals(0, reason.getRankWithoutEvidence());
        assertEquals(0f, reason.getScoreDrop());
      }
    }
  }
}
