package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.ExplainResponse;
import io.glassbox.api.v1.ExplainItemRequest;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.UserRanking;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The faithfulness evaluation behind {@code bin/glassbox evaluate-explanations}, on real customers
 * of the embedded data with the shipped model (which has a trend term): every reason it re-scores
 * must match, and its trend figures must count the trend reasons the explain service gives. Also
 * Explain asked as the gateway asks (every eligible candidate ranked with recent purchases over
 * the model's trend window): every number a history reason states is re-measured on fresh Score
 * calls.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FaithfulnessEvaluationTest {
  /** Real customers of the embedded data: the first of its customer list. */
  private static final List<String> CUSTOMERS = List.of(
      "12347", "12348", "12349", "12350", "12352", "12354", "12355", "12356", "12357", "12358");
  private static final String CUSTOMER = "12347";
  /** The shipped model's version, the one the suite serves. */
  private static final String SHIPPED = "20261122-050136";
  private static final int TOP_K = 10;

  private static RealExplainSuite suite;

  @BeforeAll
  static void start() {
    suite = new RealExplainSuite();
  }

  @AfterAll
  static void stop() {
    if (suite != null) {
      suite.close();
    }
  }

  private static FaithfulnessEvaluation evaluation() {
    FaithfulnessEvaluation.Settings defaults = FaithfulnessEvaluation.Settings.defaults();
    return new FaithfulnessEvaluation(suite.feature, suite.model, suite.explainChannel, new FaithfulnessEvaluation.Settings(
        TOP_K, defaults.historyEvents(), defaults.candidateCount(), defaults.maxEvidence(), defaults.minRankDrop(), 7,
        defaults.minCitedOrders()));
  }

  @Test
  void run_customers_reScoresEveryHistoryAndTrendReasonWithoutAMismatch() {
    FaithfulnessEvaluation.Report report = evaluation().run(List.of("12347", "12748", "14911", "no-such-customer"));

    assertEquals(3, report.users());
    assertEquals(3 * TOP_K, report.items());
    assertEquals(0, report.reasonsMismatched());
    assertTrue(report.trendCoverage() > 0, "the shipped model's trend term carries some item");
    // Every history and trend reason is re-scored.
    assertEquals(Math.round((report.coverage(FaithfulnessEvaluation.Method.OURS) + report.trendCoverage())
        * report.items()), report.reasonsChecked());
    assertTrue(report.trendNecessity() >= 0 && report.trendNecessity() <= 1);
    assertTrue(report.modelReasonCoverage() >= report.trendCoverage());
    assertTrue(report.modelReasonCoverage() >= report.coverage(FaithfulnessEvaluation.Method.OURS));
    String table = report.table();
    assertTrue(table.contains(String.format(java.util.Locale.ROOT, "trend (count set to 0) %14.3f %7.3f",
        report.trendCoverage(), report.trendNecessity())), table);
    assertTrue(table.contains("any model reason"), table);
    // Our reasons' rank with no purchases is among the numbers re-scored above.
    for (FaithfulnessEvaluation.Method method : FaithfulnessEvaluation.Method.values()) {
      assertTrue(report.sufficiencyBeyondNone(method) <= report.sufficiency(method), method.name());
    }
    assertTrue(table.contains("PS@" + TOP_K + "*: sufficient, and not in the top " + TOP_K), table);
  }

  /** Two reports can be compared only knowing which model each measured: the served one's name and version. */
  @Test
  void table_firstLineNamesTheModelAndVersionMeasured() {
    FaithfulnessEvaluation.Report report = evaluation().run(List.of("no-such-customer"));

    assertEquals("uci-online-retail", report.modelName());
    assertEquals(SHIPPED, report.modelVersion());
    assertEquals("model uci-online-retail " + SHIPPED, report.table().lines().findFirst().orElseThrow());
  }

  @Test
  void run_oneCustomer_trendFiguresAreThoseOfTheTrendReasonsExplainItemGivesItsTopItems() {
    FaithfulnessEvaluation.Report report = evaluation().run(List.of(CUSTOMER));

    UserDataClient users = new UserDataClient(suite.feature, Duration.ofSeconds(30));
    List<String> record = users.record(CUSTOMER, 200);
    Optional<com.google.protobuf.Duration> window = new ModelClient(suite.model, Duration.ofSeconds(30)).servedModel().window();
    List<Candidate> candidates = users.candidates(CUSTOMER, 500, record, window).eligible();
    UserRanking.Builder ranking = UserRanking.newBuilder().addAllRecordItemIds(record)
        .setRecentPurchasesWindow(window.orElseThrow());
    candidates.forEach(c -> ranking.addCandidateItemIds(c.getItemId()).addCandidateRecentPurchases(c.getRecentPurchases()));
    Map<String, Float> scores = new ModelClient(suite.model, Duration.ofSeconds(30)).scoreSlate(List.of(record),
        ranking.getCandidateItemIdsList(), RecentPurchases.of(candidates, window), ModelVersionPin.NONE).rows().get(0);
    List<String> top = scores.entrySet().stream().sorted(Map.Entry.<String, Float>comparingByValue().reversed())
        .limit(TOP_K).map(Map.Entry::getKey).toList();
    int trend = 0;
    int necessary = 0;
    for (String item : top) {
      Optional<Reason> reason = suite.explain.explainItem(ExplainItemRequest.newBuilder()
              .setRanking(ranking).setItemId(item).setTopK(TOP_K).build()).getReasonsList().stream()
          .filter(r -> r.getKind() == ReasonKind.REASON_KIND_TREND).findFirst();
      trend += reason.isPresent() ? 1 : 0;
      necessary += reason.filter(Reason::getNecessary).isPresent() ? 1 : 0;
    }
    assertTrue(trend > 0, "the trend term carries some top item of this customer");
    assertEquals(trend / (double) TOP_K, report.trendCoverage(), 1e-9);
    assertEquals(necessary / (double) trend, report.trendNecessity(), 1e-9);
    assertEquals(0, report.reasonsMismatched());
  }

  /**
   * The trend reasons the evaluation re-scores say what Recommend's say: the end of the window the
   * counts were taken up to (the feature service's as-of, the embedded data's last purchase), as the
   * gateway passes it. Before, the evaluation sent no as-of, so its reasons said "in the last 14 days".
   */
  @Test
  void run_trendReasons_nameTheTimeTheirCountsWereTakenUpTo_asRecommendDoes() {
    List<ExplainResponse> answered = new CopyOnWriteArrayList<>();
    FaithfulnessEvaluation.Settings defaults = FaithfulnessEvaluation.Settings.defaults();
    new FaithfulnessEvaluation(suite.feature, suite.model, ClientInterceptors.intercept(suite.explainChannel,
        new AnswersKept(answered)), defaults).run(List.of(CUSTOMER));

    List<String> trendTexts = answered.stream().flatMap(a -> a.getExplanationsList().stream())
        .flatMap(e -> e.getReasonsList().stream()).filter(r -> r.getKind() == ReasonKind.REASON_KIND_TREND)
        .map(Reason::getText).toList();
    assertTrue(!trendTexts.isEmpty(), "the trend term carries some top item of this customer");
    for (String text : trendTexts) {
      assertTrue(text.contains("in the 14 days before 2011-12-09 12:50 UTC"), text);
    }
  }

  /** Keeps every answer that comes back on the channel it intercepts. */
  private record AnswersKept(List<ExplainResponse> answered) implements ClientInterceptor {
    @Override
    public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<A> listener, Metadata headers) {
          super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onMessage(A message) {
              if (message instanceof ExplainResponse response) {
                answered.add(response);
              }
              super.onMessage(message);
            }
          }, headers);
        }
      };
    }
  }

  @Test
  void explain_realCustomers_everyHistoryReasonMatchesFreshScoreCallsAndTheRule() {
    FaithfulnessEvaluation.Report report = new FaithfulnessEvaluation(
        suite.feature, suite.model, suite.explainChannel, FaithfulnessEvaluation.Settings.defaults())
        .run(CUSTOMERS);

    assertTrue(report.users() >= 8, "customers with a record and candidates: " + report.users());
    assertTrue(report.reasonsChecked() >= 20, "history reasons re-scored: " + report.reasonsChecked());
    assertEquals(0, report.reasonsMismatched(), "every stated rank, necessity and sufficiency is exact");
    assertTrue(report.modelReasonCoverage() >= 0.8, "items with a model reason: " + report.modelReasonCoverage());
    assertTrue(report.meanEvidenceSize(FaithfulnessEvaluation.Method.OURS) <= 3);
  }
}
