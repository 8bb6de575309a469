package io.glassbox.feature;

import java.util.ArrayList;
import java.util.List;

/**
 * A catalogue item as one Redis hash value: title, brand and category each length-prefixed
 * ({@code <chars>:<text>}), then the price, so any text (commas, colons, line breaks) survives.
 */
final class StoredItem {
  private StoredItem() {}

  static String encode(Dataset.Item item) {
    StringBuilder text = new StringBuilder(item.title().length() + 32);
    for (String field : List.of(item.title(), item.brand(), item.category())) {
      text.append(field.length()).append(':').append(field);
    }
    return text.append(item.price()).toString();
  }

  static CatalogItem decode(String itemId, String text, String currencyCode, long interactions) {
    List<String> fields = new ArrayList<>(3);
    int at = 0;
    for (int i = 0; i < 3; i++) {
      int colon = text.indexOf(':', at);
      int length = Integer.parseInt(text, at, colon, 10);
      fields.add(text.substring(colon + 1, colon + 1 + length));
      at = colon + 1 + length;
    }
    return new CatalogItem(itemId, fields.get(0), fields.get(1), fields.get(2),
        Double.parseDouble(text.substring(at)), currencyCode, interactions);
  }
}
