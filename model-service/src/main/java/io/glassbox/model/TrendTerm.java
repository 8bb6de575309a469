package io.glassbox.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * A model version's additive "popular lately" term: {@code weight * ln(1 + count)}, where count
 * is the candidate's purchases (all users) in the {@code window} before the request time. The
 * trainer fits both on validation data and stores them in {@code metadata.json} under
 * {@code "trend": {"window_days": 14, "weight": 2.0}}; the served score is the model's score plus
 * this term, reported separately so reasons can cite its exact share.
 */
public record TrendTerm(Duration window, double weight) {
  /** Longest window a version may declare (the feature service counts up to this). */
  public static final Duration MAX_WINDOW = Duration.ofDays(366);

  public TrendTerm {
    requireNonNull(window, "window");
    if (window.isNegative() || window.isZero() || window.compareTo(MAX_WINDOW) > 0) {
      throw new IllegalArgumentException("trend window must be in (0, 366 days], got " + window);
    }
    if (!(weight >= 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("trend weight must be a finite number >= 0, got " + weight);
    }
  }

  /** The term for a candidate bought {@code recentPurchases} times in the window; count >= 0. */
  public float score(long recentPurchases) {
    return (float) (weight * Math.log1p(recentPurchases));
  }
}
