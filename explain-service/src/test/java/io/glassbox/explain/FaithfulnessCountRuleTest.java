package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.Reason;
import org.junit.jupiter.api.Test;

/**
 * The faithfulness evaluation's rule for a reason's count of other purchases each necessary alone,
 * against the count measured on every candidate.
 */
class FaithfulnessCountRuleTest {
  /**
   * Recommend counts on its shortlist and marks only a count above 0 "at least"; a count of 0 puts
   * nothing in the text, so a larger count on every candidate is no mismatch (it was one).
   */
  @Test
  void statedZero_claimsNothing_soAnyMeasuredCountHolds() {
    assertTrue(FaithfulnessEvaluation.othersCountHolds(reason(0, false), 0));
    assertTrue(FaithfulnessEvaluation.othersCountHolds(reason(0, false), 2));
  }

  @Test
  void atLeast_holdsUpToTheMeasuredCount_neverOver() {
    assertTrue(FaithfulnessEvaluation.othersCountHolds(reason(3, true), 3));
    assertTrue(FaithfulnessEvaluation.othersCountHolds(reason(3, true), 5));
    assertFalse(FaithfulnessEvaluation.othersCountHolds(reason(3, true), 2));
  }

  @Test
  void exact_holdsOnlyAtTheMeasuredCount() {
    assertTrue(FaithfulnessEvaluation.othersCountHolds(reason(4, false), 4));
    assertFalse(FaithfulnessEvaluation.othersCountHolds(reason(4, false), 5));
    assertFalse(FaithfulnessEvaluation.othersCountHolds(reason(4, false), 3));
  }

  private static Reason reason(int others, boolean atLeast) {
    return Reason.newBuilder()
        .setOtherNecessaryPurchases(others)
        .setOtherNecessaryPurchasesAtLeast(atLeast)
        .build();
  }
}
