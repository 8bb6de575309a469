package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The top of the store's most-bought ranking and its length, read together.
 *
 * @param mostPurchased the most bought items, most purchases first (ties by item id)
 * @param itemsBought how many items were bought at least once: all that the ranking holds
 */
public record Popularity(List<PopularItem> mostPurchased, int itemsBought) {
  public Popularity {
    mostPurchased = List.copyOf(requireNonNull(mostPurchased, "mostPurchased"));
  }
}
