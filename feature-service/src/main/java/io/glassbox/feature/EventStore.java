package io.glassbox.feature;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Behaviour histories, the item catalogue, co-purchase statistics and popularity behind one
 * interface, so that the in-memory store of a single process can be replaced by a shared one
 * (Redis) when the service runs as several replicas. Every method is safe to call concurrently
 * with {@link #append}; every method throws {@link StoreNotReadyException} until the store is
 * ready.
 */
public interface EventStore {
  /** True once the dataset is loaded and every other method answers. */
  boolean isReady();

  /** The user's {@code maxEvents} most recent events, oldest first (ties keep ingestion order). */
  UserHistory history(String userId, int maxEvents);

  /**
   * The user's items for retrieval: the {@code maxRecent} most recent distinct ones (leaving out
   * items the user gave negative feedback on, which should not attract similar items) and all of
   * them; empty for an unknown user.
   */
  Optional<UserItems> userItems(String userId, int maxRecent);

  /** The catalogue item with its current interaction count, if the catalogue has it. */
  Optional<CatalogItem> item(String itemId);

  /** Items bought in the same baskets as {@code itemId}, most shared baskets first. */
  List<CoPurchaseNeighbour> coPurchaseNeighbours(String itemId);

  /**
   * The time of the newest event in the store (any user, any type); empty when it holds none.
   * The default request time for {@link #recentPurchases}: for a historical data set it is the
   * data's "now", for a live store the last ingested event.
   */
  Optional<Instant> latestEventTime();

  /**
   * Purchases (all users) of each item at times t with {@code asOf - window <= t < asOf}, aligned
   * with {@code itemIds}; 0 for an item the catalogue lacks. Times count at one-second resolution.
   */
  long[] recentPurchases(List<String> itemIds, Instant asOf, Duration window);

  /** The {@code maxItems} most bought items, most purchases first (ties by item id). */
  List<PopularItem> mostPurchased(int maxItems);

  /**
   * Stores every event or none: when one names an item the catalogue lacks, throws
   * {@link UnknownItemException} and stores nothing. Stored events are visible to every read that
   * starts after this method returns.
   */
  void append(List<NewEvent> events);
}
