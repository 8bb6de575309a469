package io.glassbox.feature;

import java.util.ArrayList;
import java.util.List;

/**
 * The co-purchase neighbours of every item by dense index (0..{@link #itemCount()}-1), at one
 * moment, for retrieval's inner loop: it visits up to 20 x 200 neighbours per call, and
 * resolving each by item id (hashing, a record per neighbour) was most of its time. The same
 * data as {@link EventStore#coPurchaseNeighbours}, in the same order. Immutable.
 */
public interface CoPurchaseGraph {
  /** Items; indices run from 0 to this, exclusive. */
  int itemCount();

  /** The index of {@code itemId}, or -1 when the graph has no such item. */
  int indexOf(String itemId);

  /** The id of the item at {@code index}. */
  String itemIdAt(int index);

  /** The neighbours of the item at {@code index}, most shared baskets first. Do not modify. */
  int[] neighbours(int index);

  /** Shared basket counts, parallel to {@link #neighbours}. Do not modify. */
  int[] sharedBaskets(int index);

  /**
   * True for an item that joined the catalogue after the loaded dataset (imported since): a
   * model trained on the dataset cannot know it.
   */
  boolean isNewItem(int index);

  /**
   * The item's strongest neighbours among the new items ({@link #isNewItem}), most shared
   * baskets first, whether or not {@link #neighbours} lists them: a new item is found through
   * these before it is strong enough for that list. Do not modify.
   */
  int[] newItemNeighbours(int index);

  /** Shared basket counts, parallel to {@link #newItemNeighbours}. Do not modify. */
  int[] newItemSharedBaskets(int index);

  /** The neighbours of {@code itemId} by id, most shared baskets first; none for an unknown id. */
  default List<CoPurchaseNeighbour> neighboursOf(String itemId) {
    int index = indexOf(itemId);
    if (index < 0) {
      return List.of();
    }
    int[] neighbours = neighbours(index);
    int[] shared = sharedBaskets(index);
    List<CoPurchaseNeighbour> result = new ArrayList<>(neighbours.length);
    for (int i = 0; i < neighbours.length; i++) {
      result.add(new CoPurchaseNeighbour(itemIdAt(neighbours[i]), shared[i]));
    }
    return result;
  }
}
