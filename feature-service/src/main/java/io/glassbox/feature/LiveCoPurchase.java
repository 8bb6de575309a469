package io.glassbox.feature;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * Co-purchase statistics that grow with ingested orders: the dataset's baskets and, since the
 * store was loaded, the orders ingested (one user's purchases under one basket id; their lines may
 * come in several ingestions). As in the dataset, an order counts for a pair when it holds both
 * items and 2 to {@code maxBasketSize} distinct items: an order that outgrows the cap withdraws
 * its pairs. The dataset's orders are complete: an ingested line with one of their ids starts an
 * order of its own. An order stays open for more lines for {@code openFor} after its last line,
 * and only the {@code maxOpenOrders} orders most recently added to stay open; a line of an order
 * closed since starts a new one.
 *
 * <p>The neighbours are exactly those {@link CoPurchaseIndex#build} gives for all those baskets
 * (same order, same ties), kept so cheaply: the count of every pair an ingested order touched is
 * held (the dataset's count, from its basket lists, plus the orders'), and a pair no order
 * touched keeps the dataset's count. An ingested order never lowers a count below the dataset's,
 * so an item's strongest neighbours are among its dataset neighbours and its touched pairs.
 *
 * <p>Besides its strongest {@code maxNeighbours}, each item keeps its strongest
 * {@value #NEW_ITEM_NEIGHBOURS} neighbours among the <b>new items</b>: those that joined the
 * catalogue after the dataset (imported since), which a model trained on the dataset cannot
 * know. Every count of a new item is held (the dataset has none), so these lists are exact too,
 * however weak next to the dataset's neighbours.
 *
 * <p>Memory: one held count per ordered pair an order touched, at most {@code maxPairs}; past
 * that, ingested orders are no longer counted (logged), and the neighbours are those of the
 * orders counted until then.
 *
 * <p>Not thread-safe: the store changes it under its write lock. {@link #graph} is an immutable
 * snapshot, replaced by {@link #publish}, that readers use without a lock.
 */
final class LiveCoPurchase {
  private static final int[] NONE = new int[0];
  /** The members of an open order that outgrew the cap: it counts for nothing, whatever is added. */
  private static final int[] OUTGROWN = new int[0];
  /** Most new-item neighbours kept per item (see the class comment). */
  static final int NEW_ITEM_NEIGHBOURS = 50;
  /** Heads what {@link #writeTo} writes; a change of what it writes changes it. */
  private static final int STATE_FORMAT = 0x67625301;

  private final CoPurchaseIndex dataset;
  private final int maxBasketSize;
  private final int maxNeighbours;
  private final long maxPairs;
  private final long openForMillis;
  private final int maxOpenOrders;
  /** Open orders, least recently added to first. */
  private final LinkedHashMap<String, OpenOrder> openOrders = new LinkedHashMap<>();
  /** Held counts per item (null: none touched). */
  private PairCounts[] counts;
  private long pairsHeld;
  private boolean full;
  /** Items whose neighbours changed since the last {@link #publish}. */
  private final List<Integer> changed = new ArrayList<>();
  private boolean[] isChanged;
  /** The neighbours being updated, ahead of the graph. */
  private final Updating neighbours;
  /** The new-item neighbours being updated, ahead of the graph. */
  private final Updating newItemNeighbours;
  /** Scratch for {@link #recomputed}: items seen, by generation. */
  private int[] seen;
  private int generation;
  private volatile Graph graph;

  /**
   * @param dataset the dataset's statistics (item indices 0..its item count, exclusive)
   * @param itemIds every catalogue item's id by index (the dataset's first), for the graph
   */
  LiveCoPurchase(CoPurchaseIndex dataset, List<String> itemIds, int maxBasketSize, int maxNeighbours,
      long maxPairs, Duration openFor, int maxOpenOrders) {
    this.dataset = dataset;
    this.maxBasketSize = maxBasketSize;
    this.maxNeighbours = maxNeighbours;
    this.maxPairs = maxPairs;
    this.openForMillis = openFor.toMillis();
    this.maxOpenOrders = maxOpenOrders;
    int items = itemIds.size();
    counts = new PairCounts[items];
    isChanged = new boolean[items];
    neighbours = new Updating(maxNeighbours, items);
    newItemNeighbours = new Updating(NEW_ITEM_NEIGHBOURS, items);
    seen = new int[items];
    int datasetItems = dataset.itemCount();
    Lists datasetLists = new Lists(new int[datasetItems][], new int[datasetItems][]);
    for (int item = 0; item < datasetItems; item++) {
      datasetLists.ids[item] = dataset.neighbours(item);
      datasetLists.counts[item] = dataset.sharedBaskets(item);
    }
    graph = new Graph(List.copyOf(itemIds), indexOf(itemIds), datasetItems, datasetLists.grownTo(items),
        Lists.EMPTY.grownTo(items));
  }

  /** The neighbours as of the last {@link #publish}; immutable. */
  CoPurchaseGraph graph() {
    return graph;
  }

  /** True once {@code maxPairs} counts are held and ingested orders are no longer counted. */
  boolean isFull() {
    return full;
  }

  /** Ordered pairs whose count is held. */
  long pairsHeld() {
    return pairsHeld;
  }

  /**
   * Gives {@code newItemIds} (ids the graph lacks, in the order they joined the catalogue) the next
   * indices, without neighbours yet; seen by readers at once.
   */
  void addItems(List<String> newItemIds) {
    Graph current = graph;
    List<String> itemIds = new ArrayList<>(current.ids);
    itemIds.addAll(newItemIds);
    int items = itemIds.size();
    counts = Arrays.copyOf(counts, items);
    isChanged = Arrays.copyOf(isChanged, items);
    neighbours.grow(items);
    newItemNeighbours.grow(items);
    seen = Arrays.copyOf(seen, items);
    graph = new Graph(List.copyOf(itemIds), indexOf(itemIds), current.datasetItems, current.all.grownTo(items),
        current.newItems.grownTo(items));
  }

  /**
   * Counts a purchase of {@code item} in the order {@code basketId} of {@code userId}, added at
   * {@code nowMillis} (any clock that never goes back); seen by readers from the next
   * {@link #publish}. Returns false, counting nothing, once full.
   */
  boolean add(String userId, String basketId, int item, long nowMillis) {
    if (full) {
      return false;
    }
    closeOrdersIdleSince(nowMillis - openForMillis);
    String key = userId.length() + ":" + userId + basketId;
    OpenOrder order = openOrders.remove(key);
    if (order == null) {
      order = new OpenOrder();
    }
    // Re-inserted: the most recently added to now.
    openOrders.put(key, order);
    order.lastAddedMillis = nowMillis;
    if (openOrders.size() > maxOpenOrders) {
      openOrders.remove(openOrders.keySet().iterator().next());
    }
    int[] members = order.members;
    if (members == OUTGROWN || Arrays.stream(members).anyMatch(m -> m == item)) {
      return true;
    }
    if (members.length < maxBasketSize) {
      if (pairsHeld + 2L * members.length > maxPairs) {
        full = true;
        return false;
      }
      for (int member : members) {
        int held = count(item, member, 1, -1);
        // Counts are symmetric: when (member, item) is not held, neither was (item, member), so
        // its count before this order was the dataset's.
        count(member, item, 1, held - 1);
      }
      order.members = Arrays.copyOf(members, members.length + 1);
      order.members[members.length] = item;
    } else {
      // Outgrew the cap: its pairs no longer count.
      for (int a : members) {
        for (int b : members) {
          if (a != b) {
            count(a, b, -1, -1);
          }
        }
      }
      order.members = OUTGROWN;
    }
    return true;
  }

  /**
   * Withdraws one user's orders (right to erasure); a count never falls below 0. Each open order of
   * the user ({@code isUser} says which user an order is of) is withdrawn as it counted, whatever the
   * caller still holds of it (the per-user cap may have dropped some or all of its lines; one that
   * outgrew the cap counted for nothing), and forgotten: a later line of it starts an order of its
   * own. Each of {@code orders}, the distinct items of one order as the caller holds it, keyed by
   * what {@code keyOf} gives for its user and basket id, no longer counts for its pairs where it
   * counted (2 to {@code maxBasketSize} items); of one keyed as an open order of the user, only the
   * items the open order lacks (an earlier part of the order, closed before, or the dataset's order
   * of the same id), none if it outgrew the cap. An order idle past the open window that no
   * {@link #add} has closed yet (closing is lazy) is still open here and withdrawn alike. Seen by
   * readers from the next {@link #publish}. Exact for open orders and for closed orders counted
   * whole; a closed order the per-user cap cut is withdrawn as the caller holds it. Not exact where
   * an open order's id names an earlier part too (no record says which line was in which part):
   * pairs of an item in both parts with the earlier part's others keep counting, an earlier part
   * that outgrew the cap is subtracted as the items left, one behind an outgrown open part not at all.
   */
  void withdraw(Predicate<String> isUser, Map<String, int[]> orders, BinaryOperator<String> keyOf) {
    Map<String, int[]> listed = new HashMap<>(orders);
    var open = openOrders.entrySet().iterator();
    while (open.hasNext()) {
      Map.Entry<String, OpenOrder> order = open.next();
      String user = userOf(order.getKey());
      if (isUser.test(user)) {
        int[] counted = order.getValue().members;
        int[] held = listed.remove(keyOf.apply(user, basketOf(order.getKey(), user)));
        withdrawPairs(counted);
        if (held != null && counted != OUTGROWN) {
          withdrawPairs(Arrays.stream(held).filter(item -> Arrays.stream(counted).noneMatch(m -> m == item)).toArray());
        }
        open.remove();
      }
    }
    listed.values().forEach(this::withdrawPairs);
  }

  /**
   * Withdraws one user's orders as a build before {@link #withdraw} named them did, so that every
   * replica reading its withdrawal counts alike: the open orders of the user are forgotten without
   * being withdrawn, and each of {@code orders} is withdrawn as listed.
   */
  void withdrawAsListed(Predicate<String> isUser, Collection<int[]> orders) {
    openOrders.keySet().removeIf(key -> isUser.test(userOf(key)));
    orders.forEach(this::withdrawPairs);
  }

  /** The pairs of one order's distinct items no longer count, where it counted (2 to {@code maxBasketSize}). */
  private void withdrawPairs(int[] members) {
    if (members.length < 2 || members.length > maxBasketSize) {
      return;
    }
    for (int a : members) {
      for (int b : members) {
        if (a != b && heldCount(a, b) > 0) {
          count(a, b, -1, -1);
        }
      }
    }
  }

  /** The basket id of an open order's key of {@code user}. */
  private static String basketOf(String orderKey, String user) {
    return orderKey.substring(orderKey.indexOf(':') + 1 + user.length());
  }

  /** The user of an open order's key ({@link #add} writes it). */
  private static String userOf(String orderKey) {
    int colon = orderKey.indexOf(':');
    int length = Integer.parseInt(orderKey, 0, colon, 10);
    return orderKey.substring(colon + 1, colon + 1 + length);
  }

  /** The count of (item, other) now: held, else the dataset's. */
  private int heldCount(int item, int other) {
    PairCounts held = counts[item];
    int slot = held == null ? -1 : held.slot(other);
    return slot >= 0 ? held.values[slot] : datasetCount(item, other);
  }

  private void closeOrdersIdleSince(long millis) {
    var eldest = openOrders.values().iterator();
    while (eldest.hasNext() && eldest.next().lastAddedMillis < millis) {
      eldest.remove();
    }
  }

  /**
   * Changes the held count of (item, other) by {@code change} and returns it; a count not held
   * yet starts from the dataset's, which is {@code datasetCount} when that is known (>= 0).
   */
  private int count(int item, int other, int change, int datasetCount) {
    PairCounts held = counts[item];
    if (held == null) {
      held = new PairCounts();
      counts[item] = held;
    }
    int slot = held.slot(other);
    int total;
    if (slot >= 0) {
      total = held.values[slot] += change;
    } else {
      total = (datasetCount >= 0 ? datasetCount : datasetCount(item, other)) + change;
      held.put(other, total);
      pairsHeld++;
    }
    markChanged(item);
    neighbours.counted(item, other, total, change, graph.all);
    if (other >= dataset.itemCount()) {
      newItemNeighbours.counted(item, other, total, change, graph.newItems);
    }
    return total;
  }

  private void markChanged(int item) {
    if (!isChanged[item]) {
      isChanged[item] = true;
      changed.add(item);
    }
  }

  private int datasetCount(int a, int b) {
    return a < dataset.itemCount() && b < dataset.itemCount() ? dataset.sharedBaskets(a, b) : 0;
  }

  /** Makes every count added so far visible to readers of {@link #graph}. */
  void publish() {
    if (changed.isEmpty()) {
      return;
    }
    Graph current = graph;
    Lists all = current.all.grownTo(current.itemCount());
    Lists newItems = current.newItems.grownTo(current.itemCount());
    for (int item : changed) {
      neighbours.publish(item, all, this::recomputed);
      newItemNeighbours.publish(item, newItems, this::recomputedNewItems);
      isChanged[item] = false;
    }
    changed.clear();
    graph = new Graph(current.ids, current.index, current.datasetItems, all, newItems);
  }

  /**
   * Writes everything that decides the graph and what later lines do: the new items in index
   * order, whether it is full, every held count, and the open orders, least recently added to
   * first. Call it after {@link #publish}. {@link #restored} reads it back.
   */
  void writeTo(DataOutputStream out) throws IOException {
    Graph current = graph;
    out.writeInt(STATE_FORMAT);
    out.writeInt(current.datasetItems);
    out.writeInt(current.itemCount());
    for (int item = current.datasetItems; item < current.itemCount(); item++) {
      out.writeUTF(current.ids.get(item));
    }
    out.writeBoolean(full);
    for (int item = 0; item < counts.length; item++) {
      PairCounts held = counts[item];
      if (held != null) {
        out.writeInt(item);
        out.writeInt(held.size);
        for (int slot = 0; slot < held.keys.length; slot++) {
          if (held.keys[slot] >= 0) {
            out.writeInt(held.keys[slot]);
            out.writeInt(held.values[slot]);
          }
        }
      }
    }
    out.writeInt(-1);
    out.writeInt(openOrders.size());
    for (Map.Entry<String, OpenOrder> open : openOrders.entrySet()) {
      OpenOrder order = open.getValue();
      out.writeUTF(open.getKey());
      out.writeLong(order.lastAddedMillis);
      out.writeInt(order.members == OUTGROWN ? -1 : order.members.length);
      for (int member : order.members) {
        out.writeInt(member);
      }
    }
  }

  /**
   * The statistics {@link #writeTo} wrote, over the same dataset: the same graph, and later lines
   * count as they count in the one that wrote it.
   *
   * @param datasetItemIds the dataset's item ids by index
   * @throws IOException when {@code in} is cut short or was written for another dataset
   */
  static LiveCoPurchase restored(DataInputStream in, CoPurchaseIndex dataset, List<String> datasetItemIds,
      int maxBasketSize, int maxNeighbours, long maxPairs, Duration openFor, int maxOpenOrders) throws IOException {
    if (in.readInt() != STATE_FORMAT || in.readInt() != datasetItemIds.size()) {
      throw new IOException("not co-purchase statistics of this dataset");
    }
    int items = in.readInt();
    List<String> itemIds = new ArrayList<>(datasetItemIds);
    while (itemIds.size() < items) {
      itemIds.add(in.readUTF());
    }
    LiveCoPurchase live = new LiveCoPurchase(dataset, itemIds, maxBasketSize, maxNeighbours, maxPairs, openFor,
        maxOpenOrders);
    live.full = in.readBoolean();
    for (int item = in.readInt(); item >= 0; item = in.readInt()) {
      PairCounts held = new PairCounts();
      int size = in.readInt();
      for (int i = 0; i < size; i++) {
        held.put(in.readInt(), in.readInt());
      }
      live.counts[item] = held;
      live.pairsHeld += size;
      live.markChanged(item);
      live.neighbours.recomputeAtPublish(item);
      live.newItemNeighbours.recomputeAtPublish(item);
    }
    for (int orders = in.readInt(); orders > 0; orders--) {
      String key = in.readUTF();
      OpenOrder order = new OpenOrder();
      order.lastAddedMillis = in.readLong();
      int size = in.readInt();
      order.members = size < 0 ? OUTGROWN : new int[size];
      for (int i = 0; i < size; i++) {
        order.members[i] = in.readInt();
      }
      live.openOrders.put(key, order);
    }
    // Written under a larger maxOpenOrders: the most recently added to stay open, as in add.
    while (live.openOrders.size() > maxOpenOrders) {
      live.openOrders.remove(live.openOrders.keySet().iterator().next());
    }
    live.publish();
    return live;
  }

  /**
   * The item's strongest {@code maxNeighbours} neighbours, worked out afresh from its dataset
   * neighbours and held counts (sorted as keys packed as in {@link CoPurchaseIndex#build}).
   */
  private Strongest recomputed(int item) {
    PairCounts held = counts[item];
    int[] datasetNeighbours = item < dataset.itemCount() ? dataset.neighbours(item) : NONE;
    int[] datasetShared = item < dataset.itemCount() ? dataset.sharedBaskets(item) : NONE;
    long[] keyed = new long[datasetNeighbours.length + (held == null ? 0 : held.size)];
    int n = 0;
    generation++;
    for (int i = 0; i < datasetNeighbours.length; i++) {
      int other = datasetNeighbours[i];
      seen[other] = generation;
      int slot = held == null ? -1 : held.slot(other);
      int count = slot >= 0 ? held.values[slot] : datasetShared[i];
      if (count > 0) {
        keyed[n++] = key(count, other);
      }
    }
    if (held != null) {
      for (int slot = 0; slot < held.keys.length; slot++) {
        int other = held.keys[slot];
        if (other >= 0 && seen[other] != generation && held.values[slot] > 0) {
          keyed[n++] = key(held.values[slot], other);
        }
      }
    }
    return strongestOf(keyed, n, maxNeighbours);
  }

  /** The item's strongest new-item neighbours, worked out afresh from its held counts. */
  private Strongest recomputedNewItems(int item) {
    PairCounts held = counts[item];
    long[] keyed = new long[held == null ? 0 : held.size];
    int n = 0;
    if (held != null) {
      for (int slot = 0; slot < held.keys.length; slot++) {
        if (held.keys[slot] >= dataset.itemCount() && held.values[slot] > 0) {
          keyed[n++] = key(held.values[slot], held.keys[slot]);
        }
      }
    }
    return strongestOf(keyed, n, NEW_ITEM_NEIGHBOURS);
  }

  /** The first {@code capacity} of the {@code n} packed keys, in their order. */
  private static Strongest strongestOf(long[] keyed, int n, int capacity) {
    Arrays.sort(keyed, 0, n);
    Strongest list = new Strongest(NONE, NONE, capacity);
    list.size = Math.min(n, capacity);
    for (int i = 0; i < list.size; i++) {
      list.ids[i] = (int) keyed[i];
      list.counts[i] = Integer.MAX_VALUE - (int) (keyed[i] >>> 32);
    }
    return list;
  }

  private static long key(int count, int other) {
    return ((long) (Integer.MAX_VALUE - count) << 32) | other;
  }

  private static Map<String, Integer> indexOf(List<String> itemIds) {
    Map<String, Integer> index = new HashMap<>(itemIds.size() * 2);
    for (int i = 0; i < itemIds.size(); i++) {
      index.put(itemIds.get(i), i);
    }
    return index;
  }

  /**
   * Each item's strongest neighbours of one kind (all, or new items only) as counts change, ahead
   * of the graph: moved up in place as a count rises, recomputed in full at publish after one fell.
   */
  private static final class Updating {
    private final int capacity;
    /** Per item (null: untouched since the start), its list being updated. */
    private Strongest[] working;
    /** Items a falling count touched: their list is recomputed in full at publish. */
    private boolean[] rebuild;

    Updating(int capacity, int items) {
      this.capacity = capacity;
      working = new Strongest[items];
      rebuild = new boolean[items];
    }

    void grow(int items) {
      working = Arrays.copyOf(working, items);
      rebuild = Arrays.copyOf(rebuild, items);
    }

    /** The count of (item, other) changed by {@code change} to {@code total}; {@code published}: the graph's. */
    void counted(int item, int other, int total, int change, Lists published) {
      if (change > 0 && !rebuild[item]) {
        Strongest list = working[item];
        if (list == null) {
          list = new Strongest(published.ids[item], published.counts[item], capacity);
          working[item] = list;
        }
        list.raise(other, total);
      } else {
        // A count fell: a neighbour may leave for one that is not listed; rebuilt at publish.
        rebuild[item] = true;
      }
    }

    /** The item's list is worked out afresh from its counts at the next publish. */
    void recomputeAtPublish(int item) {
      rebuild[item] = true;
    }

    /** Writes the item's list into {@code next} if it has one being updated, recomputed first if a count fell. */
    void publish(int item, Lists next, IntFunction<Strongest> recompute) {
      if (rebuild[item]) {
        working[item] = recompute.apply(item);
        rebuild[item] = false;
      }
      Strongest list = working[item];
      if (list != null) {
        next.ids[item] = Arrays.copyOf(list.ids, list.size);
        next.counts[item] = Arrays.copyOf(list.counts, list.size);
      }
    }
  }

  /**
   * Published lists by item index: ids and shared basket counts, parallel. Not changed once in a
   * graph: a publish writes into a copy.
   */
  private record Lists(int[][] ids, int[][] counts) {
    static final Lists EMPTY = new Lists(new int[0][], new int[0][]);

    /** A copy for {@code items} items, the ones beyond this without neighbours. */
    Lists grownTo(int items) {
      int[][] grownIds = Arrays.copyOf(ids, items);
      int[][] grownCounts = Arrays.copyOf(counts, items);
      for (int item = ids.length; item < items; item++) {
        grownIds[item] = LiveCoPurchase.NONE;
        grownCounts[item] = LiveCoPurchase.NONE;
      }
      return new Lists(grownIds, grownCounts);
    }
  }

  /**
   * An item's strongest neighbours, count descending, then index: when a count only rises, the
   * list stays exact by moving that one neighbour up (or in, pushing the weakest out), since every
   * other count stays as it was.
   */
  private static final class Strongest {
    final int[] ids;
    final int[] counts;
    int size;

    Strongest(int[] ids, int[] counts, int capacity) {
      this.ids = Arrays.copyOf(ids, capacity);
      this.counts = Arrays.copyOf(counts, capacity);
      this.size = ids.length;
    }

    void raise(int id, int count) {
      if (size == ids.length && count - 1 < counts[size - 1] && !before(count, id, counts[size - 1], ids[size - 1])) {
        return;   // it was weaker than the weakest listed, so not listed, and still is not
      }
      int at = 0;
      while (at < size && ids[at] != id) {
        at++;
      }
      if (at == size) {
        if (size < ids.length) {
          size++;
        } else if (!before(count, id, counts[size - 1], ids[size - 1])) {
          return;
        } else {
          at = size - 1;
        }
      }
      while (at > 0 && before(count, id, counts[at - 1], ids[at - 1])) {
        ids[at] = ids[at - 1];
        counts[at] = counts[at - 1];
        at--;
      }
      ids[at] = id;
      counts[at] = count;
    }

    private static boolean before(int count, int id, int otherCount, int otherId) {
      return count > otherCount || (count == otherCount && id < otherId);
    }
  }

  /** An order still open for more lines. */
  private static final class OpenOrder {
    int[] members = NONE;
    long lastAddedMillis;
  }

  /** Counts by item index, open addressing (an index is >= 0; -1 marks a free slot). */
  private static final class PairCounts {
    int[] keys = filled(8);
    int[] values = new int[8];
    int size;

    int slot(int key) {
      int mask = keys.length - 1;
      for (int slot = mix(key) & mask; ; slot = (slot + 1) & mask) {
        if (keys[slot] == key) {
          return slot;
        }
        if (keys[slot] < 0) {
          return -1;
        }
      }
    }

    void put(int key, int value) {
      if ((size + 1) * 4 > keys.length * 3) {
        int[] oldKeys = keys;
        int[] oldValues = values;
        keys = filled(oldKeys.length * 2);
        values = new int[oldKeys.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
          if (oldKeys[i] >= 0) {
            put(oldKeys[i], oldValues[i]);
          }
        }
      }
      int mask = keys.length - 1;
      int slot = mix(key) & mask;
      while (keys[slot] >= 0) {
        slot = (slot + 1) & mask;
      }
      keys[slot] = key;
      values[slot] = value;
      size++;
    }

    private static int mix(int key) {
      return key * 0x9E3779B9 >>> 7 ^ key;
    }

    private static int[] filled(int length) {
      int[] array = new int[length];
      Arrays.fill(array, -1);
      return array;
    }
  }

  /** The neighbours of every catalogue item at one moment. */
  private record Graph(List<String> ids, Map<String, Integer> index, int datasetItems, Lists all, Lists newItems)
      implements CoPurchaseGraph {
    @Override
    public int itemCount() {
      return ids.size();
    }

    @Override
    public int indexOf(String itemId) {
      Integer found = index.get(itemId);
      return found == null ? -1 : found;
    }

    @Override
    public String itemIdAt(int index) {
      return ids.get(index);
    }

    @Override
    public int[] neighbours(int index) {
      return all.ids[index];
    }

    @Override
    public int[] sharedBaskets(int index) {
      return all.counts[index];
    }

    @Override
    public boolean isNewItem(int index) {
      return index >= datasetItems;
    }

    @Override
    public int[] newItemNeighbours(int index) {
      return newItems.ids[index];
    }

    @Override
    public int[] newItemSharedBaskets(int index) {
      return newItems.counts[index];
    }
  }
}
