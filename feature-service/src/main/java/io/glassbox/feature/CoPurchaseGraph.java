package io.glassbox.feature;

/**
 * The co-purchase neighbours of every dataset item by dense index (0..{@link #itemCount()}-1),
 * for retrieval's inner loop: it visits up to 20 x 200 neighbours per call, and resolving each
 * by item id (hashing, a record per neighbour) was most of its time. The same data as
 * {@link EventStore#coPurchaseNeighbours}, in the same order. Immutable.
 */
public interface CoPurchaseGraph {
  /** Dataset items; indices run from 0 to this, exclusive. */
  int itemCount();

  /** The index of {@code itemId}, or -1 when the dataset has no such item. */
  int indexOf(String itemId);

  /** The id of the item at {@code index}. */
  String itemIdAt(int index);

  /** The neighbours of the item at {@code index}, most shared baskets first. Do not modify. */
  int[] neighbours(int index);

  /** Shared basket counts, parallel to {@link #neighbours}. Do not modify. */
  int[] sharedBaskets(int index);
}
