package io.glassbox.feature;

import java.util.List;
import java.util.Set;

/**
 * The items of one user's history, read in one consistent snapshot for retrieval.
 *
 * @param recentDistinctItemIds the most recent distinct items, most recent first, leaving out
 *     negative feedback
 * @param allItemIds every item in the user's history
 */
public record UserItems(List<String> recentDistinctItemIds, Set<String> allItemIds) {
  public UserItems {
    recentDistinctItemIds = List.copyOf(recentDistinctItemIds);
    allItemIds = Set.copyOf(allItemIds);
  }
}
