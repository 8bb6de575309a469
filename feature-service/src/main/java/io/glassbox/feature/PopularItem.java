package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

/** An item with the number of times it was bought across all users. */
public record PopularItem(String itemId, long purchases) {
  public PopularItem {
    requireNonNull(itemId, "itemId");
  }
}
