package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link EventStore} of a single process: everything in memory, loaded once from a
 * {@link Dataset}, then grown by {@link #append}.
 *
 * <p>The catalogue and the co-purchase statistics are immutable after loading. Histories and
 * counters change with every ingestion, so they sit behind one read-write lock: a batch is
 * applied as a whole under the write lock, so a reader sees all of it or none of it, and reads
 * (which copy at most a few thousand values) never block each other.
 */
public final class InMemoryEventStore implements EventStore {
  private static final Logger log = LoggerFactory.getLogger(InMemoryEventStore.class);
  private static final byte NEGATIVE_FEEDBACK = (byte) EventType.FEEDBACK_NEGATIVE.ordinal();

  private final int maxBasketSize;
  private final int maxNeighbours;
  private final String currencyCode;
  private volatile Loaded loaded;

  @Inject
  public InMemoryEventStore(FeatureConfig config) {
    this(config.maxBasketSize(), config.coPurchaseNeighbours(), config.currencyCode());
  }

  InMemoryEventStore(int maxBasketSize, int maxNeighbours, String currencyCode) {
    this.maxBasketSize = maxBasketSize;
    this.maxNeighbours = maxNeighbours;
    this.currencyCode = requireNonNull(currencyCode, "currencyCode");
  }

  /** Indexes {@code dataset}; after this the store is ready. May be called once. */
  public synchronized void load(Dataset dataset) {
    if (loaded != null) {
      throw new IllegalStateException("the store is already loaded");
    }
    long started = System.nanoTime();
    loaded = new Loaded(dataset, maxBasketSize, maxNeighbours);
    log.info("Feature store loaded in {} ms: {} items, {} users, {} events, {} baskets used for "
            + "co-purchase ({} larger than {} items skipped)",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), loaded.itemIds.length,
        loaded.users.size(), loaded.totalEvents, loaded.coPurchase.basketsUsed(),
        loaded.coPurchase.basketsSkipped(), maxBasketSize);
  }

  @Override
  public boolean isReady() {
    return loaded != null;
  }

  private Loaded loaded() {
    Loaded state = loaded;
    if (state == null) {
      throw new StoreNotReadyException();
    }
    return state;
  }

  @Override
  public UserHistory history(String userId, int maxEvents) {
    Loaded state = loaded();
    state.lock.readLock().lock();
    try {
      UserTimeline timeline = state.users.get(userId);
      if (timeline == null) {
        return UserHistory.unknown();
      }
      List<RecordedEvent> events = new ArrayList<>(Math.min(maxEvents, timeline.size));
      for (int i = Math.max(0, timeline.size - maxEvents); i < timeline.size; i++) {
        events.add(new RecordedEvent(state.itemIds[timeline.items[i]],
            Instant.ofEpochSecond(timeline.seconds[i], timeline.nanos[i]),
            EventType.values()[timeline.types[i]]));
      }
      return new UserHistory(events, timeline.size, true);
    } finally {
      state.lock.readLock().unlock();
    }
  }

  @Override
  public Optional<UserItems> userItems(String userId, int maxRecent) {
    Loaded state = loaded();
    state.lock.readLock().lock();
    try {
      UserTimeline timeline = state.users.get(userId);
      if (timeline == null) {
        return Optional.empty();
      }
      Set<String> recent = new LinkedHashSet<>();
      Set<String> all = new LinkedHashSet<>();
      for (int i = timeline.size - 1; i >= 0; i--) {
        String itemId = state.itemIds[timeline.items[i]];
        all.add(itemId);
        if (recent.size() < maxRecent && timeline.types[i] != NEGATIVE_FEEDBACK) {
          recent.add(itemId);
        }
      }
      return Optional.of(new UserItems(List.copyOf(recent), all));
    } finally {
      state.lock.readLock().unlock();
    }
  }

  @Override
  public Optional<CatalogItem> item(String itemId) {
    Loaded state = loaded();
    Integer index = state.itemIndex.get(itemId);
    if (index == null) {
      return Optional.empty();
    }
    Dataset.Item row = state.items[index];
    long interactions;
    state.lock.readLock().lock();
    try {
      interactions = state.interactionCounts[index];
    } finally {
      state.lock.readLock().unlock();
    }
    return Optional.of(new CatalogItem(row.itemId(), row.title(), row.brand(), row.category(),
        row.price(), currencyCode, interactions));
  }

  @Override
  public List<CoPurchaseNeighbour> coPurchaseNeighbours(String itemId) {
    Loaded state = loaded();
    Integer index = state.itemIndex.get(itemId);
    if (index == null) {
      return List.of();
    }
    int[] neighbours = state.coPurchase.neighbours(index);
    int[] shared = state.coPurchase.sharedBaskets(index);
    List<CoPurchaseNeighbour> result = new ArrayList<>(neighbours.length);
    for (int i = 0; i < neighbours.length; i++) {
      result.add(new CoPurchaseNeighbour(state.itemIds[neighbours[i]], shared[i]));
    }
    return result;
  }

  @Override
  public Optional<Instant> latestEventTime() {
    Loaded state = loaded();
    state.lock.readLock().lock();
    try {
      return Optional.ofNullable(state.latestEventTime);
    } finally {
      state.lock.readLock().unlock();
    }
  }

  @Override
  public long[] recentPurchases(List<String> itemIds, Instant asOf, Duration window) {
    Loaded state = loaded();
    long[] counts = new long[itemIds.size()];
    state.lock.readLock().lock();
    try {
      for (int i = 0; i < counts.length; i++) {
        Integer item = state.itemIndex.get(itemIds.get(i));
        counts[i] = item == null ? 0 : state.purchaseTimes.count(item, asOf, window);
      }
      return counts;
    } finally {
      state.lock.readLock().unlock();
    }
  }

  @Override
  public List<PopularItem> mostPurchased(int maxItems) {
    Loaded state = loaded();
    state.lock.readLock().lock();
    try {
      int count = Math.min(maxItems, state.popularityOrder.length);
      List<PopularItem> result = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int item = state.popularityOrder[i];
        result.add(new PopularItem(state.itemIds[item], state.purchaseCounts[item]));
      }
      return result;
    } finally {
      state.lock.readLock().unlock();
    }
  }

  @Override
  public void append(List<NewEvent> events) {
    Loaded state = loaded();
    // Resolve every item before touching anything, so that a bad event stores nothing.
    int[] items = new int[events.size()];
    for (int i = 0; i < events.size(); i++) {
      String itemId = events.get(i).event().itemId();
      Integer index = state.itemIndex.get(itemId);
      if (index == null) {
        throw new UnknownItemException(i, itemId);
      }
      items[i] = index;
    }
    state.lock.writeLock().lock();
    try {
      boolean purchased = false;
      for (int i = 0; i < events.size(); i++) {
        NewEvent event = events.get(i);
        RecordedEvent recorded = event.event();
        state.users.computeIfAbsent(event.userId(), k -> new UserTimeline())
            .insert(items[i], recorded.time().getEpochSecond(), recorded.time().getNano(), recorded.type());
        state.totalEvents++;
        state.interactionCounts[items[i]]++;
        if (recorded.type() == EventType.PURCHASE) {
          state.purchaseCounts[items[i]]++;
          state.purchaseTimes.insert(items[i], recorded.time().getEpochSecond());
          purchased = true;
        }
        if (state.latestEventTime == null || recorded.time().isAfter(state.latestEventTime)) {
          state.latestEventTime = recorded.time();
        }
      }
      if (purchased) {
        state.rankByPopularity();
      }
    } finally {
      state.lock.writeLock().unlock();
    }
  }

  /** Everything the store knows once loaded. Fields marked "guarded" need {@link #lock}. */
  private static final class Loaded {
    final ReadWriteLock lock = new ReentrantReadWriteLock();
    final String[] itemIds;
    final Dataset.Item[] items;
    final Map<String, Integer> itemIndex;
    final CoPurchaseIndex coPurchase;
    /** Guarded. */
    final Map<String, UserTimeline> users = new HashMap<>();
    /** Guarded. */
    final long[] interactionCounts;
    /** Guarded. */
    final long[] purchaseCounts;
    /** Guarded: item indices, most purchased first. */
    int[] popularityOrder;
    /** Guarded. */
    long totalEvents;
    /** Guarded. */
    final PurchaseTimes purchaseTimes;
    /** Guarded: the newest event's time; null while there is none. */
    Instant latestEventTime;

    Loaded(Dataset dataset, int maxBasketSize, int maxNeighbours) {
      int itemCount = dataset.items().size();
      itemIds = new String[itemCount];
      items = new Dataset.Item[itemCount];
      itemIndex = new HashMap<>(itemCount * 2);
      for (Dataset.Item item : dataset.items()) {
        if (itemIndex.putIfAbsent(item.itemId(), itemIndex.size()) != null) {
          throw new DatasetException("item " + item.itemId() + " is listed twice in the catalogue");
        }
        itemIds[itemIndex.size() - 1] = item.itemId();
        items[itemIndex.size() - 1] = item;
      }
      interactionCounts = new long[itemCount];
      purchaseCounts = new long[itemCount];
      purchaseTimes = new PurchaseTimes(itemCount);
      long latestSecond = Long.MIN_VALUE;

      Map<String, List<Dataset.Interaction>> byUser = new HashMap<>();
      int unknownItems = 0;
      for (Dataset.Interaction row : dataset.interactions()) {
        if (!itemIndex.containsKey(row.itemId())) {
          unknownItems++;
          continue;
        }
        byUser.computeIfAbsent(row.userId(), k -> new ArrayList<>()).add(row);
      }
      if (unknownItems > 0) {
        log.warn("Skipped {} interactions whose item is not in the catalogue", unknownItems);
      }
      Comparator<Dataset.Interaction> order = Comparator
          .comparingLong(Dataset.Interaction::epochSeconds)
          .thenComparingLong(Dataset.Interaction::sequence);
      List<int[]> basketItems = new ArrayList<>();
      for (Map.Entry<String, List<Dataset.Interaction>> user : byUser.entrySet()) {
        List<Dataset.Interaction> rows = user.getValue();
        rows.sort(order);
        UserTimeline timeline = new UserTimeline(rows.size());
        // A basket is one user's invoice (purchases only).
        Map<String, BitSet> baskets = new HashMap<>();
        for (Dataset.Interaction row : rows) {
          int item = itemIndex.get(row.itemId());
          timeline.add(item, row.epochSeconds(), 0, row.type());
          interactionCounts[item]++;
          latestSecond = Math.max(latestSecond, row.epochSeconds());
          if (row.type() == EventType.PURCHASE) {
            purchaseCounts[item]++;
            purchaseTimes.add(item, row.epochSeconds());
            if (!row.basketId().isEmpty()) {
              baskets.computeIfAbsent(row.basketId(), k -> new BitSet()).set(item);
            }
          }
        }
        for (BitSet basket : baskets.values()) {
          basketItems.add(basket.stream().toArray());
        }
        users.put(user.getKey(), timeline);
        totalEvents += rows.size();
      }
      coPurchase = CoPurchaseIndex.build(basketItems, itemCount, maxBasketSize, maxNeighbours);
      purchaseTimes.sort();
      latestEventTime = latestSecond == Long.MIN_VALUE ? null : Instant.ofEpochSecond(latestSecond);
      rankByPopularity();
    }

    /** Recomputes {@link #popularityOrder}; call with the write lock held (or while loading). */
    void rankByPopularity() {
      Integer[] order = new Integer[itemIds.length];
      Arrays.setAll(order, i -> i);
      Arrays.sort(order, Comparator.<Integer>comparingLong(i -> -purchaseCounts[i])
          .thenComparing(i -> itemIds[i]));
      // Items never bought are not popular by any reading.
      popularityOrder = Arrays.stream(order).mapToInt(Integer::intValue)
          .filter(i -> purchaseCounts[i] > 0).toArray();
    }
  }

  /**
   * One user's events in time order, as parallel primitive arrays (a few bytes per event, not an
   * object each). Guarded by the store's lock.
   */
  private static final class UserTimeline {
    int size;
    int[] items;
    long[] seconds;
    int[] nanos;
    byte[] types;

    UserTimeline() {
      this(8);
    }

    UserTimeline(int capacity) {
      items = new int[capacity];
      seconds = new long[capacity];
      nanos = new int[capacity];
      types = new byte[capacity];
    }

    /** Appends an event known to be no earlier than the last one (loading). */
    void add(int item, long second, int nano, EventType type) {
      ensureCapacity();
      put(size++, item, second, nano, type);
    }

    /** Inserts after every event at or before the same time, so ties keep ingestion order. */
    void insert(int item, long second, int nano, EventType type) {
      int position = size;
      while (position > 0 && isAfter(position - 1, second, nano)) {
        position--;
      }
      ensureCapacity();
      int tail = size - position;
      System.arraycopy(items, position, items, position + 1, tail);
      System.arraycopy(seconds, position, seconds, position + 1, tail);
      System.arraycopy(nanos, position, nanos, position + 1, tail);
      System.arraycopy(types, position, types, position + 1, tail);
      put(position, item, second, nano, type);
      size++;
    }

    private boolean isAfter(int index, long second, int nano) {
      return seconds[index] > second || (seconds[index] == second && nanos[index] > nano);
    }

    private void put(int index, int item, long second, int nano, EventType type) {
      items[index] = item;
      seconds[index] = second;
      nanos[index] = nano;
      types[index] = (byte) type.ordinal();
    }

    private void ensureCapacity() {
      if (size == items.length) {
        int capacity = Math.max(8, items.length * 2);
        items = Arrays.copyOf(items, capacity);
        seconds = Arrays.copyOf(seconds, capacity);
        nanos = Arrays.copyOf(nanos, capacity);
        types = Arrays.copyOf(types, capacity);
      }
    }
  }
}
