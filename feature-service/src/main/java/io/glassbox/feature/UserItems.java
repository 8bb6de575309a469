package io.glassbox.feature;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The items of one user's record that retrieval reads, in one consistent snapshot.
 *
 * @param recentDistinctItemIds the most recently bought distinct items, most recent first: the
 *     co-purchase seeds ("bought together with X, which you bought"); clicks, adds to cart and
 *     feedback are no purchases, and an item turned down since it was last bought is left out
 * @param excludedItemIds the items {@code exclude_history} leaves out: those the user bought (ever,
 *     as far as the store was told: {@code boughtItemIds}) or gave negative feedback on in the
 *     retained record (items only clicked or added to the cart stay candidates)
 * @param boughtItemIds every item the user bought as far as the store was told: those of the
 *     retained record's purchases and those of purchases it dropped to keep the per-user cap
 *     (GLASSBOX_FEATURE_MAX_EVENTS_PER_USER), which the store keeps apart, one id per item
 */
public record UserItems(List<String> recentDistinctItemIds, Set<String> excludedItemIds, Set<String> boughtItemIds) {
  public UserItems {
    recentDistinctItemIds = List.copyOf(recentDistinctItemIds);
    excludedItemIds = Set.copyOf(excludedItemIds);
    boughtItemIds = Set.copyOf(boughtItemIds);
  }

  /**
   * Builds {@link UserItems} from a user's events, read newest first. An item turned down
   * (negative feedback) since it was last bought seeds nothing: it should not attract similar
   * items, as the buy-again rule does not offer it again ({@link RegularItems}).
   */
  static final class Collector {
    private final int maxRecent;
    private final Set<String> recent = new LinkedHashSet<>();
    private final Set<String> excluded = new HashSet<>();
    private final Set<String> bought = new HashSet<>();
    private final Set<String> turnedDown = new HashSet<>();

    Collector(int maxRecent) {
      this.maxRecent = maxRecent;
    }

    /** The next event, each older than the one before. */
    void add(String itemId, EventType type) {
      if (type == EventType.PURCHASE) {
        excluded.add(itemId);
        bought.add(itemId);
        if (recent.size() < maxRecent && !turnedDown.contains(itemId)) {
          recent.add(itemId);
        }
      } else if (type == EventType.FEEDBACK_NEGATIVE) {
        excluded.add(itemId);
        turnedDown.add(itemId);
      }
    }

    /**
     * The items of the user's purchases the store no longer holds (dropped to keep the per-user
     * cap): bought, so excluded, but no seed (their purchases are not recent).
     */
    void addDroppedPurchases(Collection<String> itemIds) {
      excluded.addAll(itemIds);
      bought.addAll(itemIds);
    }

    UserItems collected() {
      return new UserItems(List.copyOf(recent), excluded, bought);
    }
  }
}
