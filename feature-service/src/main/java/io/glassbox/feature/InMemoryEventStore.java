package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link EventStore} of a single process: everything in memory, loaded once from a
 * {@link Dataset}, then grown by {@link #append} and {@link #putItems}; lost on restart.
 *
 * <p>Bounded ({@link StoreBounds}): each user keeps their last {@code maxEventsPerUser} events
 * (over it, the oldest click, add to cart or positive feedback goes first);
 * when a new user would exceed {@code maxUsers}, or the events held would exceed
 * {@code maxEvents}, users are evicted: a flood of new user ids costs users rather than the
 * process. Which users go is segmented, as in SLRU (W-TinyLFU's probation and protected
 * segments), so that a flood of new ids evicts its own kind first. A user first seen through ingestion enters on
 * <em>probation</em>; the dataset's users, users of an admin's import and users who come back (an
 * event in a later {@link #append} call than the one that put them on probation) are
 * <em>protected</em>. Eviction takes the least recently active (by last ingested event) user on
 * probation, and a protected one only when probation is empty. The protected segment holds at most
 * {@link #PROTECTED_SHARE} of either bound, its least recently active users going back on
 * probation beyond it (the dataset's too, at load, when it is larger), so that new users always
 * have room: a call's new users are evicted in that call only when they are more than the
 * protected segment leaves room for.
 *
 * <p>Histories, the catalogue and counters sit behind one read-write lock: a batch is applied
 * as a whole under the write lock, so a reader sees all of it or none, and reads (which copy at
 * most a few thousand values) never block each other. Popularity is ranked incrementally by
 * {@link PopularityRanking} under its own lock, after the write lock is released.
 */
public final class InMemoryEventStore implements EventStore {
  private static final Logger log = LoggerFactory.getLogger(InMemoryEventStore.class);
  private static final EventType[] TYPES = EventType.values();
  private static final byte PURCHASE = (byte) EventType.PURCHASE.ordinal();
  private static final byte TURNED_DOWN = (byte) EventType.FEEDBACK_NEGATIVE.ordinal();
  private static final long WARNING_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final int[] NO_ITEMS = {};
  /** The share of {@code maxUsers} and of {@code maxEvents} the protected segment may hold. */
  static final double PROTECTED_SHARE = 0.8;

  private final int maxBasketSize;
  private final int maxNeighbours;
  private final String currencyCode;
  private final StoreBounds bounds;
  private final LongSupplier nanoTime;
  private final HeapRoom heapRoom;
  private final AtomicLong lastEvictionLog = new AtomicLong();
  private final AtomicLong lastCoPurchaseLog = new AtomicLong();
  private volatile State state;

  @Inject
  public InMemoryEventStore(FeatureConfig config) {
    this(config.maxBasketSize(), config.coPurchaseNeighbours(), config.currencyCode(),
        config.storeBounds(), System::nanoTime);
  }

  InMemoryEventStore(
      int maxBasketSize, int maxNeighbours, String currencyCode, StoreBounds bounds, LongSupplier nanoTime) {
    this(maxBasketSize, maxNeighbours, currencyCode, bounds, nanoTime, HeapRoom.ofThisJvm());
  }

  InMemoryEventStore(int maxBasketSize, int maxNeighbours, String currencyCode, StoreBounds bounds,
      LongSupplier nanoTime, HeapRoom heapRoom) {
    this.maxBasketSize = maxBasketSize;
    this.maxNeighbours = maxNeighbours;
    this.currencyCode = requireNonNull(currencyCode, "currencyCode");
    this.bounds = requireNonNull(bounds, "bounds");
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
    this.heapRoom = requireNonNull(heapRoom, "heapRoom");
  }

  @Override
  public synchronized void load(Dataset dataset) {
    if (state != null) {
      throw new IllegalStateException("the store is already loaded");
    }
    long started = System.nanoTime();
    State loaded = new State(DatasetIndex.build(dataset, maxBasketSize, maxNeighbours), dataset.heapCheck());
    state = loaded;
    log.info("In-memory store loaded in {} ms: {} users, {} events held (bounds: {} users, {} events, "
            + "{} per user, {} event ids; sized to a heap of {} MiB unless set)",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), loaded.userCount(), loaded.eventsHeld,
        bounds.maxUsers(), bounds.maxEvents(), bounds.maxEventsPerUser(), bounds.maxDedupeIds(),
        Runtime.getRuntime().maxMemory() >> 20);
    FeatureConfig.heapWarning(bounds, Runtime.getRuntime().maxMemory()).ifPresent(warning -> log.warn("{}", warning));
  }

  @Override
  public boolean isReady() {
    return state != null;
  }

  @Override
  public StoreKind kind() {
    return StoreKind.MEMORY;
  }

  private State state() {
    State current = state;
    if (current == null) {
      throw new StoreNotReadyException();
    }
    return current;
  }

  @Override
  public UserHistory history(String userId, int maxEvents) {
    State s = state();
    s.lock.readLock().lock();
    try {
      UserTimeline timeline = s.timeline(userId);
      if (timeline == null) {
        return UserHistory.unknown();
      }
      return new UserHistory(s.events(timeline, maxEvents), timeline.total, true);
    } finally {
      s.lock.readLock().unlock();
    }
  }

  @Override
  public HistoryWithRegularItems historyWithRegularItems(
      String userId, int maxEvents, int minBaskets, int maxItems) {
    State s = state();
    List<RecordedEvent> record;
    long total;
    Set<String> cutOrders;
    s.lock.readLock().lock();
    try {
      UserTimeline timeline = s.timeline(userId);
      if (timeline == null) {
        return HistoryWithRegularItems.unknown(minBaskets, maxItems);
      }
      record = s.events(timeline, timeline.size);
      total = timeline.total;
      cutOrders = Set.copyOf(timeline.cutOrders);
    } finally {
      s.lock.readLock().unlock();
    }
    return HistoryWithRegularItems.of(record, total, maxEvents, minBaskets, maxItems, cutOrders);
  }

  @Override
  public Optional<UserItems> userItems(String userId, int maxRecent) {
    State s = state();
    s.lock.readLock().lock();
    try {
      UserTimeline timeline = s.timeline(userId);
      if (timeline == null) {
        return Optional.empty();
      }
      UserItems.Collector items = new UserItems.Collector(maxRecent);
      for (int i = timeline.size - 1; i >= 0; i--) {
        items.add(s.itemIds.get(timeline.items[i]), TYPES[timeline.types[i]]);
      }
      List<String> dropped = new ArrayList<>(timeline.droppedCount);
      for (int i = 0; i < timeline.droppedCount; i++) {
        dropped.add(s.itemIds.get(timeline.dropped[i]));
      }
      items.addDroppedPurchases(dropped);
      return Optional.of(items.collected());
    } finally {
      s.lock.readLock().unlock();
    }
  }

  @Override
  public Optional<CatalogItem> item(String itemId) {
    return Optional.ofNullable(items(List.of(itemId)).get(itemId));
  }

  @Override
  public Map<String, CatalogItem> items(Collection<String> itemIds) {
    State s = state();
    Map<String, CatalogItem> found = new HashMap<>();
    s.lock.readLock().lock();
    try {
      for (String itemId : itemIds) {
        Integer index = s.itemIndex.get(itemId);
        if (index != null) {
          Dataset.Item row = s.items.get(index);
          found.put(itemId, new CatalogItem(row.itemId(), row.title(), row.brand(), row.category(),
              row.price(), currencyCode, s.interactionCounts[index]));
        }
      }
    } finally {
      s.lock.readLock().unlock();
    }
    return found;
  }

  @Override
  public List<CoPurchaseNeighbour> coPurchaseNeighbours(String itemId) {
    return coPurchaseGraph().neighboursOf(itemId);
  }

  @Override
  public int maxBasketSize() {
    return maxBasketSize;
  }

  @Override
  public CoPurchaseGraph coPurchaseGraph() {
    return state().coPurchase.graph();
  }

  @Override
  public List<PopularItem> mostPurchased(int maxItems) {
    return state().popularity.top(maxItems);
  }

  @Override
  public Popularity popularity(int maxItems) {
    PopularityRanking ranking = state().popularity;
    return new Popularity(ranking.top(maxItems), ranking.size());
  }

  @Override
  public Optional<Instant> latestPurchaseTime() {
    State s = state();
    s.lock.readLock().lock();
    try {
      return Optional.ofNullable(s.latestPurchaseTime);
    } finally {
      s.lock.readLock().unlock();
    }
  }

  @Override
  public long[] recentPurchases(List<String> itemIds, Instant asOf, Duration window) {
    State s = state();
    long[] counts = new long[itemIds.size()];
    s.lock.readLock().lock();
    try {
      for (int i = 0; i < counts.length; i++) {
        Integer item = s.itemIndex.get(itemIds.get(i));
        counts[i] = item == null ? 0 : s.purchaseTimes.count(item, asOf, window);
      }
      return counts;
    } finally {
      s.lock.readLock().unlock();
    }
  }

  @Override
  public AppendResult append(List<NewEvent> events) {
    State s = state();
    heapRoom.require(events.size() + " events");
    RecentEventIds.Key[] keys = new RecentEventIds.Key[events.size()];
    for (int i = 0; i < keys.length; i++) {
      String key = events.get(i).dedupeKey();
      keys[i] = key.isEmpty() ? null : RecentEventIds.Key.of(key);
    }
    int[] items = new int[events.size()];
    List<Integer> purchased = new ArrayList<>();
    int duplicates = 0;
    List<String> arrived = new ArrayList<>();
    int evicted;
    boolean coPurchaseFull = false;
    Optional<Instant> latestBefore;
    Optional<Instant> latestAfter;
    long addedMillis = TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong());
    s.lock.writeLock().lock();
    try {
      latestBefore = Optional.ofNullable(s.latestPurchaseTime);
      // Resolve every item and check every event id before touching anything, so that a bad
      // event stores nothing.
      for (int i = 0; i < events.size(); i++) {
        NewEvent event = events.get(i);
        String itemId = event.event().itemId();
        Integer index = s.itemIndex.get(itemId);
        if (index == null) {
          throw new UnknownItemException(i, itemId);
        }
        items[i] = index;
        Optional<EventIdentity> earlier = keys[i] == null ? Optional.empty() : s.recentIds.identityOf(keys[i]);
        if (earlier.isPresent() && !earlier.get().equals(event.identity())) {
          throw new EventIdConflictException(i, earlier.get());
        }
      }
      NewEvent.requireConsistentIds(events);
      long call = ++s.appendCalls;
      for (int i = 0; i < events.size(); i++) {
        NewEvent event = events.get(i);
        RecordedEvent recorded = event.event();
        UserTimeline timeline = s.timeline(event.userId());
        String basketId = timeline == null ? recorded.basketId() : timeline.shared(recorded.basketId());
        // Held with the catalogue's item id and the timeline's order id: no String of its own.
        boolean fresh = keys[i] == null || s.recentIds.add(keys[i], new EventIdentity(recorded.type(),
            s.itemIds.get(items[i]), basketId));
        if (!fresh || (event.copy() > 0 && timeline != null && timeline.holds(event.copy(), items[i], recorded))) {
          duplicates++;
          continue;
        }
        if (timeline == null) {
          timeline = new UserTimeline(2);
          timeline.probationSince = call;
          arrived.add(event.userId());
        }
        // An imported row is the admin's data, as the dataset is: protected at once.
        s.touch(event.userId(), timeline, call, event.copy() > 0);
        timeline.insert(items[i], recorded.time().getEpochSecond(), recorded.time().getNano(), recorded.type(),
            basketId);
        int added = 1;
        if (timeline.size > bounds.maxEventsPerUser()) {
          timeline.dropOne(bounds.maxEventsPerUser());
          added = 0;
        }
        s.eventsHeld += added;
        if (timeline.isProtected()) {
          s.protectedEvents += added;
        }
        s.demoteBeyondShare(bounds);
        s.interactionCounts[items[i]]++;
        if (recorded.type() == EventType.PURCHASE) {
          purchased.add(items[i]);
          s.purchaseTimes.insert(items[i], recorded.time().getEpochSecond());
          if (!basketId.isEmpty()) {
            coPurchaseFull |= !s.coPurchase.add(event.userId(), basketId, items[i], addedMillis);
          }
          if (s.latestPurchaseTime == null || recorded.time().isAfter(s.latestPurchaseTime)) {
            s.latestPurchaseTime = recorded.time();
          }
        }
      }
      latestAfter = Optional.ofNullable(s.latestPurchaseTime);
      s.behindDemoted(arrived);
      evicted = s.evictBeyondBounds(bounds);
      s.coPurchase.publish();
    } finally {
      s.lock.writeLock().unlock();
    }
    if (coPurchaseFull) {
      warnAtMostOncePerMinute(lastCoPurchaseLog, () -> log.warn("Co-purchase statistics hold {} counts, their "
          + "bound ({} events): ingested orders are no longer counted; restart to count from the dataset again",
          s.coPurchase.pairsHeld(), bounds.maxEvents()));
    }
    for (int item : purchased) {
      s.popularity.add(item, s.itemIdOf(item), 1);
    }
    if (evicted > 0) {
      warnAtMostOncePerMinute(lastEvictionLog, () -> log.warn("In-memory store at its bound ({} users, {} "
          + "events): {} users evicted so far, the least recently active first: {} while protected (from the "
          + "dataset, an import, or seen in more than one call), {} after being put back on probation past 80% "
          + "of either bound while protected ({} put back so far), the rest new users from probation; use "
          + "GLASSBOX_FEATURE_STORE=redis to keep them",
          bounds.maxUsers(), bounds.maxEvents(), s.evictedUsers.get(), s.evictedProtected.get(), s.evictedDemoted.get(),
          s.demotedUsers.get()));
    }
    return new AppendResult(events.size() - duplicates, duplicates, latestBefore, latestAfter);
  }

  /** Runs {@code warning} unless {@code last} says it ran less than a minute ago. */
  private void warnAtMostOncePerMinute(AtomicLong last, Runnable warning) {
    long now = nanoTime.getAsLong();
    long previous = last.get();
    if ((previous == 0 || now - previous >= WARNING_INTERVAL_NANOS) && last.compareAndSet(previous, now)) {
      warning.run();
    }
  }

  @Override
  public void putItems(List<Dataset.Item> items) {
    State s = state();
    heapRoom.require(items.size() + " items");
    s.lock.writeLock().lock();
    try {
      List<String> added = new ArrayList<>();
      for (Dataset.Item item : items) {
        Integer index = s.itemIndex.get(item.itemId());
        if (index == null) {
          s.itemIndex.put(item.itemId(), s.items.size());
          s.items.add(item);
          s.itemIds.add(item.itemId());
          added.add(item.itemId());
        } else {
          s.items.set(index, item);
        }
      }
      s.purchaseTimes.ensureItems(s.items.size());
      if (!added.isEmpty()) {
        s.coPurchase.addItems(added);
      }
      if (s.interactionCounts.length < s.items.size()) {
        s.interactionCounts = Arrays.copyOf(s.interactionCounts, Math.max(s.items.size(),
            s.interactionCounts.length * 2));
      }
    } finally {
      s.lock.writeLock().unlock();
    }
  }

  /**
   * Drops the user's timeline (with its dropped purchases and cut orders) and withdraws its orders
   * from the co-purchase statistics (the dataset's too, until the next start): their open orders as
   * they counted, also lines the cap dropped (of an order it cut, or every line of one), their
   * closed orders as the timeline holds them (see {@link LiveCoPurchase#withdraw}). Of a user evicted
   * earlier, only the open orders are withdrawn (they hold the user id); the counts their closed
   * orders added stay, as the store no longer knows those orders. The dedupe window keeps
   * its keys: hashes of user and event id ({@link RecentEventIds}), which name no one and expire
   * with the window.
   */
  @Override
  public ErasedUser eraseUser(String userId) {
    State s = state();
    s.lock.writeLock().lock();
    try {
      UserTimeline timeline = s.protectedUsers.remove(userId);
      if (timeline != null) {
        s.protectedEvents -= timeline.size;
      } else {
        timeline = s.probation.remove(userId);
      }
      if (timeline == null) {
        // Evicted earlier (or never seen): its open orders, keyed by the user id, may still be held.
        // The co-purchase counts of its closed orders stay: the store no longer knows which they were.
        s.coPurchase.withdraw(userId::equals, Map.of(), (user, basketId) -> basketId);
        s.coPurchase.publish();
        return ErasedUser.NOTHING;
      }
      s.eventsHeld -= timeline.size;
      List<RecordedEvent> removed = s.events(timeline, timeline.size);
      Map<String, Set<String>> orderItems = ErasedUser.orderItems(removed);
      Map<String, int[]> orders = new HashMap<>();
      orderItems.forEach((basketId, items) -> orders.put(basketId, items.stream().mapToInt(s.itemIndex::get).toArray()));
      s.coPurchase.withdraw(userId::equals, orders, (user, basketId) -> basketId);
      s.coPurchase.publish();
      return ErasedUser.of(removed.size(), orderItems);
    } finally {
      s.lock.writeLock().unlock();
    }
  }

  /** Users evicted so far to stay within the bounds. */
  long evictedUsers() {
    return state().evictedUsers.get();
  }

  /** Of {@link #evictedUsers}, those evicted from the protected segment. */
  long evictedProtectedUsers() {
    return state().evictedProtected.get();
  }

  /**
   * The users evicted so far by the segment they were evicted from, read together (under the read
   * lock, so that a scrape never sees one half of an eviction); none before the load.
   */
  EvictedUsers evictedBySegment() {
    State s = state;
    if (s == null) {
      return new EvictedUsers(0, 0, 0);
    }
    s.lock.readLock().lock();
    try {
      long fromProtected = s.evictedProtected.get();
      long demoted = s.evictedDemoted.get();
      return new EvictedUsers(s.evictedUsers.get() - fromProtected - demoted, demoted, fromProtected);
    } finally {
      s.lock.readLock().unlock();
    }
  }

  /**
   * Users evicted from probation (new users, seen in one call only), from probation after being put
   * back there while protected ({@code demoted}), and from the protected segment.
   */
  record EvictedUsers(long probation, long demoted, long fromProtected) {}

  /** Whether {@code userId} is held in the protected segment (false when on probation or unknown). */
  boolean isProtected(String userId) {
    State s = state();
    s.lock.readLock().lock();
    try {
      UserTimeline timeline = s.timeline(userId);
      return timeline != null && timeline.isProtected();
    } finally {
      s.lock.readLock().unlock();
    }
  }

  /**
   * The orders of {@code userId} that {@link HistoryWithRegularItems} leaves out as cut, the one cut
   * longest ago first; empty for an unknown user.
   */
  List<String> cutOrders(String userId) {
    State s = state();
    s.lock.readLock().lock();
    try {
      UserTimeline timeline = s.timeline(userId);
      return timeline == null ? List.of() : List.copyOf(timeline.cutOrders);
    } finally {
      s.lock.readLock().unlock();
    }
  }

  /** Users held now. */
  int userCount() {
    State s = state();
    s.lock.readLock().lock();
    try {
      return s.userCount();
    } finally {
      s.lock.readLock().unlock();
    }
  }

  @Override
  public void close() {
    // Nothing to release.
  }

  /** Everything the store knows once loaded. Fields marked "guarded" need {@link #lock}. */
  private final class State {
    final ReadWriteLock lock = new ReentrantReadWriteLock();
    /** Guarded (changes); its graph is read without the lock. */
    final LiveCoPurchase coPurchase;
    final PopularityRanking popularity = new PopularityRanking();
    /** Guarded. Catalogue rows by item index; dataset items first, imported ones after. */
    final List<Dataset.Item> items;
    /** Guarded. */
    final List<String> itemIds;
    /** Guarded. */
    final Map<String, Integer> itemIndex;
    /** Guarded; may be longer than {@link #items}. */
    long[] interactionCounts;
    /** Guarded: users first seen through ingestion and not back since, least recently active first. */
    final LinkedHashMap<String, UserTimeline> probation = new LinkedHashMap<>();
    /** Guarded: the dataset's, imported and returning users, least recently active first. */
    final LinkedHashMap<String, UserTimeline> protectedUsers = new LinkedHashMap<>();
    /** Guarded: the {@link #append} calls so far, numbering them. */
    long appendCalls;
    /** Guarded. */
    final RecentEventIds<EventIdentity> recentIds;
    /** Guarded: events held across users (at most {@code maxEvents}). */
    long eventsHeld;
    /** Guarded: of {@link #eventsHeld}, those of protected users. */
    long protectedEvents;
    /**
     * Guarded: the newest purchase times per item, evicted users' included (an item-level
     * statistic), at most {@link #purchaseTimesPerItem} per item.
     */
    final PurchaseTimes purchaseTimes;
    /** Guarded: the newest purchase's time; null while there is none. */
    Instant latestPurchaseTime;
    final AtomicLong evictedUsers = new AtomicLong();
    final AtomicLong evictedProtected = new AtomicLong();
    /** Of {@link #evictedUsers}, those evicted from probation after being put back there while protected. */
    final AtomicLong evictedDemoted = new AtomicLong();
    /** Protected users put back on probation so far, evicted from there as new users are. */
    final AtomicLong demotedUsers = new AtomicLong();

    /** {@code heapCheck}: looked at as the users' rows are loaded. */
    State(DatasetIndex.Indexed indexed, FolderHeapCheck heapCheck) {
      DatasetIndex index = indexed.index();
      items = new ArrayList<>(index.items());
      itemIds = new ArrayList<>(items.size());
      itemIndex = new HashMap<>(items.size() * 2);
      for (Dataset.Item item : items) {
        itemIndex.put(item.itemId(), itemIds.size());
        itemIds.add(item.itemId());
      }
      interactionCounts = indexed.interactionCounts().clone();
      recentIds = new RecentEventIds<>(bounds.dedupeWindow().toNanos(), bounds.maxDedupeIds(), nanoTime);
      purchaseTimes = new PurchaseTimes(items.size(), purchaseTimesPerItem(bounds, items.size()));
      long loadedRows = 0;
      for (Map.Entry<String, List<Dataset.Interaction>> user : indexed.usersByActivity().entrySet()) {
        List<Dataset.Interaction> rows = user.getValue();
        for (Dataset.Interaction row : rows) {
          heapCheck.atRowIndexed(++loadedRows, indexed.events(), "loading the in-memory store");
          if (row.type() == EventType.PURCHASE) {
            purchaseTimes.add(itemIndex.get(row.itemId()), row.epochSeconds());
          }
        }
        int kept = Math.min(rows.size(), bounds.maxEventsPerUser());
        UserTimeline timeline = new UserTimeline(kept);
        DroppedPurchases dropped = DroppedPurchases.of(rows, bounds.maxEventsPerUser());
        for (String item : dropped.items()) {
          timeline.addDropped(itemIndex.get(item));
        }
        if (!dropped.cutOrders().isEmpty()) {
          timeline.cutOrders = new LinkedHashSet<>(dropped.cutOrders());
        }
        for (Dataset.Interaction row : rows.subList(rows.size() - kept, rows.size())) {
          timeline.add(itemIndex.get(row.itemId()), row.epochSeconds(), row.nanos(), row.type(),
              row.basketId());
        }
        timeline.total = rows.size();
        protectedUsers.put(user.getKey(), timeline);
        eventsHeld += kept;
        protectedEvents += kept;
      }
      purchaseTimes.sort();
      coPurchase = new LiveCoPurchase(index.coPurchase(), itemIds, maxBasketSize, maxNeighbours, bounds.maxEvents(),
          bounds.dedupeWindow(), bounds.maxDedupeIds());
      latestPurchaseTime = indexed.latestPurchaseTime().orElse(null);
      evictBeyondBounds(bounds);
      long[] purchases = indexed.purchaseCounts();
      for (int item = 0; item < purchases.length; item++) {
        popularity.add(item, itemIds.get(item), purchases[item]);
      }
    }

    /**
     * Purchase times kept per item: the event bound shared over the catalogue, at least 1000,
     * so the times cost at most about 8 bytes per event the store may hold.
     */
    static int purchaseTimesPerItem(StoreBounds limits, int itemCount) {
      return (int) Math.min(Integer.MAX_VALUE, Math.max(1000, limits.maxEvents() / Math.max(1, itemCount)));
    }

    /** The last {@code maxEvents} events of {@code timeline}, oldest first; call under the lock. */
    List<RecordedEvent> events(UserTimeline timeline, int maxEvents) {
      List<RecordedEvent> events = new ArrayList<>(Math.min(maxEvents, timeline.size));
      for (int i = Math.max(0, timeline.size - maxEvents); i < timeline.size; i++) {
        events.add(new RecordedEvent(itemIds.get(timeline.items[i]),
            Instant.ofEpochSecond(timeline.seconds[i], timeline.nanos[i]), TYPES[timeline.types[i]],
            timeline.baskets[i]));
      }
      return events;
    }

    String itemIdOf(int index) {
      lock.readLock().lock();
      try {
        return itemIds.get(index);
      } finally {
        lock.readLock().unlock();
      }
    }

    /** {@code userId}'s timeline, in either segment; null when unknown. Call under the lock. */
    UserTimeline timeline(String userId) {
      UserTimeline timeline = protectedUsers.get(userId);
      return timeline != null ? timeline : probation.get(userId);
    }

    int userCount() {
      return probation.size() + protectedUsers.size();
    }

    /**
     * Moves {@code userId} to the most recently active end of their segment (a new user's
     * {@code timeline} is on probation since {@code call}); a user on probation since an earlier
     * call, or {@code imported}, becomes protected. Call under the write lock, before adding the event.
     */
    void touch(String userId, UserTimeline timeline, long call, boolean imported) {
      if (timeline.isProtected()) {
        protectedUsers.remove(userId);
        protectedUsers.put(userId, timeline);
        return;
      }
      probation.remove(userId);
      if (imported || timeline.probationCall() != call) {
        timeline.probationSince = UserTimeline.PROTECTED;
        protectedUsers.put(userId, timeline);
        protectedEvents += timeline.size;
      } else {
        probation.put(userId, timeline);
      }
    }

    /**
     * Moves the users of {@code arrived} still on probation (new in this call) to its most recently
     * active end, behind the users demoted during the call, idle since an earlier one, so that
     * eviction takes those first. Call under the write lock.
     */
    void behindDemoted(List<String> arrived) {
      for (String userId : arrived) {
        UserTimeline timeline = probation.remove(userId);
        if (timeline != null) {
          probation.put(userId, timeline);
        }
      }
    }

    /**
     * Evicts users until within the bounds, the least recently active on probation first, a
     * protected one only when probation is empty; then {@link #demoteBeyondShare} (for the
     * dataset at load: {@code append} demotes as it promotes). Call under the write lock.
     */
    int evictBeyondBounds(StoreBounds limits) {
      int fromProbation = evictEldest(probation.values(), limits);
      int fromProtected = evictEldest(protectedUsers.values(), limits);
      evictedUsers.addAndGet(fromProbation + fromProtected);
      evictedProtected.addAndGet(fromProtected);
      demoteBeyondShare(limits);
      return fromProbation + fromProtected;
    }

    /**
     * Puts the least recently active protected users back on probation (its most recently active
     * end, as SLRU does) while the protected segment holds more than its share of either bound. Run
     * after each event, as SLRU demotes when it promotes: run only after eviction, a call's
     * promotions took the room of its own new users, evicted before idle protected users were
     * demoted. Call under the write lock.
     */
    void demoteBeyondShare(StoreBounds limits) {
      long protectedUsersMax = Math.max(1, (long) (limits.maxUsers() * PROTECTED_SHARE));
      long protectedEventsMax = (long) (limits.maxEvents() * PROTECTED_SHARE);
      Iterator<Map.Entry<String, UserTimeline>> demoted = protectedUsers.entrySet().iterator();
      while ((protectedUsers.size() > protectedUsersMax || protectedEvents > protectedEventsMax) && demoted.hasNext()) {
        Map.Entry<String, UserTimeline> user = demoted.next();
        demoted.remove();
        protectedEvents -= user.getValue().size;
        user.getValue().demotedAt(appendCalls);
        probation.put(user.getKey(), user.getValue());
        demotedUsers.incrementAndGet();
      }
    }

    /** Evicts the least recently active users of {@code segment} while over the bounds; how many. */
    private int evictEldest(Collection<UserTimeline> segment, StoreBounds limits) {
      int evicted = 0;
      Iterator<UserTimeline> eldest = segment.iterator();
      while ((userCount() > limits.maxUsers() || eventsHeld > limits.maxEvents()) && eldest.hasNext()) {
        UserTimeline gone = eldest.next();
        eventsHeld -= gone.size;
        if (gone.isProtected()) {
          protectedEvents -= gone.size;
        } else if (gone.isDemoted()) {
          evictedDemoted.incrementAndGet();
        }
        eldest.remove();
        evicted++;
      }
      return evicted;
    }
  }

  /**
   * One user's retained events in time order, as parallel arrays (17 bytes and a basket id
   * reference per event, not an object each; the dataset reader shares one String per basket
   * id), the count of every event ever stored, and the items of the purchases dropped to keep
   * the cap (a sorted set of item indices, 4 bytes an item, held only by users over the cap) with
   * their orders, at most as many as the cap.
   * Guarded by the store's lock.
   */
  private static final class UserTimeline {
    /** {@link #probationSince} of a protected user. */
    static final long PROTECTED = -1;

    /**
     * The {@code append} call that put this user on probation, as is for a new user, as
     * {@code -2 - call} for one put back there while protected (a customer, counted apart when
     * evicted; no field of its own); {@link #PROTECTED} once protected, which clears the mark.
     */
    long probationSince;
    int size;
    long total;
    /** The first {@link #droppedCount} hold the dropped purchases' item indices, ascending, each once. */
    int[] dropped = NO_ITEMS;
    int droppedCount;
    /**
     * The orders (basket ids) that lost a purchase to the cap, the one cut longest ago first: never
     * counted whole, also when a line of one arrives late. At most the cap (the most recently cut);
     * immutable and empty until one is cut.
     */
    Set<String> cutOrders = Set.of();
    int[] items;
    long[] seconds;
    int[] nanos;
    byte[] types;
    String[] baskets;

    UserTimeline(int capacity) {
      probationSince = PROTECTED;
      items = new int[capacity];
      seconds = new long[capacity];
      nanos = new int[capacity];
      types = new byte[capacity];
      baskets = new String[capacity];
    }

    /**
     * {@code basketId} as this timeline holds it when its newest event is of the same order, so
     * that the lines of an order share one String (a String each cost about 50 bytes a line).
     */
    String shared(String basketId) {
      return size > 0 && baskets[size - 1].equals(basketId) ? baskets[size - 1] : basketId;
    }

    /**
     * Whether this timeline holds at least {@code copies} events of {@code item} with the time,
     * type and order of {@code event}.
     */
    boolean holds(int copies, int item, RecordedEvent event) {
      long second = event.time().getEpochSecond();
      int nano = event.time().getNano();
      // The first event after the time, by binary search (the timeline is in time order); then
      // back over the events at the time.
      int low = 0;
      int high = size;
      while (low < high) {
        int middle = (low + high) >>> 1;
        if (isAfter(middle, second, nano)) {
          high = middle;
        } else {
          low = middle + 1;
        }
      }
      byte type = (byte) event.type().ordinal();
      int found = 0;
      for (int i = low - 1; i >= 0 && seconds[i] == second && nanos[i] == nano && found < copies; i--) {
        if (items[i] == item && types[i] == type && baskets[i].equals(event.basketId())) {
          found++;
        }
      }
      return found >= copies;
    }

    /** Appends an event known to be no earlier than the last one (loading). */
    void add(int item, long second, int nano, EventType type, String basket) {
      ensureCapacity();
      put(size++, item, second, nano, type, basket);
    }

    /** Inserts after every event at or before the same time, so ties keep ingestion order. */
    void insert(int item, long second, int nano, EventType type, String basket) {
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
      System.arraycopy(baskets, position, baskets, position + 1, tail);
      put(position, item, second, nano, type, basket);
      size++;
      total++;
    }

    /**
     * Drops one event (the timeline is over its cap): the oldest click, add to cart or positive
     * feedback, else the oldest event (see {@link StoreBounds#maxEventsPerUser}), remembering at
     * most {@code maxCutOrders} cut orders.
     */
    void dropOne(int maxCutOrders) {
      int victim = 0;
      while (victim < size && (types[victim] == PURCHASE || types[victim] == TURNED_DOWN)) {
        victim++;
      }
      if (victim == size) {
        victim = 0;
      }
      String cut = "";
      if (types[victim] == PURCHASE) {
        addDropped(items[victim]);
        cut = baskets[victim];
      }
      size--;
      int tail = size - victim;
      System.arraycopy(items, victim + 1, items, victim, tail);
      System.arraycopy(seconds, victim + 1, seconds, victim, tail);
      System.arraycopy(nanos, victim + 1, nanos, victim, tail);
      System.arraycopy(types, victim + 1, types, victim, tail);
      System.arraycopy(baskets, victim + 1, baskets, victim, tail);
      baskets[size] = null;
      if (!cut.isEmpty()) {
        noteCut(cut, maxCutOrders);
      }
    }

    /**
     * Remembers {@code order}, which just lost a purchase, as the order cut last, also when the
     * timeline holds nothing of it now (a line of it may still arrive late); past
     * {@code maxCutOrders} forgets the order cut longest ago.
     */
    private void noteCut(String order, int maxCutOrders) {
      if (cutOrders.isEmpty()) {
        cutOrders = new LinkedHashSet<>(4);
      }
      cutOrders.remove(order);
      cutOrders.add(order);
      Iterator<String> oldest = cutOrders.iterator();
      while (cutOrders.size() > maxCutOrders) {
        oldest.next();
        oldest.remove();
      }
    }

    /** Remembers that the user bought {@code item} in a purchase no longer held. */
    void addDropped(int item) {
      int at = Arrays.binarySearch(dropped, 0, droppedCount, item);
      if (at >= 0) {
        return;
      }
      int position = -at - 1;
      if (droppedCount == dropped.length) {
        dropped = Arrays.copyOf(dropped, Math.max(4, dropped.length * 2));
      }
      System.arraycopy(dropped, position, dropped, position + 1, droppedCount - position);
      dropped[position] = item;
      droppedCount++;
    }

    boolean isProtected() {
      return probationSince == PROTECTED;
    }

    /** Whether this user is on probation because they were put back there while protected. */
    boolean isDemoted() {
      return probationSince < PROTECTED;
    }

    /** The {@code append} call that put this user on probation; call only when not protected. */
    long probationCall() {
      return isDemoted() ? -2 - probationSince : probationSince;
    }

    /** Puts this protected user back on probation at {@code call} (0 or more), marked as demoted. */
    void demotedAt(long call) {
      probationSince = -2 - call;
    }

    private boolean isAfter(int index, long second, int nano) {
      return seconds[index] > second || (seconds[index] == second && nanos[index] > nano);
    }

    private void put(int index, int item, long second, int nano, EventType type, String basket) {
      items[index] = item;
      seconds[index] = second;
      nanos[index] = nano;
      types[index] = (byte) type.ordinal();
      baskets[index] = basket;
    }

    private void ensureCapacity() {
      if (size == items.length) {
        int capacity = Math.max(2, items.length * 2);
        items = Arrays.copyOf(items, capacity);
        seconds = Arrays.copyOf(seconds, capacity);
        nanos = Arrays.copyOf(nanos, capacity);
        types = Arrays.copyOf(types, capacity);
        baskets = Arrays.copyOf(baskets, capacity);
      }
    }
  }
}
