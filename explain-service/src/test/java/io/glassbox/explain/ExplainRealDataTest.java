package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Explain on the embedded data and the shipped model, asked as the gateway asks (every eligible
 * candidate ranked with recent purchases over the model's trend window): every number a history
 * reason states is re-measured on fresh Score calls ({@link FaithfulnessEvaluation}).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ExplainRealDataTest {
  /** Real customers of the embedded data: the first of its customer list. */
  private static final List<String> CUSTOMERS = List.of(
      "12347", "12348", "12349", "12350", "12352", "12354", "12355", "12356", "12357", "12358");

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
