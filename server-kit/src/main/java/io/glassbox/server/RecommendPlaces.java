package io.glassbox.server;

/**
 * How the places of one Recommend answer are shared, after its buy-again items took the first
 * ones: newcomers (items the model does not know yet, placed by rule) take the last places, as
 * many as there are up to their slots and the places left, and the model's picks the rest. One
 * rule for the gateway, which places a Recommend answer by it, and the explain service, which
 * counts a default answer's model picks by it (its top-k).
 *
 * @param newcomers the places newcomers take
 * @param model the places left to the model's picks
 */
public record RecommendPlaces(int newcomers, int model) {
  /** A Recommend answer's places when its request gives no limit. */
  public static final int DEFAULT_LIMIT = 10;
  /** The most places a Recommend answer has (its largest limit). */
  public static final int MAX_LIMIT = 50;
  /** The most buy-again or newcomer slots a Recommend answer is given (as many as its places). */
  public static final int MAX_SLOTS = MAX_LIMIT;

  /**
   * An answer of {@code limit} places beside {@code buyAgain} buy-again items (the first places,
   * at most all of them) and {@code newcomerCandidates} newcomers, at most {@code newcomerSlots}
   * of whom are placed.
   */
  public static RecommendPlaces of(int limit, int buyAgain, int newcomerSlots, int newcomerCandidates) {
    int afterBuyAgain = Math.max(0, limit - buyAgain);
    int newcomers = Math.min(Math.min(newcomerSlots, newcomerCandidates), afterBuyAgain);
    return new RecommendPlaces(newcomers, afterBuyAgain - newcomers);
  }
}
