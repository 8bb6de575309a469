package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

/** An item bought in the same baskets as another one, and in how many baskets. */
public record CoPurchaseNeighbour(String itemId, int sharedBaskets) {
  public CoPurchaseNeighbour {
    requireNonNull(itemId, "itemId");
  }
}
