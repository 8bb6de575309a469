package io.glassbox.feature;

/** Why a candidate was retrieved. */
public enum CandidateSource {
  /** Bought in the same baskets as items of the user's recent history. */
  CO_PURCHASE,
  /** Among the most bought items overall. */
  POPULAR
}
