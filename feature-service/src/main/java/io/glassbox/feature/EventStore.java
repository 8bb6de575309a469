package io.glassbox.feature;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Behaviour histories, the item catalogue, co-purchase statistics and popularity behind one
 * interface: {@link InMemoryEventStore} for a single process, {@link RedisEventStore} when
 * several replicas share one Redis. Every method is safe to call concurrently with
 * {@link #append}; every method but {@link #load} throws {@link StoreNotReadyException} until
 * the store is loaded. A store backed by a server throws {@link StoreUnavailableException} when
 * it cannot reach it and {@link StoreFullException} when it has no room; nothing is changed then.
 */
public interface EventStore extends AutoCloseable {
  /**
   * Takes in the dataset: the co-purchase statistics are derived from it in memory (then grown
   * with ingested orders); histories, counts and the catalogue go into the store (a shared store
   * takes them in once). May be called once.
   */
  void load(Dataset dataset);

  /**
   * As {@link #load(Dataset)}, with the dataset {@code read} returns. A store that may need the
   * dataset again (a shared store seeds it again into a server found emptied) calls it again
   * then, rather than keep the dataset in memory.
   */
  default void load(Supplier<Dataset> read) {
    load(read.get());
  }

  /** True once the dataset is loaded and every other method answers. */
  boolean isReady();

  /** Which store this is, and so whether what it stores outlives the process. */
  StoreKind kind();

  /**
   * The user's {@code maxEvents} most recent retained events, oldest first (ties keep ingestion
   * order); {@link UserHistory#totalEvents()} counts every event ever stored for the user.
   */
  UserHistory history(String userId, int maxEvents);

  /**
   * {@link #history} and the user's regular items over their whole retained record (see
   * {@link RegularItems}: items bought in at least {@code minBaskets} distinct orders, at most
   * {@code maxItems}; none, with 0 orders, for an unknown user), from one read of the record,
   * so the two agree even while events are being ingested.
   */
  HistoryWithRegularItems historyWithRegularItems(String userId, int maxEvents, int minBaskets, int maxItems);

  /** The regular items of {@link #historyWithRegularItems} alone. */
  default RegularItems regularItems(String userId, int minBaskets, int maxItems) {
    return historyWithRegularItems(userId, 0, minBaskets, maxItems).regularItems();
  }

  /**
   * A user's recent events and regular items, read together.
   *
   * @param olderEventsDropped the store no longer holds the user's oldest events (the record is
   *     longer than the per-user cap), so the regular items and orders count only its newest part
   *     (whole orders only: see {@link #of})
   */
  record HistoryWithRegularItems(UserHistory history, RegularItems regularItems, boolean olderEventsDropped) {
    /**
     * Both, from a known user's whole retained record (oldest first) and event count.
     * {@code cutOrders}: the orders (basket ids) that lost a purchase to the store's cap, which the
     * record may hold only part of; the regular items and orders leave them out
     * ({@link RegularItems#of(List, int, int, Set)}). It may also name orders the record no longer holds.
     */
    static HistoryWithRegularItems of(List<RecordedEvent> record, long totalEvents, int maxEvents, int minBaskets,
        int maxItems, Set<String> cutOrders) {
      RegularItems regular = RegularItems.of(record, minBaskets, maxItems, cutOrders);
      List<RecordedEvent> recent = record.subList(Math.max(0, record.size() - maxEvents), record.size());
      return new HistoryWithRegularItems(new UserHistory(recent, totalEvents, true), regular,
          record.size() < totalEvents);
    }

    /** An unknown user's: no events, no regular items, 0 orders. */
    static HistoryWithRegularItems unknown(int minBaskets, int maxItems) {
      return new HistoryWithRegularItems(UserHistory.unknown(), RegularItems.of(List.of(), minBaskets, maxItems),
          false);
    }
  }

  /**
   * The user's items for retrieval: the {@code maxRecent} most recent distinct ones (leaving out
   * items the user gave negative feedback on, which should not attract similar items), all of
   * them, and every item the user ever bought as far as the store was told, those of purchases
   * dropped to keep the per-user cap included (the store keeps their ids apart, one per item);
   * empty for an unknown user.
   */
  Optional<UserItems> userItems(String userId, int maxRecent);

  /** The catalogue item with its current interaction count, if the catalogue has it. */
  Optional<CatalogItem> item(String itemId);

  /** The catalogue items among {@code itemIds}, by id; ids the catalogue lacks are absent. */
  Map<String, CatalogItem> items(Collection<String> itemIds);

  /** Items bought in the same baskets as {@code itemId}, most shared baskets first; see {@link #append}. */
  List<CoPurchaseNeighbour> coPurchaseNeighbours(String itemId);

  /**
   * The most distinct items of a basket the co-purchase statistics count
   * (GLASSBOX_FEATURE_MAX_BASKET_SIZE): a shared-basket count is of the baskets up to this size,
   * which a reason stating it must say.
   */
  int maxBasketSize();

  /** The same neighbours for every dataset item at once, by index (for candidate retrieval). */
  CoPurchaseGraph coPurchaseGraph();

  /**
   * The time of the newest purchase in the store (any user); empty when it holds none. The
   * default request time for {@link #recentPurchases}: for a historical data set it is the
   * data's "now", for a live store the last ingested sale. Other events (a click, an add to
   * cart, feedback) do not move it: a click stamped now on historical data would otherwise leave
   * no sale recent for any shopper, while the model reads purchases only.
   */
  Optional<Instant> latestPurchaseTime();

  /**
   * Purchases (all users) of each item at times t with {@code asOf - window <= t < asOf}, aligned
   * with {@code itemIds}; 0 for an item the catalogue lacks. Times count at one-second resolution.
   */
  long[] recentPurchases(List<String> itemIds, Instant asOf, Duration window);

  /** The {@code maxItems} most bought items, most purchases first (ties by item id). */
  List<PopularItem> mostPurchased(int maxItems);

  /**
   * The {@code maxItems} most bought items, as {@link #mostPurchased}, with how many items were
   * bought at least once, read together: retrieval needs both on every request (the popular
   * source and {@link BestSellers}), and on Redis they take one round trip.
   */
  Popularity popularity(int maxItems);

  /**
   * Stores every event or none: when one names an item the catalogue lacks, throws
   * {@link UnknownItemException} and stores nothing. Purchases with a basket id also count for
   * the co-purchase statistics (see {@link LiveCoPurchase}; a shared store's other replicas count
   * them within 100 ms). An event whose {@link NewEvent#eventId()} is set and was already stored
   * for the same user within the dedupe window is not stored again. Stored events are visible to
   * every read that starts after this method returns. The result also holds the newest purchase
   * time just before and just after the batch, taken in the same atomic step as the write.
   */
  AppendResult append(List<NewEvent> events);

  /**
   * Adds catalogue items, or replaces the display fields of items already there (their
   * interaction counts are kept). Visible to every read that starts after this returns.
   */
  void putItems(List<Dataset.Item> items);

  /**
   * Erases everything the store holds of {@code userId} (right to erasure): the user's events, the
   * items of their purchases dropped to keep the cap, their cut orders, their event ids' dedupe
   * keys where the store keeps them by user, and the user from the user count; after it every read
   * answers as for a user never seen. Item-level aggregates that name no user stay (interaction
   * counts, purchase counts, recent purchase times). Erasing a user the store does not hold, or
   * holds no more, returns {@link ErasedUser#NOTHING}: it is no error. Events of the user ingested
   * while this runs may be kept (stop the user's ingestion first). A store that cannot erase in
   * one atomic step throws {@link ErasureUnfinishedException} when it stops short (erasing again
   * finishes the work, and says so: {@link ErasedUser#finishing}).
   */
  ErasedUser eraseUser(String userId);

  /**
   * Stops a seed in progress at its next batch, without waiting for it; {@link #close} does the
   * rest. Called first at shutdown, so closing readiness does not wait for a ping thread that is
   * seeding. The in-memory store never seeds.
   */
  default void stopSeeding() {}

  /** Releases connections; the in-memory store has none. */
  @Override
  void close();
}
