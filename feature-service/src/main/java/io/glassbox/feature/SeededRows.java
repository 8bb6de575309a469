package io.glassbox.feature;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an erasure on Redis takes out of the counts a seed of the folder wrote for each of its
 * customers ({@link RedisEventStore}): their {@link DatasetSum#part}, their rows and purchases per
 * catalogue item, and each purchase's item and epoch second. Worked out when the folder is read at
 * start, so an erasure reads nothing (reading and summing the embedded folder again took about a
 * second of CPU and 580 MB of allocation per erasure); kept as an item index per row and the
 * distinct seconds of the customer's purchases.
 */
final class SeededRows {
  private final List<String> itemIds;
  private final Map<String, Customer> customers;

  /**
   * @param items per row of a catalogue item, its index in the catalogue, as {@code -1 - index}
   *     for a purchase; the purchases first, in the order of their seconds
   * @param purchaseSeconds the distinct seconds of the purchases, in order; {@code purchases} how
   *     many purchases each holds (an order's lines share one)
   */
  private record Customer(String part, int[] items, long[] purchaseSeconds, int[] purchases) {}

  /** One customer's rows, as an erasure takes them out of the counts. */
  record Rows(String part, Map<String, long[]> rowsAndPurchases, List<String> purchaseItems,
              List<Long> purchaseSeconds) {}

  private SeededRows(List<String> itemIds, Map<String, Customer> customers) {
    this.itemIds = itemIds;
    this.customers = customers;
  }

  /** Counts the rows of catalogue items, as a seed does ({@link DatasetIndex}); {@code sum} is the dataset's. */
  static SeededRows of(Dataset dataset, DatasetSum sum) {
    List<String> itemIds = dataset.items().stream().map(Dataset.Item::itemId).toList();
    Map<String, Integer> itemIndex = new HashMap<>(itemIds.size() * 2);
    for (int i = 0; i < itemIds.size(); i++) {
      itemIndex.put(itemIds.get(i), i);
    }
    Map<String, List<Dataset.Interaction>> byUser = new HashMap<>();
    for (Dataset.Interaction row : dataset.interactions()) {
      // A customer whose every row is of an unknown item has a part all the same.
      byUser.computeIfAbsent(row.userId(), user -> new ArrayList<>()).add(row);
    }
    Map<String, Customer> customers = new HashMap<>(byUser.size() * 2);
    byUser.forEach((user, rows) -> customers.put(user, customer(sum.part(user).orElseThrow(), rows, itemIndex)));
    return new SeededRows(itemIds, customers);
  }

  private static Customer customer(String part, List<Dataset.Interaction> rows, Map<String, Integer> itemIndex) {
    rows.removeIf(row -> !itemIndex.containsKey(row.itemId()));
    List<Dataset.Interaction> purchases = rows.stream().filter(row -> row.type() == EventType.PURCHASE)
        .sorted(Comparator.comparingLong(Dataset.Interaction::epochSeconds)).toList();
    int[] items = new int[rows.size()];
    int at = 0;
    for (Dataset.Interaction purchase : purchases) {
      items[at++] = -1 - itemIndex.get(purchase.itemId());
    }
    for (Dataset.Interaction row : rows) {
      if (row.type() != EventType.PURCHASE) {
        items[at++] = itemIndex.get(row.itemId());
      }
    }
    int seconds = (int) purchases.stream().mapToLong(Dataset.Interaction::epochSeconds).distinct().count();
    long[] purchaseSeconds = new long[seconds];
    int[] perSecond = new int[seconds];
    int second = -1;
    for (Dataset.Interaction purchase : purchases) {
      if (second < 0 || purchaseSeconds[second] != purchase.epochSeconds()) {
        purchaseSeconds[++second] = purchase.epochSeconds();
      }
      perSecond[second]++;
    }
    return new Customer(part, items, purchaseSeconds, perSecond);
  }

  /** The customer's rows of catalogue items; empty when the folder has no row of theirs. */
  Optional<Rows> of(String userId) {
    Customer customer = customers.get(userId);
    if (customer == null) {
      return Optional.empty();
    }
    Map<String, long[]> rowsAndPurchases = new LinkedHashMap<>();
    List<String> purchaseItems = new ArrayList<>();
    for (int code : customer.items()) {
      String item = itemIds.get(code < 0 ? -1 - code : code);
      long[] counts = rowsAndPurchases.computeIfAbsent(item, id -> new long[2]);
      counts[0]++;
      if (code < 0) {
        counts[1]++;
        purchaseItems.add(item);
      }
    }
    List<Long> purchaseSeconds = new ArrayList<>(purchaseItems.size());
    for (int second = 0; second < customer.purchaseSeconds().length; second++) {
      for (int purchase = 0; purchase < customer.purchases()[second]; purchase++) {
        purchaseSeconds.add(customer.purchaseSeconds()[second]);
      }
    }
    return Optional.of(new Rows(customer.part(), rowsAndPurchases, purchaseItems, purchaseSeconds));
  }
}
