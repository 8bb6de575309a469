package io.glassbox.feature;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every store derives from the loaded dataset. The co-purchase statistics are kept (computed
 * in memory at start by every replica, which grows them with ingested orders, see
 * {@link LiveCoPurchase}); the per-user timelines and counts are handed to the store once
 * ({@link Indexed}) and then dropped.
 */
final class DatasetIndex {
  private static final Logger log = LoggerFactory.getLogger(DatasetIndex.class);

  private final List<Dataset.Item> items;
  private final CoPurchaseIndex coPurchase;

  private DatasetIndex(List<Dataset.Item> items, CoPurchaseIndex coPurchase) {
    this.items = items;
    this.coPurchase = coPurchase;
  }

  /**
   * The dataset indexed for a store.
   *
   * @param usersByActivity each user's interactions in (time, sequence) order; users ordered by
   *     their last event, to the nanosecond, least recently active first
   * @param interactionCounts per dataset item index
   * @param purchaseCounts per dataset item index
   * @param fingerprint SHA-256 (hex) of the dataset's rows, telling one dataset from another
   * @param latestPurchaseTime the newest purchase's time, to the nanosecond; empty without one
   */
  record Indexed(
      DatasetIndex index, Map<String, List<Dataset.Interaction>> usersByActivity,
      long[] interactionCounts, long[] purchaseCounts, long events, String fingerprint,
      Optional<Instant> latestPurchaseTime) {}

  static Indexed build(Dataset dataset, int maxBasketSize, int maxNeighbours) {
    List<int[]> baskets = new ArrayList<>();
    Indexed indexed = index(dataset, fingerprint(dataset), baskets, dataset.heapCheck());
    List<Dataset.Item> items = indexed.index().items();
    CoPurchaseIndex coPurchase = CoPurchaseIndex.build(baskets, items.size(), maxBasketSize, maxNeighbours,
        dataset.heapCheck());
    log.info("Indexed the dataset: {} items, {} users, {} events, {} baskets used for co-purchase "
            + "({} larger than {} items skipped)", items.size(), indexed.usersByActivity().size(),
        indexed.events(), coPurchase.basketsUsed(), coPurchase.basketsSkipped(), maxBasketSize);
    return new Indexed(new DatasetIndex(items, coPurchase), indexed.usersByActivity(),
        indexed.interactionCounts(), indexed.purchaseCounts(), indexed.events(), indexed.fingerprint(),
        indexed.latestPurchaseTime());
  }

  /**
   * The dataset indexed for seeding Redis only: what {@link #build} indexes but the co-purchase
   * statistics (its index's {@link #coPurchase} is null), which seeding does not read and a
   * re-seed keeps from the start.
   *
   * @param fingerprint the dataset's {@link #fingerprint}, already computed by the caller
   */
  static Indexed buildForSeed(Dataset dataset, String fingerprint) {
    Indexed indexed = index(dataset, fingerprint, null, FolderHeapCheck.NONE);
    log.info("Indexed the dataset for seeding: {} items, {} users, {} events", indexed.index().items().size(),
        indexed.usersByActivity().size(), indexed.events());
    return indexed;
  }

  /**
   * Everything but the co-purchase statistics (the index's {@link #coPurchase} is null).
   *
   * @param baskets where each invoice's distinct item indices are added; null to collect none
   * @param heapCheck looked at as the rows are grouped by customer, then as their orders are indexed
   */
  private static Indexed index(Dataset dataset, String fingerprint, List<int[]> baskets,
      FolderHeapCheck heapCheck) {
    List<Dataset.Item> items = dataset.items();
    Map<String, Integer> itemIndex = new HashMap<>(items.size() * 2);
    for (Dataset.Item item : items) {
      if (itemIndex.putIfAbsent(item.itemId(), itemIndex.size()) != null) {
        throw new DatasetException("item " + item.itemId() + " is listed twice in the catalogue");
      }
    }
    long[] interactionCounts = new long[items.size()];
    long[] purchaseCounts = new long[items.size()];
    Map<String, List<Dataset.Interaction>> byUser = new HashMap<>();
    int unknownItems = 0;
    long rowCount = dataset.interactions().size();
    long grouped = 0;
    for (Dataset.Interaction row : dataset.interactions()) {
      heapCheck.atRowIndexed(++grouped, rowCount, "indexing");
      if (!itemIndex.containsKey(row.itemId())) {
        unknownItems++;
        continue;
      }
      byUser.computeIfAbsent(row.userId(), k -> new ArrayList<>()).add(row);
    }
    if (unknownItems > 0) {
      log.warn("Skipped {} interactions whose item is not in the catalogue", unknownItems);
    }
    long events = 0;
    long indexedRows = 0;
    Dataset.Interaction latestPurchase = null;
    for (List<Dataset.Interaction> rows : byUser.values()) {
      rows.sort(Dataset.Interaction.STORE_ORDER);
      events += rows.size();
      // A basket is one user's invoice (purchases only).
      Map<String, BitSet> userBaskets = new HashMap<>();
      for (Dataset.Interaction row : rows) {
        heapCheck.atRowIndexed(++indexedRows, rowCount, "indexing the orders");
        int item = itemIndex.get(row.itemId());
        interactionCounts[item]++;
        if (row.type() == EventType.PURCHASE) {
          purchaseCounts[item]++;
          if (latestPurchase == null || Dataset.Interaction.STORE_ORDER.compare(row, latestPurchase) > 0) {
            latestPurchase = row;
          }
          if (baskets != null && !row.basketId().isEmpty()) {
            userBaskets.computeIfAbsent(row.basketId(), k -> new BitSet()).set(item);
          }
        }
      }
      for (BitSet basket : userBaskets.values()) {
        baskets.add(basket.stream().toArray());
      }
    }
    Map<String, List<Dataset.Interaction>> byActivity = new LinkedHashMap<>();
    long customers = byUser.size();
    long[] ordered = {0};
    // By last event to the nanosecond; users last active at one moment fall to their events' order
    // key (seq_pos when the folder has it, else file order), then the id: a fixed order, if at one
    // moment not a meaningful one.
    byUser.entrySet().stream()
        .sorted(Comparator.comparing((Map.Entry<String, List<Dataset.Interaction>> e) ->
                e.getValue().get(e.getValue().size() - 1), Dataset.Interaction.STORE_ORDER)
            .thenComparing(Map.Entry::getKey))
        .forEach(e -> {
          heapCheck.atIndexed(++ordered[0], customers, "customer", "ordering the customers");
          byActivity.put(e.getKey(), e.getValue());
        });
    return new Indexed(new DatasetIndex(items, null), byActivity,
        interactionCounts, purchaseCounts, events, fingerprint,
        Optional.ofNullable(latestPurchase).map(Dataset.Interaction::time));
  }

  /** The dataset's catalogue, in file order (the index of an item is its position). */
  List<Dataset.Item> items() {
    return items;
  }

  /** The dataset's co-purchase statistics, for a store that grows them. */
  CoPurchaseIndex coPurchase() {
    return coPurchase;
  }

  /** SHA-256 (hex) of the dataset's rows: {@link Indexed#fingerprint}, without indexing anything. */
  static String fingerprint(Dataset dataset) {
    MessageDigest digest = Digests.sha256();
    StringBuilder row = new StringBuilder(256);
    addCatalogue(digest, dataset, row);
    for (Dataset.Interaction event : dataset.interactions()) {
      row.setLength(0);
      // A fraction only where a time has one: a folder of whole seconds keeps the fingerprint a
      // Redis was seeded under before fractions were kept.
      row.append(event.userId()).append('\0').append(event.itemId()).append('\0').append(event.epochSeconds())
          .append(event.nanos() == 0 ? "" : String.format(".%09d", event.nanos())).append('\0')
          .append(event.type().ordinal()).append('\0')
          .append(event.basketId()).append('\0').append(event.sequence()).append('\n');
      digest.update(row.toString().getBytes(StandardCharsets.UTF_8));
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Feeds {@code digest} the catalogue's rows, in file order ({@code row}: scratch). */
  static void addCatalogue(MessageDigest digest, Dataset dataset, StringBuilder row) {
    for (Dataset.Item item : dataset.items()) {
      row.setLength(0);
      row.append(item.itemId()).append('\0').append(item.title()).append('\0').append(item.brand())
          .append('\0').append(item.category()).append('\0').append(item.price()).append('\n');
      digest.update(row.toString().getBytes(StandardCharsets.UTF_8));
    }
  }
}
