package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class EvidenceSelectorTest {

  @Test
  void select_ordersByContributionAndStopsAtMax() {
    List<String> picked = EvidenceSelector.select(
        List.of("a", "b", "c", "d"), List.of(0.5f, 3f, 1f, 2f), 3);

    assertEquals(List.of("b", "d", "c"), picked);
  }

  @Test
  void select_repeatedItem_sumsItsOccurrences() {
    // "a" alone is weaker than "e", but the user bought it twice.
    List<String> picked = EvidenceSelector.select(List.of("a", "e", "a"), List.of(1f, 1.5f, 1f), 1);

    assertEquals(List.of("a"), picked);
  }

  @Test
  void select_leavesOutItemsWhoseTotalIsNotPositive() {
    List<String> picked = EvidenceSelector.select(
        List.of("a", "b", "c", "b"), List.of(0f, 2f, -1f, -2.5f), 5);

    assertEquals(List.of(), picked);
  }

  @Test
  void select_tie_prefersTheMoreRecentItem() {
    List<String> picked = EvidenceSelector.select(List.of("old", "new"), List.of(1f, 1f), 2);

    assertEquals(List.of("new", "old"), picked);
  }

  @Test
  void select_ignoresNonFiniteContributions() {
    List<String> picked = EvidenceSelector.select(
        List.of("a", "b"), List.of(Float.NaN, 1f), 2);

    assertEquals(List.of("b"), picked);
  }

  @Test
  void select_misalignedContribution_isRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> EvidenceSelector.select(List.of("a", "b"), List.of(1f), 2));
  }
}
