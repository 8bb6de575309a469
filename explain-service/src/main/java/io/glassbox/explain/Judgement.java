package io.glassbox.explain;

import java.util.List;

/** What the counterfactual rows say about one target's candidate evidence. */
sealed interface Judgement {

  /** The items may be cited: removing them together lowers the target's rank as measured. */
  record Cited(List<String> itemIds, Measurement measurement) implements Judgement {
    public Cited {
      itemIds = List.copyOf(itemIds);
    }
  }

  /**
   * Several, but not all, candidates lower the rank on their own; the subset of exactly those
   * needs a row of its own before it can be cited. If removing it together does not lower the
   * rank, {@code bestSingle} is cited instead.
   */
  record SubsetToMeasure(List<String> itemIds, Cited bestSingle) implements Judgement {
    public SubsetToMeasure {
      itemIds = List.copyOf(itemIds);
    }
  }

  /** No candidate lowers the rank on its own (or the target was not scored): cite nothing. */
  record NotCited() implements Judgement {}
}
