package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

/**
 * A catalogue item with its display fields and how often it was interacted with.
 *
 * @param brand empty when the dataset has none
 * @param category levels joined by " > ", empty when unknown
 * @param price typical unit price in {@code currencyCode} units, 0 when unknown
 * @param currencyCode ISO 4217 code, empty when unknown
 * @param interactionCount recorded interactions across all users, ingested ones included
 */
public record CatalogItem(
    String itemId, String title, String brand, String category, double price,
    String currencyCode, long interactionCount) {
  public CatalogItem {
    requireNonNull(itemId, "itemId");
    requireNonNull(title, "title");
    requireNonNull(brand, "brand");
    requireNonNull(category, "category");
    requireNonNull(currencyCode, "currencyCode");
  }
}
