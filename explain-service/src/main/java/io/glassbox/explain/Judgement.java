package io.glassbox.explain;

import java.util.List;
import java.util.Optional;

/** What the counterfactual rows say about one item's history evidence. */
sealed interface Judgement {

  /**
   * This judgement once another model reason of the item is known: when that reason is
   * necessary (removing it alone takes the item out of the top-k), history evidence is cited
   * only when it is necessary too. A history claim that merely meets the minimum rank drop
   * ("#4 instead of #1") next to a decisive reason reads as a second cause it is not; alone it
   * is still the best true thing the model says, so it stays cited.
   *
   * @param otherNecessary another model reason of the item (the trend term) is necessary
   */
  default Judgement citedBeside(boolean otherNecessary) {
    return otherNecessary && this instanceof Cited cited && !cited.necessary() ? new NotCited() : this;
  }

  /** {@link #citedBeside} the item's trend reason, if it has one: what Explain states. */
  default Judgement citedBeside(Optional<TrendCheck.Cited> trend) {
    return citedBeside(trend.map(TrendCheck.Cited::necessary).orElse(false));
  }

  /**
   * The items may be cited: removing them together from the record meets the minimum effect.
   *
   * @param itemIds the evidence, strongest first
   * @param removal the item's rank and score with the full record and without the evidence
   * @param rankWithEvidenceOnly the item's rank with the record reduced to the evidence
   * @param necessary removing the evidence takes the item out of the top-k
   * @param sufficient the evidence alone keeps the item in the top-k
   * @param topK the k of the top-k
   * @param rankedCount how many candidates the ranks are counted among
   * @param othersNecessary how many other purchases of the model window, each left out alone, also
   *     take the item out of the top-k (see {@link EvidenceSearch#withOthersNecessary}); 0 unless
   *     the reason is necessary and cites one purchase
   * @param othersAtLeast {@code othersNecessary} was counted on a shortlist narrower than the
   *     candidates, so it is a lower bound (each counted purchase does take the item out; one the
   *     shortlist missed may too); false when counted on every candidate, exactly
   * @param rankWithNoPurchases the item's rank with no purchases at all (0: not measured)
   */
  record Cited(
      List<String> itemIds, Measurement removal, int rankWithEvidenceOnly, boolean necessary,
      boolean sufficient, int topK, int rankedCount, int othersNecessary, boolean othersAtLeast,
      int rankWithNoPurchases) implements Judgement {
    public Cited {
      itemIds = List.copyOf(itemIds);
    }

    Cited withOthersNecessary(int count, boolean atLeast) {
      return new Cited(itemIds, removal, rankWithEvidenceOnly, necessary, sufficient, topK, rankedCount, count,
          atLeast, rankWithNoPurchases);
    }

    /** With no purchases at all the item is in the top-k too: its sufficiency says nothing of the evidence. */
    boolean inTopKWithNoPurchases() {
      return rankWithNoPurchases > 0 && rankWithNoPurchases <= topK;
    }
  }

  /** No evidence meets the minimum effect (or the item was not scored): cite nothing. */
  record NotCited() implements Judgement {}
}
