package io.glassbox.feature;

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
 * @param excludedItemIds the items {@code exclude_history} leaves out: those the user bought or
 *     gave negative feedback on (items only clicked or added to the cart stay candidates)
 */
public record UserItems(List<String> recentDistinctItemIds, Set<String> excludedItemIds) {
  public UserItems {
    recentDistinctItemIds = List.copyOf(recentDistinctItemIds);
    excludedItemIds = Set.copyOf(excludedItemIds);
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
    private final Set<String> turnedDown = new HashSet<>();

    Collector(int maxRecent) {
      this.maxRecent = maxRecent;
    }

    /** The next event, each older than the one before. */
    void add(String itemId, EventType type) {
      if (type == EventType.PURCHASE) {
        excluded.add(itemId);
        if (recent.size() < maxRecent && !turnedDown.contains(itemId)) {
          recent.add(itemId);
        }
      } else if (type == EventType.FEEDBACK_NEGATIVE) {
        excluded.add(itemId);
        turnedDown.add(itemId);
      }
    }

    UserItems collected() {
      return new UserItems(List.copyOf(recent), excluded);
    }
  }
}
