package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.FeedbackType;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.ModelInfo;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RecommendedItem;
import io.glassbox.api.v1.RetrieveCandidatesRequest;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreRow;
import io.glassbox.api.v1.ScoreRowResult;
import io.glassbox.api.v1.SubmitFeedbackRequest;
import io.glassbox.api.v1.SubmitFeedbackResponse;
import io.glassbox.api.v1.UnknownItemPolicy;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ConfigSource;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four real services on loopback TCP ports, started as {@code bin/glassbox up} starts them,
 * on the embedded dataset and the shipped model, called through real channels.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
// The faithfulness check runs first: the feedback and import tests write events stamped now, which
// moves the store's newest event (what recent purchases are counted up to) past the embedded
// data, so after them the trend window is empty and the trend term 0 for every candidate.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SuiteEndToEndTest {
  /** Real customers of the embedded dataset with long purchase histories. */
  private static final List<String> CUSTOMERS = List.of("12347", "12748", "14911", "17841", "13089");

  private static Suite suite;
  private static ManagedChannel gatewayChannel;
  private static ManagedChannel featureChannel;
  private static ManagedChannel modelChannel;
  /** The shipped model's trend window: the served score counts recent purchases over it. */
  private static com.google.protobuf.Duration trendWindow;

  @BeforeAll
  static void startSuite() {
    String root = System.getProperty("glassbox.repo.root");
    suite = Suite.start(ConfigSource.of(Map.of(
            "GLASSBOX_DATA_DIR", root + "/data/uci-online-retail",
            "GLASSBOX_MODEL_DIR", root + "/models",
            "GLASSBOX_GATEWAY_MODEL_TIMEOUT", "5s",
            "GLASSBOX_EXPLAIN_TIMEOUT", "5s",
            "GLASSBOX_DEFAULT_DEADLINE", "10s",
            "GLASSBOX_GATEWAY_HTTP_PORT", "0",
            // The new-item ranking and its faithfulness; buy-again: GatewayBuyAgainRealDataTest.
            "GLASSBOX_GATEWAY_BUY_AGAIN_SLOTS", "0")),
        Suite.Ports.ephemeral());
    gatewayChannel = ClientChannels.forTarget("localhost:" + suite.ports().gateway());
    featureChannel = ClientChannels.forTarget("localhost:" + suite.ports().feature());
    modelChannel = ClientChannels.forTarget("localhost:" + suite.ports().model());
    ModelInfo info = ModelServiceGrpc.newBlockingStub(modelChannel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .getModelInfo(GetModelInfoRequest.getDefaultInstance());
    assertTrue(info.hasTrend(), "the shipped model has a trend term");
    int cores = Runtime.getRuntime().availableProcessors();
    assertEquals(Suite.sharedIntraOpThreads(cores), info.getServing().getIntraOpThreads(),
        "the model shares the process's cores with three services");
    assertEquals(Math.max(1, cores / Suite.sharedIntraOpThreads(cores)), info.getServing().getParallelRuns());
    trendWindow = info.getTrend().getWindow();
    assertFirstAnswerRanksWithTheTrend("12347");
  }

  /**
   * The suite's very first answer ranks by the served score, trend term included: the gateway
   * asks the model for its trend window before it reports SERVING.
   */
  private static void assertFirstAnswerRanksWithTheTrend(String customer) {
    List<String> expected = topByScore(score(historyOf(customer), candidatesOf(customer), ""), 10);
    List<String> seen = GatewayGrpc.newBlockingStub(gatewayChannel).withDeadlineAfter(20, TimeUnit.SECONDS)
        .recommend(RecommendRequest.newBuilder().setUserId(customer).setLimit(10).setSkipModelReasons(true).build())
        .getItemsList().stream().map(item -> item.getItem().getItemId()).toList();
    assertEquals(expected, seen, "the gateway ranks with each candidate's recent purchases from its first answer");
  }

  @AfterAll
  static void stopSuite() {
    for (ManagedChannel channel : List.of(gatewayChannel, featureChannel, modelChannel)) {
      if (channel != null) {
        channel.shutdownNow();
      }
    }
    if (suite != null) {
      suite.close();
    }
  }

  @Test
  void everyServer_listsItsServiceThroughReflection_andIsServing() throws Exception {
    Map<Integer, String> expected = Map.of(
        suite.ports().gateway(), "glassbox.v1.Gateway",
        suite.ports().feature(), "glassbox.v1.FeatureService",
        suite.ports().model(), "glassbox.v1.ModelService",
        suite.ports().explain(), "glassbox.v1.ExplainService");
    for (Map.Entry<Integer, String> server : expected.entrySet()) {
      ManagedChannel channel = ClientChannels.forTarget("localhost:" + server.getKey());
      try {
        Set<String> services = listServices(channel);
        assertTrue(services.contains(server.getValue()), server.getValue() + " in " + services);
        assertTrue(services.contains("grpc.health.v1.Health"), "health in " + services);
        assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.newBuilder().setService(server.getValue()).build())
            .getStatus());
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void submitFeedback_sameRequestIdTwice_isRecordedOnceInTheFeatureService() {
    String user = "feedback-" + UUID.randomUUID();
    SubmitFeedbackRequest request = SubmitFeedbackRequest.newBuilder()
        .setUserId(user).setItemId("85123A").setType(FeedbackType.FEEDBACK_TYPE_CLICK)
        .setRequestId("click-" + UUID.randomUUID()).build();
    GatewayGrpc.GatewayBlockingStub gateway = GatewayGrpc.newBlockingStub(gatewayChannel);

    assertFalse(gateway.withDeadlineAfter(10, TimeUnit.SECONDS).submitFeedback(request).getDuplicate());
    assertTrue(gateway.withDeadlineAfter(10, TimeUnit.SECONDS).submitFeedback(request).getDuplicate());

    assertEquals(1, FeatureServiceGrpc.newBlockingStub(featureChannel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(user).build()).getTotalEvents());
  }

  @Test
  void submitFeedback_stampedYearsAhead_isInvalidArgumentAndNothingIsRecorded() {
    // One such event would have ended every shopper's window of recent sales years ahead.
    String user = "feedback-" + UUID.randomUUID();
    Instant typo = Instant.now().plus(Duration.ofDays(5 * 365)).truncatedTo(ChronoUnit.SECONDS);
    SubmitFeedbackRequest request = SubmitFeedbackRequest.newBuilder()
        .setUserId(user).setItemId("85123A").setType(FeedbackType.FEEDBACK_TYPE_PURCHASE)
        .setTime(Timestamp.newBuilder().setSeconds(typo.getEpochSecond())).build();

    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () ->
        GatewayGrpc.newBlockingStub(gatewayChannel).withDeadlineAfter(10, TimeUnit.SECONDS).submitFeedback(request));

    assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
    assertTrue(refused.getStatus().getDescription().startsWith("time " + typo + " lies in the future"),
        refused.getStatus().getDescription());
    assertFalse(FeatureServiceGrpc.newBlockingStub(featureChannel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(user).build()).getKnownUser());
  }

  @Test
  void submitFeedback_stampedWithAZeroDate_isInvalidArgumentAndNothingIsRecorded() {
    // Go's zero time.Time, as a back end that forgot to set the time sends it: stored, it would
    // have been the shopper's first order.
    String user = "feedback-" + UUID.randomUUID();
    SubmitFeedbackRequest request = SubmitFeedbackRequest.newBuilder()
        .setUserId(user).setItemId("85123A").setType(FeedbackType.FEEDBACK_TYPE_PURCHASE)
        .setTime(Timestamp.newBuilder().setSeconds(Instant.parse("0001-01-01T00:00:00Z").getEpochSecond())).build();

    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () ->
        GatewayGrpc.newBlockingStub(gatewayChannel).withDeadlineAfter(10, TimeUnit.SECONDS).submitFeedback(request));

    assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
    assertEquals("time 0001-01-01T00:00:00Z is before 1970-01-01T00:00:00Z: no shop event is that old (is it the"
        + " sending program's zero date? Go's and .NET's are 0001-01-01T00:00:00Z)", refused.getStatus().getDescription());
    assertFalse(FeatureServiceGrpc.newBlockingStub(featureChannel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(user).build()).getKnownUser());
  }

  @Test
  void importCommand_itemsAndInteractions_areServedThroughTheGateway(@TempDir Path dir) throws Exception {
    String user = "import-" + UUID.randomUUID();
    Path items = Files.writeString(dir.resolve("items.csv"),
        "item_id,title,brand,category,price\nIMP-1,\"Lamp, brass\",Acme,Home,12.5\n");
    // The second a minute ahead (within the clock skew allowed): newer than any event stored before.
    Instant ahead = Instant.now().plusSeconds(60).truncatedTo(ChronoUnit.SECONDS);
    Path interactions = Files.writeString(dir.resolve("interactions.csv"),
        "user_id,item_id,timestamp,event\n" + user + ",IMP-1,1700000000,purchase\n"
            + user + ",85123A," + ahead.getEpochSecond() + ",\n");
    ImportCommand command = new ImportCommand();
    command.items = items;
    command.interactions = interactions;
    command.timeoutSeconds = 30;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ManagedChannel admin = ClientChannels.forTarget("127.0.0.1:" + suite.ports().featureAdmin());
    try {
      assertEquals(0, command.run(admin, new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
      // Run twice: the same file stores nothing new.
      assertEquals(0, command.run(admin, new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
    } finally {
      admin.shutdownNow();
    }

    String printed = out.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("2 interactions rows, 2 stored, 0 already there"), printed);
    assertTrue(printed.contains("2 interactions rows, 0 stored, 2 already there"), printed);
    // The first run moved the time recent sales are counted up to; the second did not.
    String moved = "  recent sales are now counted up to " + ahead + " (before this import: ";
    assertEquals(1, printed.split(Pattern.quote(moved), -1).length - 1, printed);
    RecommendResponse response = recommend(user, 10, "en-US");
    assertFalse(response.getColdStart());
    assertEquals(2, FeatureServiceGrpc.newBlockingStub(featureChannel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(user).build()).getTotalEvents());
  }

  @Test
  void recommend_realCustomer_returnsRankedItemsWithReasonsAndModelVersion() {
    RecommendResponse response = recommend("12347", 10, "en-US");

    assertEquals(10, response.getItemsCount());
    assertFalse(response.getModelVersion().isEmpty());
    assertFalse(response.getColdStart());
    assertFalse(response.getRankingDegraded());
    assertFalse(response.getExplanationsDegraded());
    for (int i = 0; i < response.getItemsCount(); i++) {
      RecommendedItem item = response.getItems(i);
      assertEquals(i + 1, item.getRank());
      assertFalse(item.getItem().getTitle().isEmpty(), "title of " + item.getItem().getItemId());
      assertFalse(item.getReasonsList().isEmpty(), "reasons of " + item.getItem().getItemId());
      assertFalse(item.getSourcesList().isEmpty(), "sources of " + item.getItem().getItemId());
      if (i > 0) {
        assertTrue(item.getScore() <= response.getItems(i - 1).getScore(), "ordered by score");
      }
    }
    Set<String> history = historyOf("12347").stream().collect(Collectors.toSet());
    assertTrue(response.getItemsList().stream().noneMatch(i -> history.contains(i.getItem().getItemId())),
        "already bought items are not recommended");
  }

  /**
   * The faithfulness check: for every reason that cites history items, re-score every ranked
   * candidate ourselves, on the customer's whole record, with each candidate's recent purchases
   * (the served score includes the trend term): without the evidence (older purchases slide
   * into the model window) and with only the evidence, and compare every stated number.
   */
  @Test
  @Order(1)
  void recommend_historyReasons_statedRanksMatchAFreshScoreOnTheRecord() {
    int checked = 0;
    for (String customer : CUSTOMERS) {
      RecommendResponse response = recommend(customer, 10, "en-US");
      assertFalse(response.getExplanationsDegraded(), "explanations for " + customer);
      List<String> record = historyOf(customer);
      List<Candidate> candidates = candidatesOf(customer);
      assertTrue(candidates.stream().anyMatch(c -> c.getRecentPurchases() > 0),
          "the served score of " + customer + " has a trend term");
      String version = response.getModelVersion();
      ScoreRowResult full = score(record, candidates, version);

      for (RecommendedItem item : response.getItemsList()) {
        String itemId = item.getItem().getItemId();
        for (Reason reason : item.getReasonsList()) {
          if (reason.getKind() != ReasonKind.REASON_KIND_HISTORY) {
            continue;
          }
          List<String> evidence = reason.getEvidenceItemIdsList();
          assertTrue(evidence.size() >= 1 && evidence.size() <= 3, "a history reason cites 1..3 items");
          int rank = rankIn(full, itemId);
          int withoutAll = rankIn(score(without(record, evidence), candidates, version), itemId);
          List<String> only = record.stream().filter(evidence::contains).toList();
          int withOnly = rankIn(score(only, candidates, version), itemId);
          assertEquals(reason.getRank(), rank, "reported rank of " + itemId);
          assertEquals(reason.getRankWithoutEvidence(), withoutAll, "reported counterfactual rank");
          assertEquals(reason.getRankWithEvidenceOnly(), withOnly, "reported rank with only the evidence");
          assertEquals(full.getCandidateItemIdsCount(), reason.getRankedCandidateCount());
          assertEquals(10, reason.getTopK());
          assertEquals(rank <= 10 && withoutAll > 10, reason.getNecessary(), "necessity of " + itemId);
          assertEquals(withOnly <= 10, reason.getSufficient(), "sufficiency of " + itemId);
          assertTrue(reason.getNecessary() || withoutAll - rank >= 3, "minimum effect for " + itemId);
          assertTrue(reason.getText().contains("among " + full.getCandidateItemIdsCount() + " candidates"),
              reason.getText());
          checked++;
        }
      }
    }
    assertTrue(checked > 0, "some recommendation of these customers cites their history");
  }

  /**
   * A purchase stamped now, on the embedded data: the CLI says that recent sales now count up to
   * it, past every sale of the data, as the gateway answered; one stamped inside the data moves
   * nothing and gets no note. (Order 2: the first test here to write an event stamped now.)
   */
  @Test
  @Order(2)
  void feedbackStampedNow_onHistoricalData_saysNoEarlierSaleCountsAsRecent() {
    String user = "feedback-" + UUID.randomUUID();
    CliRun now = CliRun.of("feedback", "--user", user, "--item", "85123A", "--request-id", "now-1",
        "--target", "localhost:" + suite.ports().gateway());
    assertEquals(0, now.exit(), now.err());
    String[] lines = now.out().split("\n");
    assertEquals(2, lines.length, now.out());
    assertTrue(lines[1].contains(" (before this feedback: 2011-12-09T12:50:00Z), more than the model's trend window "
        + "(" + trendWindow.getSeconds() / 86_400 + " days) later, so no sale recorded before it counts as recent any "
        + "more"), lines[1]);

    // The same answer through the API: a resend moves nothing, and says where recent sales count up to.
    SubmitFeedbackResponse resent = GatewayGrpc.newBlockingStub(gatewayChannel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .submitFeedback(SubmitFeedbackRequest.newBuilder().setUserId(user).setItemId("85123A")
            .setType(FeedbackType.FEEDBACK_TYPE_PURCHASE).setRequestId("now-1").build());
    assertTrue(resent.getDuplicate());
    assertEquals(trendWindow, resent.getTrendWindow());
    assertEquals(resent.getPreviousRecentSalesAsOf(), resent.getRecentSalesAsOf());
    Instant asOf = Instant.ofEpochSecond(resent.getRecentSalesAsOf().getSeconds(), resent.getRecentSalesAsOf().getNanos());
    assertTrue(lines[1].startsWith("Note: recent sales are now counted up to " + asOf.truncatedTo(ChronoUnit.SECONDS)
        + " "), lines[1]);
    assertEquals(resent.getRecentSalesAsOf(), FeatureServiceGrpc.newBlockingStub(featureChannel)
        .withDeadlineAfter(10, TimeUnit.SECONDS).retrieveCandidates(RetrieveCandidatesRequest.newBuilder()
            .setUserId(user).setLimit(1).build()).getAsOf(), "the feature service counts recent purchases up to it");

    CliRun past = CliRun.of("feedback", "--user", user, "--item", "22423", "--time", "2011-06-01T10:00:00Z",
        "--target", "localhost:" + suite.ports().gateway());
    assertEquals(0, past.exit(), past.err());
    assertEquals(1, past.out().split("\n").length, past.out());
  }

  @Test
  void recommend_zhCn_writesReasonsInChinese() {
    RecommendResponse response = recommend("12347", 5, "zh-CN");

    for (RecommendedItem item : response.getItemsList()) {
      for (Reason reason : item.getReasonsList()) {
        assertEquals("zh-CN", reason.getLocale());
        assertTrue(reason.getText().codePoints().anyMatch(c -> c >= 0x4E00 && c <= 0x9FFF),
            "Chinese text: " + reason.getText());
      }
    }
  }

  @Test
  void recommend_unknownUser_getsPopularItemsFlaggedColdStart() {
    RecommendResponse response = recommend("no-such-customer-0001", 5, "en-US");

    assertTrue(response.getColdStart());
    assertEquals(5, response.getItemsCount());
    for (RecommendedItem item : response.getItemsList()) {
      assertTrue(item.getReasonsList().stream()
              .allMatch(r -> r.getKind() != ReasonKind.REASON_KIND_HISTORY),
          "no history reasons for a user without history");
    }
  }

  @Test
  void recommend_badInput_isInvalidArgumentWithAMessage() {
    for (RecommendRequest bad : List.of(
        RecommendRequest.newBuilder().setUserId("").build(),
        RecommendRequest.newBuilder().setUserId("x".repeat(129)).build(),
        // Not the stored 12348 (ids are trimmed on the way in): answered as a stranger, it would
        // read as that customer's recommendations.
        RecommendRequest.newBuilder().setUserId(" 12348 ").build(),
        RecommendRequest.newBuilder().setUserId("12347").setLimit(-1).build(),
        RecommendRequest.newBuilder().setUserId("12347").setLimit(51).build(),
        RecommendRequest.newBuilder().setUserId("12347").setLocale("fr-FR").build())) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> GatewayGrpc.newBlockingStub(gatewayChannel)
              .withDeadlineAfter(10, TimeUnit.SECONDS).recommend(bad));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
      assertFalse(e.getStatus().getDescription().isBlank());
    }
    assertEquals(10, recommend("12347", 10, "en-US").getItemsCount(), "still serving after bad input");
  }

  private static RecommendResponse recommend(String userId, int limit, String locale) {
    return GatewayGrpc.newBlockingStub(gatewayChannel)
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .recommend(RecommendRequest.newBuilder()
            .setUserId(userId).setLimit(limit).setLocale(locale).build());
  }

  private static List<String> historyOf(String userId) {
    return FeatureServiceGrpc.newBlockingStub(featureChannel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(userId).setMaxEvents(200).build())
        .getEventsList().stream().map(e -> e.getItemId()).collect(Collectors.toList());
  }

  /** The customer's candidates as the gateway retrieves them, with recent purchases. */
  private static List<Candidate> candidatesOf(String userId) {
    return FeatureServiceGrpc.newBlockingStub(featureChannel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .retrieveCandidates(RetrieveCandidatesRequest.newBuilder()
            .setUserId(userId).setLimit(500).setExcludeHistory(true).setRecentWindow(trendWindow).build())
        .getCandidatesList();
  }

  /** The served score: each candidate with its recent purchases over the trend window. */
  private static ScoreRowResult score(List<String> history, List<Candidate> candidates, String version) {
    ScoreRow.Builder row = ScoreRow.newBuilder().addAllHistoryItemIds(history);
    candidates.forEach(c -> row.addCandidateItemIds(c.getItemId()).addCandidateRecentPurchases(c.getRecentPurchases()));
    return ModelServiceGrpc.newBlockingStub(modelChannel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .score(ScoreRequest.newBuilder()
            .addRows(row)
            .setRecentPurchasesWindow(trendWindow)
            .setUnknownItems(UnknownItemPolicy.UNKNOWN_ITEM_POLICY_SKIP)
            .setModelVersion(version)
            .build())
        .getRows(0);
  }

  private static List<String> topByScore(ScoreRowResult row, int n) {
    return IntStream.range(0, row.getCandidateItemIdsCount()).boxed()
        .sorted(Comparator.comparingDouble((Integer i) -> -row.getScores(i)))
        .limit(n)
        .map(row::getCandidateItemIds)
        .collect(Collectors.toList());
  }

  /** 1 + the number of slate items scored strictly higher. */
  private static int rankIn(ScoreRowResult row, String itemId) {
    int index = row.getCandidateItemIdsList().indexOf(itemId);
    assertTrue(index >= 0, itemId + " is in the slate");
    float score = row.getScores(index);
    int higher = 0;
    for (float other : row.getScoresList()) {
      if (other > score) {
        higher++;
      }
    }
    return higher + 1;
  }

  private static List<String> without(List<String> history, List<String> removed) {
    Set<String> drop = new HashSet<>(removed);
    List<String> kept = new ArrayList<>();
    for (String item : history) {
      if (!drop.contains(item)) {
        kept.add(item);
      }
    }
    return kept;
  }

  private static Set<String> listServices(ManagedChannel channel) throws Exception {
    return new HashSet<>(new ReflectedServices(channel, Deadline.after(5, TimeUnit.SECONDS)).list().orElseThrow());
  }
}
