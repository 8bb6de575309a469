package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class EvidenceSearchTest {
  private static final List<String> WINDOW = List.of("a", "b", "a", "c");
  /** Top 2, at least 3 places otherwise, at most 3 items. */
  private static final EvidenceSearch SEARCH = new EvidenceSearch(new MinimumEffect(2, 3), 3);

  /** t is #1 of 6 with the full record; f is the filler the other candidates score. */
  private static Map<String, Float> row(float t) {
    return Map.of("t", t, "x", 5f, "y", 4f, "z", 3f, "v", 2f, "w", 1f);
  }

  private static CounterfactualScores scores(Map<Counterfactual, Map<String, Float>> rows) {
    CounterfactualScores scores = new CounterfactualScores();
    rows.forEach((edit, row) -> scores.add(List.of(edit), List.of(row)));
    return scores;
  }

  @Test
  void leaveOneOut_isTheBaselineThenEachDistinctWindowItemOnce() {
    assertEquals(List.of(Counterfactual.BASELINE, Counterfactual.without(List.of("a")),
            Counterfactual.without(List.of("b")), Counterfactual.without(List.of("c"))),
        EvidenceSearch.leaveOneOut(WINDOW));
  }

  @Test
  void counterfactual_editsTheRecordNotTheWindow() {
    List<String> record = List.of("old", "a", "b", "a");

    assertEquals(List.of("old", "b"), Counterfactual.without(List.of("a")).apply(record));
    assertEquals(List.of("a", "a"), Counterfactual.only(List.of("a")).apply(record));
    assertEquals(record, Counterfactual.BASELINE.apply(record));
  }

  @Test
  void options_strongestSingleIsNecessary_isTheOnlyOption() {
    CounterfactualScores scores = scores(Map.of(
        Counterfactual.BASELINE, row(6f),
        Counterfactual.without(List.of("a")), row(3.5f),   // #4: out of the top 2
        Counterfactual.without(List.of("b")), row(5.5f),   // #1 still
        Counterfactual.without(List.of("c")), row(7f)));   // c holds t back

    assertEquals(List.of(List.of("a")), SEARCH.options("t", WINDOW, scores));
  }

  @Test
  void options_noSingleNecessary_arePrefixesOfTheHelpersStrongestFirst() {
    CounterfactualScores scores = scores(Map.of(
        Counterfactual.BASELINE, row(6f),
        Counterfactual.without(List.of("a")), row(5.8f),
        Counterfactual.without(List.of("b")), row(4.5f),   // #2: drops one place
        Counterfactual.without(List.of("c")), row(6.5f)));

    assertEquals(List.of(List.of("b"), List.of("b", "a")), SEARCH.options("t", WINDOW, scores));
  }

  @Test
  void choose_prefersTheSmallestNecessarySet_elseTheFurthestDrop() {
    CounterfactualScores scores = scores(Map.of(
        Counterfactual.BASELINE, row(6f),
        Counterfactual.without(List.of("b")), row(4.5f),          // #2: below the minimum effect
        Counterfactual.without(List.of("b", "a")), row(2.5f)));   // #4: necessary

    assertEquals(Optional.of(List.of("b", "a")),
        SEARCH.choose("t", List.of(List.of("b"), List.of("b", "a")), scores));
  }

  @Test
  void choose_noSetMeetsTheMinimumEffect_citesNothing() {
    CounterfactualScores scores = scores(Map.of(
        Counterfactual.BASELINE, row(6f),
        Counterfactual.without(List.of("b")), row(5.5f),
        Counterfactual.without(List.of("b", "a")), row(4.5f)));

    assertEquals(Optional.empty(), SEARCH.choose("t", List.of(List.of("b"), List.of("b", "a")), scores));
  }

  @Test
  void judge_reportsRanksAmongAllCandidatesNecessityAndSufficiency() {
    CounterfactualScores scores = scores(Map.of(
        Counterfactual.BASELINE, row(6f),
        Counterfactual.without(List.of("a")), row(0.5f),
        Counterfactual.only(List.of("a")), row(4.5f)));

    Judgement.Cited cited = assertInstanceOf(Judgement.Cited.class, SEARCH.judge("t", List.of("a"), scores));

    assertEquals(1, cited.removal().rank());
    assertEquals(6, cited.removal().rankWithout());
    assertEquals(2, cited.rankWithEvidenceOnly());
    assertTrue(cited.necessary());
    assertTrue(cited.sufficient());
    assertEquals(6, cited.rankedCount());
    assertEquals(2, cited.topK());
  }

  @Test
  void withOthersNecessary_countsTheOtherPurchasesThatAloneTakeItOutOfTheTopK() {
    // Top 2: t is #1; without a it is #6, without b #3 (out too), without c #2 (still in).
    CounterfactualScores singles = scores(Map.of(
        Counterfactual.BASELINE, row(6f),
        Counterfactual.without(List.of("a")), row(0.5f),
        Counterfactual.without(List.of("b")), row(3.5f),
        Counterfactual.without(List.of("c")), row(4.5f),
        Counterfactual.only(List.of("a")), row(4.5f)));
    Judgement necessary = SEARCH.judge("t", List.of("a"), singles);

    Judgement.Cited counted = assertInstanceOf(Judgement.Cited.class,
        SEARCH.withOthersNecessary(necessary, "t", List.of("c", "b", "a", "b"), singles));

    assertEquals(1, counted.othersNecessary(), "b, counted once; not a itself, not c");
    assertFalse(counted.othersAtLeast(), "counted on rows of every candidate the reason ranks among: exactly");
    assertEquals(List.of("a"), counted.itemIds());
    Judgement.Cited pair = new Judgement.Cited(List.of("a", "c"), new Measurement(1, 6, 6f, 0.5f), 1, true, true, 2, 6, 0, false, 0);
    assertEquals(pair, SEARCH.withOthersNecessary(pair, "t", List.of("c", "b", "a"), singles), "a set: none said");
    Judgement.Cited drop = new Judgement.Cited(List.of("a"), new Measurement(1, 4, 6f, 4f), 1, false, true, 2, 6, 0, false, 0);
    assertEquals(drop, SEARCH.withOthersNecessary(drop, "t", List.of("c", "b", "a"), singles), "not necessary");
  }

  @Test
  void minimumEffect_itemOutsideTheTopK_needsTheRankDrop() {
    MinimumEffect rule = new MinimumEffect(10, 3);

    assertTrue(rule.isMetBy(new Measurement(10, 11, 2f, 1f)), "leaves the top 10");
    assertFalse(rule.isMetBy(new Measurement(4, 6, 2f, 1f)), "two places inside the top 10");
    assertTrue(rule.isMetBy(new Measurement(4, 7, 2f, 1f)), "three places");
    assertFalse(rule.isMetBy(new Measurement(20, 22, 2f, 1f)), "outside the top 10, two places");
    assertFalse(rule.isMetBy(new Measurement(4, 9, 1f, 1f)), "the score must drop too");
    assertFalse(rule.isNecessary(new Measurement(12, 40, 2f, 1f)), "never in the top 10");
    assertThrows(IllegalArgumentException.class, () -> new MinimumEffect(0, 3));
  }

  @Test
  void citedBeside_aNecessaryOtherReason_keepsOnlyNecessaryHistoryEvidence() {
    Judgement.Cited drop = new Judgement.Cited(List.of("a"), new Measurement(1, 4, 6f, 4f), 1, false, true, 2, 6, 0, false, 0);
    Judgement.Cited necessary = new Judgement.Cited(List.of("a"), new Measurement(1, 5, 6f, 3f), 1, true, true, 2, 6, 0, false, 0);

    assertInstanceOf(Judgement.NotCited.class, drop.citedBeside(true));
    assertEquals(drop, drop.citedBeside(false));
    assertEquals(necessary, necessary.citedBeside(true));
    assertInstanceOf(Judgement.NotCited.class, new Judgement.NotCited().citedBeside(true));
  }
}
