package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import io.glassbox.server.WarningLimiter;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.CommandObjects;
import redis.clients.jedis.Connection;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.params.ZAddParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.Tuple;

/**
 * The {@link EventStore} shared by feature-service replicas through one Redis (a primary,
 * optionally with replicas or Sentinel; not Redis Cluster: an ingestion touches keys of many
 * users in one atomic script).
 *
 * <p>What lives where: histories, the catalogue, interaction counts, purchase counts and the
 * dedupe keys live in Redis, shared and durable (as durable as Redis's AOF setting: with
 * {@code appendfsync always} an acknowledged event survives a Redis crash). The co-purchase
 * statistics are derived from the dataset in each replica's memory at start and grown with the
 * ingested order lines every replica reads from a shared stream (see {@link #coPurchaseGraph}).
 * The dataset is copied into Redis once per Redis database: the first replica to start takes a
 * lock and seeds it; others wait for the marker that names the dataset's fingerprint. A Redis that
 * holds a different dataset is refused; the seeded one less the rows of customers erased here is
 * not another dataset (see {@link #forgetSeededRows}).
 *
 * <p>Keys (prefix {@code glassbox:}): {@code items} hash id → item; {@code interactions} hash
 * id → count; {@code popular} sorted set id → −purchases (so ascending order is most bought
 * first, ties by id); {@code users} hash user → events ever stored; {@code t:<user>} the user's
 * timeline, a sorted set scored by epoch second whose members ({@link TimelineMember}) sort
 * ties by nanosecond, then ingestion sequence; {@code d:<user>} the items of the user's purchases
 * dropped from the timeline to keep its cap (a set, held only for users over the cap, so that an
 * item once bought stays bought) and {@code c:<user>} the order (basket id) of the one dropped
 * last, which the timeline may still hold lines of; {@code cut:<user>} the orders (basket ids)
 * that lost a purchase to the cap, also those the timeline holds nothing of now (a line may
 * arrive late), a sorted set scored by when each was cut last, at most the cap: the most recently
 * cut ({@code c:} alone is what builds before it wrote);
 * {@code p:<item>} the item's purchase times (a sorted set scored
 * by epoch second); {@code latest} the newest purchase's time;
 * {@code e:<user+event id>} dedupe keys with the dedupe window as TTL; {@code orders} the stream
 * of ingested order lines (purchases with a basket id); {@code seq} the
 * ingestion sequence; {@code dataset} the seed marker (the dataset's fingerprint and the key
 * layout; layout 2 added basket ids to timeline members); {@code dropped-seeded} the fingerprint of
 * the dataset whose dropped purchases {@code d:} and {@code c:} hold (apart from the marker, so that
 * a build without those keys still accepts the marker) and {@code cut-orders-seeded} the same for
 * {@code cut:}; {@code seed-sum} the seeded folder's {@link DatasetSum} and {@code seed-erased} the
 * parts of it of the customers erased since (see {@link #forgetSeededRows}); {@code orders-snapshot} the snapshot
 * the oldest order lines were compacted into, its bytes in the list {@code orders-snapshot:<n>}
 * (see {@link #compactOrderLines}); {@code orders-compact-lock} held while a replica compacts;
 * {@code orders-snapshot-generation} the last {@code <n>} handed out to a compaction and
 * {@code orders-snapshot-pending} the lists of compactions that have not named theirs;
 * {@code orders-last-withdrawal} the id of the last line that withdrew an erased user's orders.
 *
 * <p>An ingestion is one Lua script, so it is atomic (all-or-nothing, also in the AOF) and is
 * in Redis before the call is acknowledged.
 */
public final class RedisEventStore implements EventStore {
  private static final Logger log = LoggerFactory.getLogger(RedisEventStore.class);
  /** A busy Redis is found so at every check while the ingestion lasts: one line a minute. */
  private static final WarningLimiter BUSY = new WarningLimiter(Duration.ofMinutes(1));
  static final String PREFIX = "glassbox:";
  private static final String ITEMS = PREFIX + "items";
  private static final String INTERACTIONS = PREFIX + "interactions";
  private static final String POPULAR = PREFIX + "popular";
  private static final String USERS = PREFIX + "users";
  private static final String SEQUENCE = PREFIX + "seq";
  /** The newest purchase's time, "<epoch second> <nanos>". */
  private static final String LATEST = PREFIX + "latest";
  private static final String DATASET = PREFIX + "dataset";
  /** Stream of ingested order lines (fields u, b, i: user, basket id, item), oldest first. */
  static final String ORDER_LINES = PREFIX + "orders";
  /**
   * The fields of a line of {@link #ORDER_LINES} that withdraws an erased user's orders (see
   * {@link #eraseUser}): the user's SHA-256 (hex), their orders' items, and those orders' keys
   * ({@link #withdrawnBasket}, not the ids, which the line would write back into Redis; a line of a
   * build before them lacks the field).
   */
  static final String WITHDRAWN_USER = "x";
  static final String WITHDRAWN_ORDERS = "o";
  static final String WITHDRAWN_BASKETS = "k";
  private static final String ITEM_SEPARATOR = "\u001f";
  private static final String ORDER_SEPARATOR = "\u001e";
  /** How stale a replica's co-purchase statistics may be against other replicas' ingestions. */
  private static final long ORDER_SYNC_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final int ORDER_LINES_PER_READ = 10_000;
  /**
   * The co-purchase statistics the order lines up to a line were compacted into, as
   * {@link OrdersSnapshot#value}; written after its bytes, so it never names half a snapshot.
   */
  private static final String ORDERS_SNAPSHOT = PREFIX + "orders-snapshot";
  private static final String ORDERS_COMPACT_LOCK = PREFIX + "orders-compact-lock";
  /** The last snapshot generation handed out; each compaction writes its own list. */
  private static final String ORDERS_SNAPSHOT_GENERATION = PREFIX + "orders-snapshot-generation";
  /** The lists of compactions that have not named theirs; the next compaction drops those left. */
  private static final String ORDERS_SNAPSHOT_PENDING = PREFIX + "orders-snapshot-pending";
  /**
   * The id of the last withdrawal line {@link #eraseUser} added to {@link #ORDER_LINES}, kept after
   * the line is trimmed: a replica whose last read line is older, and whose snapshot to take is
   * newer, may count orders withdrawn since, so it takes the snapshot before answering (see
   * {@link #syncOrders}). Absent until this build's first erasure.
   */
  private static final String ORDERS_LAST_WITHDRAWAL = PREFIX + "orders-last-withdrawal";
  private static final long ORDERS_COMPACT_LOCK_MILLIS = TimeUnit.MINUTES.toMillis(2);
  /** Order lines the stream holds before an ingestion past them starts a compaction. */
  static final int COMPACT_AFTER_LINES = 100_000;
  static final int SNAPSHOT_CHUNK_BYTES = 1 << 20;
  /** How long after a failed compaction ingestions start none. */
  private static final long COMPACT_RETRY_NANOS = TimeUnit.MINUTES.toNanos(1);
  /** How long after a failed background read of a snapshot co-purchase reads start none. */
  private static final long RESTORE_RETRY_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final int SNAPSHOT_CHUNKS_PER_READ = 8;
  private static final int SNAPSHOT_READ_TRIES = 3;
  /** Follows the fingerprint in the seed marker; a new layout of the seeded keys changes it. */
  private static final String LAYOUT = " layout:2";
  /**
   * The fingerprint of the dataset whose dropped purchases the {@code d:} and {@code c:} keys hold
   * ({@link #seedDroppedPurchases}). Kept apart from the seed marker, which stays at layout 2: a
   * replica of a build without these keys (a rolling update, a rollback) accepts the marker and
   * ignores the keys, where a new layout would make it take Redis for lost or foreign.
   */
  private static final String DROPPED_SEEDED = PREFIX + "dropped-seeded";
  /**
   * The fingerprint of the dataset whose cut orders the {@code cut:} keys hold: a Redis whose
   * {@link #DROPPED_SEEDED} a build before those keys wrote gets them at the next start.
   */
  private static final String CUT_ORDERS_SEEDED = PREFIX + "cut-orders-seeded";
  /**
   * The {@link DatasetSum} of the folder the seed marker names, written with the marker, or by the
   * first start of a build that knows it on a Redis seeded before with the folder as seeded.
   */
  private static final String SEED_SUM = PREFIX + "seed-sum";
  /**
   * The {@link DatasetSum#part parts} of the seeded folder's users erased here since, whose rows
   * the counts no longer hold ({@link #forgetSeededRows}): a folder without some of them is the
   * seeded one less those users.
   */
  private static final String SEED_ERASED = PREFIX + "seed-erased";
  /** The layout 72809640 wrote for these keys, taken back to layout 2 at start: a marker old builds refuse. */
  private static final String WITHDRAWN_LAYOUT = " layout:3";
  private static final String SEED_LOCK = PREFIX + "seed-lock";
  private static final int SEED_LOCK_SECONDS = 120;
  private static final long SEED_WAIT_NANOS = TimeUnit.MINUTES.toNanos(10);
  private static final int BATCH = 1000;
  private static final int FIELDS_PER_EVENT = 11;

  /**
   * ARGV: cap, ttl seconds, then per event: user, item, epoch second, nanos (9 digits), the
   * member's type-and-basket field ({@link TimelineMember#kindField}), purchase flag, identity
   * ({@link EventIdentity#stored}, the value written under the dedupe key), basket id,
   * {@link NewEvent#copy}, the identity's words ({@link EventIdentity#text}), the identity
   * {@link EventIdentity#encoded}. KEYS: the six shared keys,
   * the order lines stream, then per event: timeline, dedupe key ("" for none), the item's
   * purchase times, the user's dropped purchases' items, the order of the purchase dropped last,
   * the user's cut orders. A stored purchase with a basket id is added to the stream (user, basket,
   * item) for every replica's co-purchase statistics. Returns {-1, index} for
   * an unknown item and {-2, index, earlier identity} for an event id already used for another
   * event (nothing stored), else {0, duplicates, the newest purchase time before, after (each as
   * the {@code latest} key holds it, "" for none), the order lines the stream holds}. An event of copy n &ge; 1 whose timeline holds
   * n events of its item, time, type and order is a duplicate too. A dedupe key holding "1" was written before
   * identities were kept: taken as the same event. Any other value is the same event if it is the event's
   * encoded form, as builds from 906c650 up to 3d1c759 wrote for every event and this one writes for an
   * event whose words read two ways, or its text ({@link EventIdentity#text}, "purchase of 82482 in order
   * 581180"), as an earlier build wrote for every event (compared as that build compared it) and this one
   * writes for an event its words name alone. A timeline over the cap loses its oldest
   * click, add to cart or positive feedback, else its oldest event (see
   * StoreBounds#maxEventsPerUser); a purchase dropped so leaves its item in the user's
   * {@code d:<user>} set and its order (basket id) in {@code c:<user>} and, as the order cut last,
   * in {@code cut:<user>} (scored one above the highest score there), of which past the cap the
   * lowest scored go.
   */
  private static final String APPEND_SCRIPT = """
      local cap = tonumber(ARGV[1])
      local ttl = tonumber(ARGV[2])
      -- Whether the cap drops a member before the oldest event: not a purchase, not turned down.
      local function droppable(member)
        local kind = string.sub(member, KIND_POSITION, KIND_POSITION)
        return kind ~= 'PURCHASE_DIGIT' and kind ~= 'TURNED_DOWN_DIGIT'
      end
      -- The oldest droppable member of a timeline from rank `from` on, read 100 at a time, and its
      -- rank; nil for none.
      local function oldestDroppable(timeline, from)
        repeat
          local chunk = redis.call('ZRANGE', timeline, from, from + 99)
          for at, member in ipairs(chunk) do
            if droppable(member) then
              return member, from + at - 1
            end
          end
          from = from + 100
        until #chunk < 100
        return nil
      end
      -- read[timeline]: how many of its oldest members the cap's drops in this run have read past,
      -- all kept ones but those in added[timeline] (droppable ones this run added among them), so
      -- each drop reads on from there: a timeline of kept events read once per run, not once a drop.
      local read, added = {}, {}
      local n = (#ARGV - 2) / FIELDS
      for i = 0, n - 1 do
        if redis.call('HEXISTS', KEYS[1], ARGV[3 + i * FIELDS + 1]) == 0 then
          return {-1, i}
        end
        local dedupe = KEYS[9 + i * 6]
        if dedupe ~= '' then
          local earlier = redis.call('GET', dedupe)
          local a = 3 + i * FIELDS
          local encoded, words = ARGV[a + 10], ARGV[a + 9]
          -- Either form, whichever this build writes for the event: an earlier build may have written the other.
          if earlier and earlier ~= '1' and earlier ~= encoded and earlier ~= words then
            return {-2, i, earlier}
          end
        end
      end
      local dups = 0
      local newest, newestSecond, newestNanos = nil, nil, nil
      -- held[timeline][second][nanos .. kind .. item]: events of that content, read once per second.
      local held = {}
      for i = 0, n - 1 do
        local a = 3 + i * FIELDS
        local user, item, second, nanos, kind, purchase, identity, basket, copy =
            ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6], ARGV[a + 7],
            tonumber(ARGV[a + 8])
        local timeline, dedupe, bought = KEYS[8 + i * 6], KEYS[9 + i * 6], KEYS[10 + i * 6]
        local dropped, cut, cutOrders = KEYS[11 + i * 6], KEYS[12 + i * 6], KEYS[13 + i * 6]
        local fresh = true
        if dedupe ~= '' then
          fresh = redis.call('SET', dedupe, identity, 'NX', 'EX', ttl)
        end
        local content = nanos .. kind .. item
        if fresh and copy > 0 then
          held[timeline] = held[timeline] or {}
          local counts = held[timeline][second]
          if counts == nil then
            counts = {}
            for _, member in ipairs(redis.call('ZRANGEBYSCORE', timeline, second, second)) do
              local other = string.sub(member, 1, NANOS_LENGTH) .. string.sub(member, KIND_POSITION)
              counts[other] = (counts[other] or 0) + 1
            end
            held[timeline][second] = counts
          end
          fresh = (counts[content] or 0) < copy
        end
        if fresh then
          local seq = string.format('%016d', redis.call('INCR', KEYS[5]))
          local member = nanos .. seq .. kind .. item
          redis.call('ZADD', timeline, second, member)
          local counts = held[timeline] and held[timeline][second]
          if counts then
            counts[content] = (counts[content] or 0) + 1
          end
          -- An event older than the members read past goes among them.
          if (read[timeline] or 0) > 0 and redis.call('ZRANK', timeline, member) < read[timeline] then
            read[timeline] = read[timeline] + 1
            if droppable(member) then
              table.insert(added[timeline], member)
            end
          end
          while redis.call('ZCARD', timeline) > cap do
            local from = read[timeline] or 0
            added[timeline] = added[timeline] or {}
            local among, victim, at = added[timeline], nil, nil
            if #among > 0 then
              -- The oldest of them: every other member read past is kept.
              local first = 1
              for j = 2, #among do
                if redis.call('ZRANK', timeline, among[j]) < redis.call('ZRANK', timeline, among[first]) then
                  first = j
                end
              end
              victim = table.remove(among, first)
              read[timeline] = from - 1
            else
              victim, at = oldestDroppable(timeline, from)
              read[timeline] = at
            end
            if victim then
              redis.call('ZREM', timeline, victim)
            else
              local oldest = redis.call('ZRANGE', timeline, 0, 0)[1]
              redis.call('ZREM', timeline, oldest)
              read[timeline] = redis.call('ZCARD', timeline)
              if string.sub(oldest, KIND_POSITION, KIND_POSITION) == 'PURCHASE_DIGIT' then
                -- The item stays known as bought: it must not come back as a new item for the user.
                -- The basket id's length counts Java chars (UTF-16 units), string.sub bytes: walk its
                -- UTF-8 characters (one unit each, two for the 4 bytes of one beyond the BMP).
                local units = tonumber(string.sub(oldest, KIND_POSITION + 1, KIND_POSITION + 3))
                local itemAt = KIND_POSITION + 4
                while units > 0 do
                  local byte = string.byte(oldest, itemAt)
                  if byte < 128 then
                    itemAt, units = itemAt + 1, units - 1
                  elseif byte < 224 then
                    itemAt, units = itemAt + 2, units - 1
                  elseif byte < 240 then
                    itemAt, units = itemAt + 3, units - 1
                  else
                    itemAt, units = itemAt + 4, units - 2
                  end
                end
                redis.call('SADD', dropped, string.sub(oldest, itemAt))
                -- Its order may have lines left in the timeline, or get a late one: counted as a whole
                -- order no more. The order cut last scores highest; past the cap the lowest go.
                local order = string.sub(oldest, KIND_POSITION + 4, itemAt - 1)
                redis.call('SET', cut, order)
                if order ~= '' then
                  local top = redis.call('ZRANGE', cutOrders, -1, -1, 'WITHSCORES')
                  redis.call('ZADD', cutOrders, top[2] and tonumber(top[2]) + 1 or 1, order)
                  local over = redis.call('ZCARD', cutOrders) - cap
                  if over > 0 then
                    redis.call('ZREMRANGEBYRANK', cutOrders, 0, over - 1)
                  end
                end
              end
            end
          end
          redis.call('HINCRBY', KEYS[4], user, 1)
          redis.call('HINCRBY', KEYS[2], item, 1)
          if purchase == '1' then
            redis.call('ZINCRBY', KEYS[3], -1, item)
            redis.call('ZADD', bought, second, seq)
            if basket ~= '' then
              redis.call('XADD', KEYS[7], '*', 'u', user, 'b', basket, 'i', item)
            end
            local s, ns = tonumber(second), tonumber(nanos)
            if newest == nil or s > newestSecond or (s == newestSecond and ns > newestNanos) then
              newest, newestSecond, newestNanos = second .. ' ' .. nanos, s, ns
            end
          end
        else
          dups = dups + 1
        end
      end
      local current = redis.call('GET', KEYS[6])
      local after = current
      if newest ~= nil then
        local replace = true
        if current then
          local space = string.find(current, ' ')
          local s, ns = tonumber(string.sub(current, 1, space - 1)), tonumber(string.sub(current, space + 1))
          replace = newestSecond > s or (newestSecond == s and newestNanos > ns)
        end
        if replace then
          redis.call('SET', KEYS[6], newest)
          after = newest
        end
      end
      return {0, dups, current or '', after or '', redis.call('XLEN', KEYS[7])}
      """
      .replace("FIELDS", String.valueOf(FIELDS_PER_EVENT))
      .replace("KIND_POSITION", String.valueOf(TimelineMember.KIND + 1))
      .replace("NANOS_LENGTH", String.valueOf(TimelineMember.NANOS))
      .replace("PURCHASE_DIGIT", String.valueOf(EventType.PURCHASE.ordinal()))
      .replace("TURNED_DOWN_DIGIT", String.valueOf(EventType.FEEDBACK_NEGATIVE.ordinal()));

  /**
   * KEYS: compaction lock, the snapshot generation counter, the pending lists' set,
   * {@code orders-snapshot}. ARGV: the lock's token, the lists' key prefix. Unless the lock was lost
   * (it expired; then nil), drops the lists of compactions that never named theirs (one stopped
   * half-way, or one that lost its lock), and returns a generation newer than every one handed out
   * or named, whose list (empty) is now pending. So no compaction writes to a list another uses
   * or that is named.
   */
  private static final String BEGIN_SNAPSHOT_SCRIPT = """
      if redis.call('GET', KEYS[1]) ~= ARGV[1] then
        return false
      end
      for _, key in ipairs(redis.call('SMEMBERS', KEYS[3])) do
        redis.call('DEL', key)
      end
      redis.call('DEL', KEYS[3])
      local generation = redis.call('INCR', KEYS[2])
      local named = redis.call('GET', KEYS[4])
      if named and generation <= tonumber(string.match(named, '^%d+')) then
        generation = tonumber(string.match(named, '^%d+')) + 1
        redis.call('SET', KEYS[2], generation)
      end
      redis.call('DEL', ARGV[2] .. generation)
      redis.call('SADD', KEYS[3], ARGV[2] .. generation)
      return generation
      """;

  /** KEYS: compaction lock, the new snapshot's list. ARGV: the lock's token, an element. Returns 1 if added. */
  private static final byte[] APPEND_SNAPSHOT_SCRIPT = """
      if redis.call('GET', KEYS[1]) ~= ARGV[1] then
        return 0
      end
      redis.call('RPUSH', KEYS[2], ARGV[2])
      return 1
      """.getBytes(StandardCharsets.UTF_8);

  /**
   * KEYS: compaction lock, {@code orders-snapshot}, the new snapshot's list, the old one's, the
   * order lines, the pending lists' set. ARGV: the lock's token, the new list's length, the new
   * {@code orders-snapshot} value, its last line, the value it replaces ("" for none). Unless the
   * lock was lost (it expired), another snapshot was named meanwhile or the list is not whole,
   * names the new snapshot, drops the old one and trims the lines before the new one's last: all
   * at once, so lines are gone only once a snapshot that holds them is named. Returns 1 if done.
   */
  private static final String SWITCH_SNAPSHOT_SCRIPT = """
      if redis.call('GET', KEYS[1]) ~= ARGV[1] or (redis.call('GET', KEYS[2]) or '') ~= ARGV[5]
          or redis.call('LLEN', KEYS[3]) ~= tonumber(ARGV[2]) then
        return 0
      end
      redis.call('SET', KEYS[2], ARGV[3])
      redis.call('SREM', KEYS[6], KEYS[3])
      redis.call('DEL', KEYS[4])
      redis.call('XTRIM', KEYS[5], 'MINID', ARGV[4])
      return 1
      """;

  /**
   * KEYS: the pending lists' set, a compaction's list. Drops the list unless it was named (naming
   * takes it out of the set), so also after a lost reply to the script that named it.
   */
  private static final String DROP_PENDING_SCRIPT = """
      if redis.call('SREM', KEYS[1], KEYS[2]) == 1 then
        redis.call('DEL', KEYS[2])
      end
      return 0
      """;

  /**
   * KEYS: a lock (the seed's or the compaction's). ARGV: the lock's token. Deletes the lock only
   * while it still holds that token: a GET then a DEL could delete another replica's lock, taken
   * after ours expired in between.
   */
  private static final String RELEASE_LOCK_SCRIPT = """
      if redis.call('GET', KEYS[1]) == ARGV[1] then
        redis.call('DEL', KEYS[1])
      end
      return 0
      """;

  /**
   * Ingestion scripts one replica has in Redis at once. Redis runs scripts one after another, and
   * a command waits behind all those sent before it: two replicas admitting 16 calls each had up to
   * 32 scripts of up to 0.26 s queued, so that writes outlived the 2 s command timeout ("did not
   * confirm") and readiness's PING waited behind them. The others wait here, in the JVM, where the
   * wait is bounded and a write that gives up has sent nothing.
   */
  static final int WRITE_SLOTS = 4;
  /** The longest an ingestion waits for a slot before it is refused as busy, nothing sent. */
  static final Duration WRITE_SLOT_WAIT = Duration.ofSeconds(2);

  private final JedisPooled redis;
  /** {@link #WRITE_SLOTS}, handed out in the order asked (fair), so that no write waits out its bound behind later ones. */
  private final Semaphore writeSlots;
  private final Duration writeSlotWait;
  /** Write scripts of this replica sent to Redis and not answered yet. */
  private final AtomicInteger writesInRedis = new AtomicInteger();
  /** When Redis last answered a write script of this replica ({@link System#nanoTime}). */
  private volatile long answeredAt = System.nanoTime();
  /**
   * When readiness's last check, timed out, found Redis busy ({@link #check}); readiness's thread
   * only. Null when that check did not, or passed.
   */
  private Long busyAt;
  /** Builds the write scripts' commands, sent on a connection taken first (see {@link #write}). */
  private final CommandObjects scripts = new CommandObjects();
  private final String redisName;
  private final int maxBasketSize;
  private final int maxNeighbours;
  private final String currencyCode;
  private final int maxEventsPerUser;
  private final long dedupeSeconds;
  private final StoreBounds bounds;
  private final int compactAfterLines;
  private final int snapshotChunkBytes;
  private volatile DatasetIndex index;
  /** The seed marker this replica found or wrote at start; {@link #requireData} looks for it. */
  private volatile String seedMarker;
  /** The fingerprint of the dataset this replica loaded; a re-seed reads it so or refuses it. */
  private String loadedFingerprint;
  /** What an erasure takes out of the seed's counts for each customer of the dataset this replica loaded. */
  private volatile SeededRows seededRows;
  /** Why the store refuses every call, once Redis was found without its seed marker; else null. */
  private volatile String dataLost;
  /**
   * Why reads and write scripts are refused at once, without a command sent: readiness's last
   * check of Redis ({@link #check}) failed, which is also what has the service report
   * NOT_SERVING; null once a check passes.
   */
  private volatile String unreachable;
  /**
   * Reads the dataset loaded at start again, to seed it again into a Redis found without it
   * ({@link #reseed}): read anew rather than kept, the indexed dataset (about 21 MB of heap for the
   * embedded data) is held only while seeding.
   */
  private Supplier<Dataset> datasetSource;
  /**
   * The seed lock's token while this replica holds it; released by whichever of the seed's end and
   * {@link #close} takes it from here first. Guarded by {@link #seedLockGuard}.
   */
  private String seedLockToken;
  /**
   * Held while seedOnce takes the seed lock or takes back its token, and while {@link #close} takes
   * the token.
   */
  private final Object seedLockGuard = new Object();
  /** Set by {@link #close}: a seed in progress stops at its next batch. */
  private volatile boolean closing;
  /** The dataset's statistics and item ids, which every co-purchase snapshot builds on. */
  private CoPurchaseIndex datasetCoPurchase;
  private List<String> datasetItemIds;
  /** The co-purchase statistics with the order lines read so far; guarded by itself. */
  private LiveOrders orders;
  private volatile long ordersSyncedAt;
  /**
   * Order lines this replica appended, and snapshots it took in the background: each is lines a
   * co-purchase read must read first.
   */
  private final AtomicLong orderChanges = new AtomicLong();
  /**
   * {@link #orderChanges} as of the start of the last sync that finished. Set only at its end, so
   * a read during a sync, which another thread started, waits for the orders' lock and reads on
   * itself, instead of taking the statistics as they were before the sync.
   */
  private volatile long orderChangesRead;
  /** Compacts the order lines, and reads a snapshot for co-purchase reads that found one newer. */
  private final ExecutorService background = Executors.newSingleThreadExecutor(task -> {
    Thread thread = new Thread(task, "order-lines-snapshots");
    thread.setDaemon(true);
    return thread;
  });
  /** Started by an ingestion that finds the stream past {@code compactAfterLines}. */
  private final BackgroundTask compactions =
      new BackgroundTask("compact the order lines", this::compactPastTheLinesKept, COMPACT_RETRY_NANOS);
  /** Started by a co-purchase read that finds a snapshot past its last read line. */
  private final BackgroundTask snapshotReads =
      new BackgroundTask("read the co-purchase snapshot", this::restoreInBackground, RESTORE_RETRY_NANOS);

  @Inject
  public RedisEventStore(JedisPooled redis, FeatureConfig config) {
    this(redis, config.redisNameAndSetting(),
        config.maxBasketSize(), config.coPurchaseNeighbours(), config.currencyCode(),
        config.storeBounds());
  }

  RedisEventStore(JedisPooled redis, String redisName, int maxBasketSize, int maxNeighbours,
      String currencyCode, StoreBounds bounds) {
    this(redis, redisName, maxBasketSize, maxNeighbours, currencyCode, bounds, COMPACT_AFTER_LINES,
        SNAPSHOT_CHUNK_BYTES, WRITE_SLOTS, WRITE_SLOT_WAIT);
  }

  /**
   * @param compactAfterLines order lines the stream holds before an ingestion past them starts a
   *     compaction
   * @param snapshotChunkBytes most bytes of a snapshot in one element of its list
   * @param writeSlots ingestion scripts in Redis at once ({@link #WRITE_SLOTS})
   * @param writeSlotWait the longest an ingestion waits for a slot ({@link #WRITE_SLOT_WAIT})
   */
  RedisEventStore(JedisPooled redis, String redisName, int maxBasketSize, int maxNeighbours,
      String currencyCode, StoreBounds bounds, int compactAfterLines, int snapshotChunkBytes,
      int writeSlots, Duration writeSlotWait) {
    this.writeSlots = new Semaphore(writeSlots, true);
    this.writeSlotWait = requireNonNull(writeSlotWait, "writeSlotWait");
    this.compactAfterLines = compactAfterLines;
    this.snapshotChunkBytes = snapshotChunkBytes;
    this.redis = requireNonNull(redis, "redis");
    this.redisName = requireNonNull(redisName, "redisName");
    this.maxBasketSize = maxBasketSize;
    this.maxNeighbours = maxNeighbours;
    this.currencyCode = requireNonNull(currencyCode, "currencyCode");
    this.bounds = requireNonNull(bounds, "bounds");
    this.maxEventsPerUser = bounds.maxEventsPerUser();
    this.dedupeSeconds = Math.max(1, bounds.dedupeWindow().toSeconds());
  }

  /**
   * Loads {@code dataset}, and keeps it to seed it again ({@link #reseed}): the raw dataset then
   * stays in memory for the store's life. For tests, which hand a dataset built in place;
   * {@link EventStore#load(Dataset)} makes it public. The service calls {@link #load(Supplier)},
   * which reads the files again instead.
   */
  @Override
  public void load(Dataset dataset) {
    load(() -> dataset);
  }

  /** Loads the dataset {@code read} returns, and calls it again to seed it again ({@link #reseed}). */
  @Override
  public synchronized void load(Supplier<Dataset> read) {
    if (index != null) {
      throw new IllegalStateException("the store is already loaded");
    }
    // Reach Redis first: an unreachable one fails the start before seconds of reading and indexing.
    run(this::reportDurability);
    Dataset dataset = read.get();
    DatasetIndex.Indexed indexed = DatasetIndex.build(dataset, maxBasketSize, maxNeighbours);
    DatasetSum sum = DatasetSum.of(dataset);
    run(() -> seedOnce(indexed, sum));
    loadedFingerprint = indexed.fingerprint();
    seededRows = SeededRows.of(dataset, sum);
    datasetSource = read;
    datasetCoPurchase = indexed.index().coPurchase();
    datasetItemIds = indexed.index().items().stream().map(Dataset.Item::itemId).toList();
    orders = new LiveOrders(datasetStatistics());
    // Starts from the snapshot the oldest lines were compacted into, if any (syncing sees it).
    run(() -> syncOrders(true));
    index = indexed.index();
  }

  /** The co-purchase statistics of the dataset alone, before any ingested order line. */
  private LiveCoPurchase datasetStatistics() {
    return new LiveCoPurchase(datasetCoPurchase, datasetItemIds, maxBasketSize, maxNeighbours,
        bounds.maxEvents(), bounds.dedupeWindow(), bounds.maxDedupeIds());
  }

  /**
   * Seeds the dataset again into a Redis that {@link #requireData} found without it, the way a
   * start does ({@link #seedOnce}: one replica takes the lock and seeds, the others wait for its
   * marker, so replicas sharing the Redis seed it once), then starts the co-purchase statistics
   * again from the dataset and the order lines Redis holds now, and serves again. Until it
   * returns every call still throws {@link StoreDataLostException}, so nothing is read from or
   * written into a half-seeded Redis through this replica. Once seeded it says again what a start
   * says of Redis's durability (the WARN of a Redis without an AOF). The dataset is read again: one
   * that reads otherwise than at start (its files changed) is refused as another dataset is, since this
   * replica's co-purchase statistics are the start's. Throws what reading and seeding throw
   * ({@link StoreUnavailableException}, {@link DatasetException} when the files changed or another
   * dataset was seeded meanwhile); the store then still refuses every call, and the caller tries
   * again later.
   */
  synchronized void reseed() {
    if (dataLost == null) {
      return;
    }
    Dataset dataset = datasetSource.get();
    // Compared before indexing: changed files are refused without seconds of indexing, and the
    // co-purchase statistics, kept from the start, are not built a second time beside them.
    String fingerprint = DatasetIndex.fingerprint(dataset);
    if (!loadedFingerprint.equals(fingerprint)) {
      throw new DatasetException("the dataset reads otherwise than when this service loaded it ("
          + shortName(fingerprint) + ", loaded " + shortName(loadedFingerprint) + "): its files changed; "
          + "not seeding Redis " + redisName + " with them; put the files back as they were loaded (the "
          + "re-seed resumes by itself), or restart every replica on that Redis with the new files");
    }
    DatasetIndex.Indexed indexed = DatasetIndex.buildForSeed(dataset, fingerprint);
    DatasetSum sum = DatasetSum.of(dataset);
    run(() -> seedOnce(indexed, sum));
    // Redis came back empty: maybe started otherwise than before (without its AOF), so said again.
    run(this::reportDurability);
    synchronized (orders) {
      // The lines counted so far were lost with Redis; its stream starts anew.
      orders.restart(datasetStatistics());
      run(() -> syncOrders(true));
    }
    orderChanges.incrementAndGet();
    dataLost = null;
  }

  /**
   * Copies the dataset into Redis unless it is there; one replica seeds, the others wait. The
   * dataset that Redis was seeded with less the rows of customers erased here since is there: its
   * marker stays, and so replicas still on the folder as seeded go on serving beside this one.
   *
   * @param sum the dataset's {@link DatasetSum}
   */
  private void seedOnce(DatasetIndex.Indexed indexed, DatasetSum sum) {
    String token = UUID.randomUUID().toString();
    long deadline = System.nanoTime() + SEED_WAIT_NANOS;
    while (true) {
      stopIfClosing();
      String present = redis.get(DATASET);
      boolean exact = (indexed.fingerprint() + LAYOUT).equals(present)
          || (indexed.fingerprint() + WITHDRAWN_LAYOUT).equals(present);
      boolean lessErased = !exact && present != null && present.endsWith(LAYOUT) && isSeededLessErased(sum);
      boolean seeded = exact || lessErased;
      String seededAs = lessErased ? present.substring(0, present.length() - LAYOUT.length()) : indexed.fingerprint();
      String wanted = seededAs + LAYOUT;
      String droppedSeeded = redis.get(DROPPED_SEEDED);
      String cutOrdersSeeded = redis.get(CUT_ORDERS_SEEDED);
      if (seeded && seededAs.equals(droppedSeeded) && seededAs.equals(cutOrdersSeeded)) {
        if (exact) {
          // A Redis seeded by a build before the sum: this folder is the one seeded.
          redis.setnx(SEED_SUM, sum.total());
        }
        log.info("Redis {} already holds dataset {}{}; not seeding", redisName, shortName(wanted),
            lessErased ? ", of which this folder lacks only rows of customers erased there" : "");
        seedMarker = wanted;
        return;
      }
      if (indexed.fingerprint().equals(present)) {
        throw new DatasetException("Redis " + redisName + " holds this dataset in an older key layout "
            + "(timelines without basket ids); delete the glassbox:* keys to seed it afresh");
      }
      if (present != null && !seeded) {
        throw new DatasetException("Redis " + redisName + " holds another dataset (" + shortName(present)
            + ", this service loaded " + shortName(wanted) + "); point " + FeatureConfig.REDIS_URI_KEY
            + " at an empty Redis database, or delete the glassbox:* keys to start afresh");
      }
      boolean locked = false;
      try {
        // The SET and handing close() the token are one step for close(): it either finds the
        // token and releases the lock, or comes first and this thread stops before the SET.
        synchronized (seedLockGuard) {
          stopIfClosing();
          locked = "OK".equals(redis.set(SEED_LOCK, token, SetParams.setParams().nx().ex(SEED_LOCK_SECONDS)));
          if (locked) {
            seedLockToken = token;
          }
        }
        if (locked) {
          if (!Objects.equals(present, redis.get(DATASET))
              || !Objects.equals(droppedSeeded, redis.get(DROPPED_SEEDED))
              || !Objects.equals(cutOrdersSeeded, redis.get(CUT_ORDERS_SEEDED))) {
            // Another replica finished between the read above and this lock: read again.
            continue;
          }
          if (seeded) {
            seedDroppedPurchases(indexed);
          } else {
            seed(indexed);
          }
          if (!lessErased) {
            redis.set(SEED_SUM, sum.total());
          }
          redis.set(CUT_ORDERS_SEEDED, seededAs);
          redis.set(DROPPED_SEEDED, seededAs);
          redis.set(DATASET, wanted);
          seedMarker = wanted;
          return;
        }
      } finally {
        boolean stillHeld;
        synchronized (seedLockGuard) {
          // close() holds the guard only to take the token, never across a Redis call.
          stillHeld = token.equals(seedLockToken);
          if (stillHeld) {
            seedLockToken = null;
          }
        }
        if (stillHeld) {
          releaseSeedLock(token);
        }
      }
      if (System.nanoTime() > deadline) {
        throw new StoreUnavailableException("another replica has been seeding Redis " + redisName
            + " for over 10 minutes", null);
      }
      log.info("Another replica is seeding Redis {}; waiting", redisName);
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreUnavailableException("interrupted while waiting for the seed", e);
      }
    }
  }

  /**
   * Whether the dataset summed to {@code sum} is the one Redis was seeded with less the rows of
   * some of the customers erased here since. False on a Redis seeded before {@link #SEED_SUM}.
   */
  private boolean isSeededLessErased(DatasetSum sum) {
    String seeded = redis.get(SEED_SUM);
    return seeded != null && sum.isLess(seeded, redis.smembers(SEED_ERASED));
  }

  /**
   * Writes the dataset. Idempotent, so a seed cut short (its lock expires) can simply be run
   * again: members are deterministic and counts are only set where absent.
   */
  private void seed(DatasetIndex.Indexed indexed) {
    long started = System.nanoTime();
    List<Dataset.Item> items = indexed.index().items();
    Map<String, Map<String, Double>> purchaseTimes = new HashMap<>();
    // The customers sent, and those of them whose writes Redis confirmed, for a seed it refuses.
    int usersSent = 0;
    int usersWritten = 0;
    try {
      try (Pipeline pipeline = redis.pipelined()) {
        long sequence = 0;
        int pending = 0;
        for (Map.Entry<String, List<Dataset.Interaction>> user : indexed.usersByActivity().entrySet()) {
          usersSent++;
          List<Dataset.Interaction> rows = user.getValue();
          Map<String, Double> members = new HashMap<>();
          for (int i = 0; i < rows.size(); i++) {
            sequence++;
            Dataset.Interaction row = rows.get(i);
            if (row.type() == EventType.PURCHASE) {
              purchaseTimes.computeIfAbsent(row.itemId(), k -> new HashMap<>())
                  .put(String.format("%016d", sequence), (double) row.epochSeconds());
            }
            if (i >= rows.size() - maxEventsPerUser) {
              members.put(TimelineMember.encode(row.nanos(), sequence, row.type(), row.basketId(), row.itemId()),
                  (double) row.epochSeconds());
            }
          }
          pipeline.zadd(timelineKey(user.getKey()), members);
          seedDroppedPurchases(pipeline, user.getKey(), rows);
          pipeline.hsetnx(USERS, user.getKey(), String.valueOf(rows.size()));
          pending += members.size();
          if (pending >= 20_000) {
            syncOrThrow(pipeline);
            usersWritten = usersSent;
            pending = 0;
            stopIfClosing();
          }
        }
        for (int item = 0; item < items.size(); item++) {
          String itemId = items.get(item).itemId();
          pipeline.hsetnx(INTERACTIONS, itemId, String.valueOf(indexed.interactionCounts()[item]));
          if (indexed.purchaseCounts()[item] > 0) {
            pipeline.zadd(POPULAR, -indexed.purchaseCounts()[item], itemId, ZAddParams.zAddParams().nx());
          }
        }
        for (Map.Entry<String, Map<String, Double>> item : purchaseTimes.entrySet()) {
          pipeline.zadd(purchasesKey(item.getKey()), item.getValue());
        }
        indexed.latestPurchaseTime().ifPresent(latest -> pipeline.set(LATEST,
            latest.getEpochSecond() + " " + TimelineMember.nanosField(latest.getNano()), SetParams.setParams().nx()));
        // Ingested events sort after every dataset event of the same time.
        pipeline.set(SEQUENCE, String.valueOf(sequence), SetParams.setParams().nx());
        syncOrThrow(pipeline);
        usersWritten = usersSent;
      }
      // The catalogue last, once the pipeline gave its connection back (one connection at a time):
      // an ingestion refuses an item the catalogue lacks, so one that another replica sends into a
      // Redis being seeded again is refused until everything else is in place, rather than counted
      // before the dataset's counts (which are only set where absent).
      writeItems(items);
    } catch (JedisDataException e) {
      if (!isOutOfMemory(e)) {
        throw e;
      }
      throw new StoreFullException("Redis " + redisName + " reached its maxmemory while seeding the data folder, "
          + "with " + usersWritten + " of " + indexed.usersByActivity().size() + " customers written ("
          + indexed.events() + " events, " + items.size() + " items in all): the folder needs more memory than "
          + "Redis may use, and a partial seed is never served; raise Redis's maxmemory (deploy's Redis: "
          + "--maxmemory in kubernetes/components/redis/redis.yaml or docker-compose.yml, with its memory limit) "
          + "and start again, the seed then writes over what is there and completes; or delete the glassbox:* "
          + "keys to free what this seed wrote", e);
    }
    log.info("Seeded Redis {} with the dataset in {} ms: {} items, {} users, {} events",
        redisName, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), items.size(),
        indexed.usersByActivity().size(), indexed.events());
  }

  /**
   * Writes the {@code d:<user>}, {@code c:<user>} and {@code cut:<user>} keys of a dataset user's
   * purchases ({@code rows}, oldest first) that the timeline does not keep (all but the last
   * {@code maxEventsPerUser} rows): their items, the order of the newest of them, and their orders
   * ({@link DroppedPurchases#cutOrders}), scored 0 for the one cut last and one less for each
   * before it, below every order an ingestion cut. Idempotent.
   */
  private void seedDroppedPurchases(AbstractPipeline pipeline, String userId, List<Dataset.Interaction> rows) {
    DroppedPurchases dropped = DroppedPurchases.of(rows, maxEventsPerUser);
    if (!dropped.items().isEmpty()) {
      pipeline.sadd(droppedKey(userId), dropped.items().toArray(String[]::new));
      // Only where absent, as every seed write: an ingestion since may have cut a newer order.
      pipeline.set(cutOrderKey(userId), dropped.lastOrder(), SetParams.setParams().nx());
    }
    List<String> cutOrders = dropped.cutOrders();
    if (!cutOrders.isEmpty()) {
      Map<String, Double> scores = new HashMap<>();
      for (int i = 0; i < cutOrders.size(); i++) {
        scores.put(cutOrders.get(i), (double) (i - (cutOrders.size() - 1)));
      }
      // An order an ingestion since cut again keeps its (higher) score; the cap holds as there.
      pipeline.zadd(cutOrdersKey(userId), scores, ZAddParams.zAddParams().nx());
      pipeline.zremrangeByRank(cutOrdersKey(userId), 0, -(maxEventsPerUser + 1L));
    }
  }

  /**
   * Completes a Redis seeded with this dataset by a build without the {@code d:}, {@code c:} or
   * {@code cut:} keys (no {@link #DROPPED_SEEDED} or {@link #CUT_ORDERS_SEEDED}): adds those keys for the dataset purchases the seed left out
   * of the timelines (idempotent; nothing else is touched). Purchases such a build dropped at
   * ingestion are not known to it: their items are not added.
   */
  private void seedDroppedPurchases(DatasetIndex.Indexed indexed) {
    try (Pipeline pipeline = redis.pipelined()) {
      for (Map.Entry<String, List<Dataset.Interaction>> user : indexed.usersByActivity().entrySet()) {
        seedDroppedPurchases(pipeline, user.getKey(), user.getValue());
      }
      syncOrThrow(pipeline);
    }
    log.info("Added to Redis {} the items of the dataset purchases its timelines do not keep", redisName);
  }

  /**
   * Sends what {@code pipeline} holds and throws the first reply that is an error: {@code sync}
   * alone keeps errors in replies nobody reads, so a seed past Redis's maxmemory would go on and
   * write its marker over the writes Redis refused.
   */
  private static void syncOrThrow(Pipeline pipeline) {
    for (Object reply : pipeline.syncAndReturnAll()) {
      if (reply instanceof JedisDataException refused) {
        throw refused;
      }
    }
  }

  /** Whether Redis refused a write for want of memory (maxmemory reached, with noeviction). */
  private static boolean isOutOfMemory(JedisDataException e) {
    return e.getMessage() != null && e.getMessage().startsWith("OOM");
  }

  /**
   * Stops a seed once {@link #close} began, so that shutting down does not wait for it: seeding is
   * idempotent, and another replica (or this one's next start) runs it again.
   */
  private void stopIfClosing() {
    if (closing) {
      throw new StoreUnavailableException("the store closed while seeding Redis " + redisName, null);
    }
  }

  /**
   * Deletes the seed lock if {@code token} still holds it, so replicas waiting for it seed at once
   * rather than after its expiry. Failing that (Redis closed or unreachable) the lock expires.
   */
  private void releaseSeedLock(String token) {
    try {
      redis.eval(RELEASE_LOCK_SCRIPT, List.of(SEED_LOCK), List.of(token));
    } catch (JedisException e) {
      log.warn("Cannot release the seed lock on Redis {} ({}); other replicas seed once it expires, within {} s",
          redisName, e.getMessage(), SEED_LOCK_SECONDS);
    }
  }

  private void reportDurability() {
    try {
      String aof = configValue("appendonly");
      String fsync = configValue("appendfsync");
      if (!"yes".equals(aof)) {
        log.warn("Redis {} runs without appendonly: acknowledged events are lost when Redis restarts; "
            + "run it with --appendonly yes --appendfsync always", redisName);
      } else if ("everysec".equals(fsync)) {
        // deploy's own Redis runs so (docker-compose, kubernetes): a documented choice, said once at INFO.
        log.info("Redis {} syncs its AOF every second (appendfsync everysec): a Redis crash loses no "
            + "acknowledged event while its disk keeps up; while a background fsync is slow Redis postpones the "
            + "AOF write by up to 2 s and still replies (its log says \"Asynchronous AOF fsync is taking too "
            + "long\"), so a crash then loses up to 2 s of them, as a machine failure can; --appendfsync always "
            + "loses none", redisName);
      } else if (!"always".equals(fsync)) {
        log.warn("Redis {} syncs its AOF '{}': the operating system decides when acknowledged events reach "
            + "disk, and a machine failure can lose them; --appendfsync always loses none", redisName, fsync);
      }
    } catch (JedisDataException e) {
      // CONFIG is often disabled on managed Redis; the operator owns durability there.
      log.info("Cannot read Redis {} persistence settings ({}); make sure AOF is on", redisName, e.getMessage());
    }
  }

  /** One server setting via CONFIG GET (a list of name, value). */
  private String configValue(String name) {
    Object reply = redis.sendCommand(Protocol.Command.CONFIG, "GET", name);
    if (reply instanceof List<?> pair && pair.size() == 2 && pair.get(1) instanceof byte[] value) {
      return new String(value, StandardCharsets.UTF_8);
    }
    return null;
  }

  @Override
  public boolean isReady() {
    return index != null;
  }

  @Override
  public StoreKind kind() {
    return StoreKind.REDIS;
  }

  private DatasetIndex index() {
    DatasetIndex current = index;
    if (current == null) {
      throw new StoreNotReadyException();
    }
    if (dataLost != null) {
      throw new StoreDataLostException(dataLost);
    }
    return current;
  }

  /**
   * Throws {@link StoreDataLostException} when Redis no longer holds the seed marker this replica
   * found or wrote at start: Redis restarted empty (no AOF, or a new data directory) or was flushed,
   * so the catalogue and the histories are gone and every read or write would answer as if items
   * and users did not exist. From then on every call throws it, until {@link #reseed} has seeded
   * the dataset again.
   */
  void requireData() {
    index();
    requireMarker(read(() -> redis.get(DATASET)));
  }

  /**
   * Readiness's check of Redis ({@link SeededStorePing}): {@code ping}, then {@link #requireData},
   * which reads Redis even while the last check failed. A check that fails on anything but lost
   * data (a ping unanswered within its deadline or refused, the marker's read timed out) is what
   * has readiness report NOT_SERVING; until the next check passes, half a second later on a Redis
   * that answers, reads and write scripts are refused at once with
   * {@link StoreUnavailableException}, nothing sent, rather than each waiting out the command
   * timeout of a hung Redis. Lost data is {@link #dataLost}'s to refuse.
   *
   * <p>A check that timed out while this replica's write scripts wait in Redis passes, and so does
   * the next one that times out if Redis answered a write since: Redis is busy, not down. It
   * answers commands in the order they came, so a PING sent behind queued scripts waits for them
   * all (on a 2-core machine at load 15, two replicas' ingestions of 1000 events had it wait past its
   * 1.5 s deadline four times in 26 s, each taking the replica out of service and refusing its
   * calls). A Redis that hangs answers nothing: idle, it is NOT_SERVING as before (about 2 s);
   * hung in the middle of an ingestion, at the second check (about 4 s).
   */
  void check(StorePing ping) {
    try {
      ping.ping();
      index();
      requireMarker(readAnyway(() -> redis.get(DATASET)));
      busyAt = null;
    } catch (StoreDataLostException e) {
      busyAt = null;
      unreachable = null;
      throw e;
    } catch (RuntimeException e) {
      if (!busy(e)) {
        unreachable = "readiness's last check failed (" + e.getMessage()
            + "); refused without asking Redis until a check passes";
        throw e;
      }
      BUSY.log(log, Level.INFO, "Redis {} is busy: readiness's check timed out ({}) while this replica's writes "
          + "waited in it; the service stays SERVING", redisName, e.getMessage());
    }
    unreachable = null;
  }

  /** Write scripts of this replica sent to Redis and not answered yet; for tests. */
  int writesInRedis() {
    return writesInRedis.get();
  }

  /**
   * Whether {@code failure} is a busy Redis's: a timeout while this replica's writes wait in Redis,
   * the first such, or one that Redis answered a write since.
   */
  private boolean busy(RuntimeException failure) {
    boolean timedOut = failure instanceof StoreUnavailableException && failure.getCause() != null
        && RedisPing.timedOut(failure.getCause());
    Long before = busyAt;
    busyAt = null;
    if (timedOut && (before == null ? writesInRedis.get() > 0 : answeredAt - before > 0)) {
      busyAt = System.nanoTime();
      return true;
    }
    return false;
  }

  /** As {@link #requireData}, given the seed marker Redis holds now ({@code present}; null when gone). */
  private void requireMarker(String present) {
    if (!seedMarker.equals(present)) {
      dataLost = "Redis " + redisName + " no longer holds the dataset this service loaded (its seed marker "
          + DATASET + " is " + (present == null ? "gone" : "now " + shortName(present))
          + ": Redis restarted empty or was flushed); events ingested since Redis last persisted them are lost";
      throw new StoreDataLostException(dataLost);
    }
  }

  @Override
  public UserHistory history(String userId, int maxEvents) {
    index();
    return read(() -> {
      Response<List<Tuple>> members;
      Response<String> total;
      Response<String> marker;
      try (AbstractPipeline pipeline = redis.pipelined()) {
        members = pipeline.zrangeWithScores(timelineKey(userId), -maxEvents, -1);
        total = pipeline.hget(USERS, userId);
        marker = pipeline.get(DATASET);
        pipeline.sync();
      }
      // A retained timeline implies a count; the count alone (0 kept) still means known.
      if (total.get() == null) {
        // A Redis that restarted empty knows no user: say so now, not only at the next ping.
        requireMarker(marker.get());
        return UserHistory.unknown();
      }
      return new UserHistory(decode(members.get()), Long.parseLong(total.get()), true);
    });
  }

  @Override
  public HistoryWithRegularItems historyWithRegularItems(
      String userId, int maxEvents, int minBaskets, int maxItems) {
    index();
    return read(() -> {
      Response<List<Tuple>> members;
      Response<String> total;
      Response<String> cutOrder;
      Response<List<String>> cutOrders;
      try (AbstractPipeline pipeline = redis.pipelined()) {
        members = pipeline.zrangeWithScores(timelineKey(userId), 0, -1);
        total = pipeline.hget(USERS, userId);
        cutOrder = pipeline.get(cutOrderKey(userId));
        cutOrders = pipeline.zrange(cutOrdersKey(userId), 0, -1);
        pipeline.sync();
      }
      if (total.get() == null) {
        return HistoryWithRegularItems.unknown(minBaskets, maxItems);
      }
      // c: too: a build before cut: (a rolling update, a rollback) writes only the last cut order.
      Set<String> cut = new HashSet<>(cutOrders.get());
      if (cutOrder.get() != null && !cutOrder.get().isEmpty()) {
        cut.add(cutOrder.get());
      }
      return HistoryWithRegularItems.of(decode(members.get()), Long.parseLong(total.get()), maxEvents,
          minBaskets, maxItems, cut);
    });
  }

  private static List<RecordedEvent> decode(List<Tuple> members) {
    List<RecordedEvent> events = new ArrayList<>(members.size());
    for (Tuple member : members) {
      events.add(TimelineMember.decode(member.getElement(), (long) member.getScore()));
    }
    return events;
  }

  @Override
  public Optional<UserItems> userItems(String userId, int maxRecent) {
    index();
    return read(() -> {
      Response<List<String>> timeline;
      Response<Set<String>> dropped;
      try (AbstractPipeline pipeline = redis.pipelined()) {
        timeline = pipeline.zrange(timelineKey(userId), 0, -1);
        dropped = pipeline.smembers(droppedKey(userId));
        pipeline.sync();
      }
      List<String> members = timeline.get();
      if (members.isEmpty()) {
        return Optional.empty();
      }
      UserItems.Collector items = new UserItems.Collector(maxRecent);
      for (int i = members.size() - 1; i >= 0; i--) {
        items.add(TimelineMember.itemId(members.get(i)), TimelineMember.type(members.get(i)));
      }
      items.addDroppedPurchases(dropped.get());
      return Optional.of(items.collected());
    });
  }

  @Override
  public Optional<CatalogItem> item(String itemId) {
    return Optional.ofNullable(items(List.of(itemId)).get(itemId));
  }

  @Override
  public Map<String, CatalogItem> items(Collection<String> itemIds) {
    index();
    if (itemIds.isEmpty()) {
      return Map.of();
    }
    String[] ids = itemIds.toArray(String[]::new);
    return read(() -> {
      Response<List<String>> rows;
      Response<List<String>> counts;
      try (AbstractPipeline pipeline = redis.pipelined()) {
        rows = pipeline.hmget(ITEMS, ids);
        counts = pipeline.hmget(INTERACTIONS, ids);
        pipeline.sync();
      }
      Map<String, CatalogItem> found = new HashMap<>();
      for (int i = 0; i < ids.length; i++) {
        String row = rows.get().get(i);
        if (row != null) {
          String count = counts.get().get(i);
          found.put(ids[i], StoredItem.decode(ids[i], row, currencyCode,
              count == null ? 0 : Long.parseLong(count)));
        }
      }
      return found;
    });
  }

  @Override
  public List<CoPurchaseNeighbour> coPurchaseNeighbours(String itemId) {
    return coPurchaseGraph().neighboursOf(itemId);
  }

  @Override
  public int maxBasketSize() {
    return maxBasketSize;
  }

  /**
   * The statistics with every order line this replica ingested, and other replicas' lines as of
   * at most {@link #ORDER_SYNC_NANOS} ago: lines not read yet are read first.
   */
  @Override
  public CoPurchaseGraph coPurchaseGraph() {
    index();
    if (orderChanges.get() != orderChangesRead || System.nanoTime() - ordersSyncedAt > ORDER_SYNC_NANOS) {
      read(() -> {
        syncOrders(false);
        return null;
      });
    }
    return orders.live.graph();
  }

  /**
   * Reads the order lines added to the stream since the last read into the statistics; first
   * takes the snapshot's statistics when the snapshot holds lines past the last read (which may
   * be trimmed: at start, or when this replica read none while another compacted).
   *
   * @param restoreHere whether to take the snapshot before returning; else it is read in the
   *     background (a second or two at a million counts) and this replica's statistics stay as
   *     they were until then, so co-purchase reads do not wait for it, unless an erasure withdrew
   *     orders after the last read line: then it is taken here too, so no read answers with the
   *     withdrawn orders' counts
   */
  private void syncOrders(boolean restoreHere) {
    synchronized (orders) {
      long changes = orderChanges.get();
      long started = System.nanoTime();
      boolean more;
      do {
        Response<List<StreamEntry>> read;
        Response<String> snapshotValue;
        Response<String> lastWithdrawal;
        try (AbstractPipeline pipeline = redis.pipelined()) {
          read = pipeline.xrange(ORDER_LINES, "(" + orders.cursor, "+", ORDER_LINES_PER_READ);
          // Asked after the lines: a snapshot only moves forward and lines are trimmed only up to
          // it, so one not past the cursor now was not when the lines were read: none was missing.
          snapshotValue = pipeline.get(ORDERS_SNAPSHOT);
          lastWithdrawal = pipeline.get(ORDERS_LAST_WITHDRAWAL);
          pipeline.sync();
        }
        OrdersSnapshot snapshot = OrdersSnapshot.parse(snapshotValue.get());
        StreamEntryID cursor = new StreamEntryID(orders.cursor);
        if (snapshot != null && snapshot.cursor().compareTo(cursor) > 0) {
          // An erasure since the last read line: the statistics held may count its withdrawn
          // orders, which must not be answered; its line may be among the trimmed ones.
          boolean withdrawnSince = lastWithdrawal.get() != null
              && new StreamEntryID(lastWithdrawal.get()).compareTo(cursor) > 0;
          if (!restoreHere && !withdrawnSince) {
            snapshotReads.request();
            break;
          }
          orders.restore(readSnapshot());
          more = true;
        } else {
          List<StreamEntry> lines = read.get();
          orders.add(lines);
          more = lines.size() == ORDER_LINES_PER_READ;
        }
      } while (more);
      ordersSyncedAt = started;
      orderChangesRead = changes;
      if (orders.live.isFull() && !orders.fullLogged) {
        orders.fullLogged = true;
        log.warn("Co-purchase statistics hold {} counts, their bound ({}): ingested orders are no longer "
            + "counted", orders.live.pairsHeld(), FeatureConfig.MAX_EVENTS_KEY);
      }
    }
  }

  /** Takes the latest snapshot (on the background thread); the next co-purchase read reads on from it. */
  private void restoreInBackground() {
    // Asked for again while the run before read it: that one took it.
    OrdersSnapshot named = OrdersSnapshot.parse(call(() -> redis.get(ORDERS_SNAPSHOT)));
    synchronized (orders) {
      if (named == null || named.cursor().compareTo(new StreamEntryID(orders.cursor)) <= 0) {
        return;
      }
    }
    RestoredOrders restored = call(this::readSnapshot);
    synchronized (orders) {
      // A compaction this replica ran since may have read on past it.
      if (restored.cursor().compareTo(new StreamEntryID(orders.cursor)) > 0) {
        orders.restore(restored);
      }
    }
    orderChanges.incrementAndGet();
  }

  /** Statistics read from a snapshot, and its last line. */
  private record RestoredOrders(LiveCoPurchase live, StreamEntryID cursor) {
  }

  /**
   * The latest snapshot's statistics. A newer snapshot may drop the one being
   * read: then it reads the newer one. Fails, saying why, when the snapshot is gone or its bytes
   * do not match it while it is still named.
   */
  private RestoredOrders readSnapshot() {
    String tried = null;
    for (int tries = 1; ; tries++) {
      String value = redis.get(ORDERS_SNAPSHOT);
      if (value == null) {
        // Only by hand: a compaction replaces the name, never deletes it; the lines are trimmed.
        throw new StoreUnavailableException("the co-purchase snapshot of Redis " + redisName + " ("
            + ORDERS_SNAPSHOT + ") was deleted while read; the order lines before it are gone", null);
      }
      if (value.equals(tried)) {
        // The same snapshot named again, not a newer one: its bytes were changed (by hand, or by
        // a compaction that lost its lock in an earlier build).
        throw new StoreUnavailableException("the co-purchase snapshot of Redis " + redisName + " ("
            + ORDERS_SNAPSHOT + " " + value + ") does not match its CRC-32; the next compaction replaces it", null);
      }
      tried = value;
      OrdersSnapshot snapshot = OrdersSnapshot.parse(value);
      byte[] state = snapshotBytes(snapshot);
      if (state != null) {
        LiveCoPurchase live;
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
          live = LiveCoPurchase.restored(in, datasetCoPurchase, datasetItemIds, maxBasketSize, maxNeighbours,
              bounds.maxEvents(), bounds.dedupeWindow(), bounds.maxDedupeIds());
        } catch (IOException e) {
          throw new StoreUnavailableException("Redis " + redisName + " holds co-purchase statistics ("
              + ORDERS_SNAPSHOT + ") this service cannot read", e);
        }
        log.info("Read the co-purchase statistics of the order lines up to {} from Redis {} ({} bytes)",
            snapshot.cursor(), redisName, state.length);
        return new RestoredOrders(live, snapshot.cursor());
      }
      if (tries == SNAPSHOT_READ_TRIES) {
        throw new StoreUnavailableException("the co-purchase snapshot of Redis " + redisName
            + " was replaced while read, " + tries + " times", null);
      }
    }
  }

  /** The snapshot's bytes; null when they are no longer all there (a newer snapshot dropped them). */
  private byte[] snapshotBytes(OrdersSnapshot snapshot) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] key = bytes(snapshot.chunksKey());
    for (int from = 0; from < snapshot.chunks(); from += SNAPSHOT_CHUNKS_PER_READ) {
      int to = Math.min(snapshot.chunks(), from + SNAPSHOT_CHUNKS_PER_READ);
      List<byte[]> chunks = redis.lrange(key, from, to - 1);
      if (chunks.size() != to - from) {
        return null;
      }
      chunks.forEach(bytes::writeBytes);
    }
    byte[] state = bytes.toByteArray();
    return crc(state) == snapshot.crc() ? state : null;
  }

  private static long crc(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return crc.getValue();
  }

  /**
   * Compacts unless the stream holds no more than {@code compactAfterLines} lines now: a
   * compaction asked for while the one before ran finds all but the lines ingested meanwhile trimmed.
   */
  private void compactPastTheLinesKept() {
    if (call(() -> redis.xlen(ORDER_LINES)) > compactAfterLines) {
      compactOrderLines();
    }
  }

  /**
   * Compacts the order lines: writes this replica's co-purchase statistics, as of the last line
   * it read, into a snapshot and trims the lines up to that one from the stream. A replica that
   * starts, or that read none of the trimmed lines, takes the snapshot's statistics and reads on
   * from its last line, so every replica still holds the counts of every line (a count depends
   * on every line before it: orders stay open, and statistics that are full stop counting). One
   * replica at a time (a lock, checked by every write); each compaction writes a list of its own,
   * and the old snapshot stays named until the new one is whole, so a replica that stops half-way
   * or stalls past its lock leaves the snapshot in force as it was. Started by an ingestion that finds the stream
   * past {@code compactAfterLines}.
   *
   * @return whether it compacted (not when another replica holds the lock, or no line came since
   *     the last snapshot)
   */
  boolean compactOrderLines() {
    index();
    String token = UUID.randomUUID().toString();
    return call(() -> {
      if (!"OK".equals(redis.set(ORDERS_COMPACT_LOCK, token, SetParams.setParams().nx().px(ORDERS_COMPACT_LOCK_MILLIS)))) {
        return false;
      }
      try {
        return writeSnapshot(token);
      } finally {
        redis.eval(RELEASE_LOCK_SCRIPT, List.of(ORDERS_COMPACT_LOCK), List.of(token));
      }
    });
  }

  private boolean writeSnapshot(String lockToken) {
    String previousValue = redis.get(ORDERS_SNAPSHOT);
    OrdersSnapshot previous = OrdersSnapshot.parse(previousValue);
    String cursor;
    byte[] state;
    synchronized (orders) {
      // Under the lock no other snapshot comes: after syncing, the cursor is at or past previous's.
      syncOrders(true);
      cursor = orders.cursor;
      if (cursor.equals(LiveOrders.START) || previous != null && previous.cursor().toString().equals(cursor)) {
        return false;
      }
      state = orders.state();
    }
    Long generation = (Long) redis.eval(BEGIN_SNAPSHOT_SCRIPT,
        List.of(ORDERS_COMPACT_LOCK, ORDERS_SNAPSHOT_GENERATION, ORDERS_SNAPSHOT_PENDING, ORDERS_SNAPSHOT),
        List.of(lockToken, OrdersSnapshot.KEY_PREFIX));
    if (generation == null) {
      return lockLost();
    }
    int chunks = (state.length + snapshotChunkBytes - 1) / snapshotChunkBytes;
    OrdersSnapshot next = new OrdersSnapshot(generation, new StreamEntryID(cursor), chunks, crc(state));
    boolean switched = false;
    try {
      switched = writeAndName(next, state, lockToken, previous, previousValue);
    } finally {
      if (!switched) {
        dropPending(next);
      }
    }
    if (!switched) {
      return lockLost();
    }
    log.info("Compacted the order lines of Redis {} up to {} into a snapshot of {} bytes", redisName, cursor,
        state.length);
    return true;
  }

  /** Writes the snapshot's list and names it; false when the lock was lost meanwhile. */
  private boolean writeAndName(OrdersSnapshot next, byte[] state, String lockToken, OrdersSnapshot previous,
      String previousValue) {
    List<byte[]> keys = List.of(bytes(ORDERS_COMPACT_LOCK), bytes(next.chunksKey()));
    for (int from = 0; from < state.length; from += snapshotChunkBytes) {
      byte[] chunk = Arrays.copyOfRange(state, from, Math.min(state.length, from + snapshotChunkBytes));
      if (!Long.valueOf(1).equals(redis.eval(APPEND_SNAPSHOT_SCRIPT, keys, List.of(bytes(lockToken), chunk)))) {
        return false;
      }
    }
    String previousKey = previous == null ? OrdersSnapshot.chunksKey(0) : previous.chunksKey();
    return Long.valueOf(1).equals(redis.eval(SWITCH_SNAPSHOT_SCRIPT,
        List.of(ORDERS_COMPACT_LOCK, ORDERS_SNAPSHOT, next.chunksKey(), previousKey, ORDER_LINES,
            ORDERS_SNAPSHOT_PENDING),
        List.of(lockToken, String.valueOf(next.chunks()), next.value(), next.cursor().toString(),
            previousValue == null ? "" : previousValue)));
  }

  /**
   * Drops what a compaction that did not name its snapshot wrote (Redis full, lock lost), so it
   * does not hold memory until the next compaction; if Redis cannot be reached, the next one does.
   */
  private void dropPending(OrdersSnapshot unnamed) {
    try {
      redis.eval(DROP_PENDING_SCRIPT, List.of(ORDERS_SNAPSHOT_PENDING, unnamed.chunksKey()), List.of());
    } catch (JedisException e) {
      log.debug("Could not drop the unnamed snapshot list {} of Redis {}", unnamed.chunksKey(), redisName, e);
    }
  }

  /** A compaction that lost its lock leaves what is named as it was; the next one drops its list. */
  private boolean lockLost() {
    log.warn("Compacting the order lines of Redis {} took over {} ms: its lock expired; left as it was",
        redisName, ORDERS_COMPACT_LOCK_MILLIS);
    return false;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Work run on the background thread when asked, unless it is waiting to run, or failed less
   * than {@code backOffNanos} ago (Redis full or unreachable: trying at every ingestion or read
   * would redo the work and log each time). Asked while it runs, it runs once more after: the run
   * may have read the lines before the ones that asked.
   */
  private final class BackgroundTask {
    private final String what;
    private final Runnable work;
    private final long backOffNanos;
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile long retryAt = System.nanoTime();

    BackgroundTask(String what, Runnable work, long backOffNanos) {
      this.what = what;
      this.work = work;
      this.backOffNanos = backOffNanos;
    }

    void request() {
      if (System.nanoTime() - retryAt < 0 || !queued.compareAndSet(false, true)) {
        return;
      }
      try {
        background.execute(() -> {
          queued.set(false);
          if (System.nanoTime() - retryAt < 0) {
            return;   // the run before, asked for while this one waited, failed
          }
          try {
            work.run();
          } catch (RuntimeException e) {
            retryAt = System.nanoTime() + backOffNanos;
            log.warn("Could not {} of Redis {}; not tried again for {} s", what, redisName,
                TimeUnit.NANOSECONDS.toSeconds(backOffNanos), e);
          }
        });
      } catch (RejectedExecutionException e) {
        // Closing: the ingestion or read that asked has done its part; a replica still running does this.
        queued.set(false);
      }
    }
  }

  /**
   * What {@code orders-snapshot} holds: "<generation> <last line> <chunks> <CRC-32>". The bytes
   * are in the list {@code orders-snapshot:<generation>}, {@code chunks} elements long.
   */
  private record OrdersSnapshot(long generation, StreamEntryID cursor, int chunks, long crc) {
    static final String KEY_PREFIX = ORDERS_SNAPSHOT + ":";

    static OrdersSnapshot parse(String value) {
      if (value == null) {
        return null;
      }
      String[] fields = value.split(" ");
      return new OrdersSnapshot(Long.parseLong(fields[0]), new StreamEntryID(fields[1]), Integer.parseInt(fields[2]),
          Long.parseLong(fields[3]));
    }

    String value() {
      return generation + " " + cursor + " " + chunks + " " + crc;
    }

    String chunksKey() {
      return chunksKey(generation);
    }

    static String chunksKey(long generation) {
      return KEY_PREFIX + generation;
    }
  }

  /**
   * This replica's co-purchase statistics and how far it has read the order lines. Every replica
   * reads the same lines in the same order, so all hold the same counts; an item the dataset lacks
   * gets its index when a line first names it.
   */
  private static final class LiveOrders {
    static final String START = "0-0";
    /** Replaced when the statistics are restored from a snapshot; read without the lock. */
    volatile LiveCoPurchase live;
    String cursor = START;
    boolean fullLogged;

    LiveOrders(LiveCoPurchase live) {
      this.live = live;
    }

    /** Starts again from {@code fresh}, before the first order line (Redis lost the lines). */
    void restart(LiveCoPurchase fresh) {
      live = fresh;
      cursor = START;
      fullLogged = false;
    }

    /** Takes statistics restored from a snapshot. */
    void restore(RestoredOrders restored) {
      live = restored.live();
      cursor = restored.cursor().toString();
    }

    /** The statistics as {@link LiveCoPurchase#writeTo} writes them. */
    byte[] state() {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        live.writeTo(out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);   // a byte array does not fail
      }
      return bytes.toByteArray();
    }

    void add(List<StreamEntry> lines) {
      if (lines.isEmpty()) {
        return;
      }
      CoPurchaseGraph known = live.graph();
      List<String> newItems = lines.stream().map(line -> line.getFields().get("i"))
          .filter(item -> item != null && known.indexOf(item) < 0).distinct().toList();
      if (!newItems.isEmpty()) {
        live.addItems(newItems);
      }
      CoPurchaseGraph graph = live.graph();
      for (StreamEntry line : lines) {
        Map<String, String> fields = line.getFields();
        String withdrawn = fields.get(WITHDRAWN_USER);
        if (withdrawn != null) {
          Predicate<String> isUser = user -> withdrawnUser(user).equals(withdrawn);
          List<int[]> orders = withdrawnOrders(fields.get(WITHDRAWN_ORDERS), graph);
          String baskets = fields.get(WITHDRAWN_BASKETS);
          if (baskets == null) {
            live.withdrawAsListed(isUser, orders);
          } else {
            live.withdraw(isUser, keyed(baskets, orders), RedisEventStore::withdrawnBasket);
          }
          continue;
        }
        // Added at the entry's time (Redis's clock, the same for every replica).
        live.add(fields.get("u"), fields.get("b"), graph.indexOf(fields.get("i")), line.getID().getTime());
      }
      cursor = lines.get(lines.size() - 1).getID().toString();
      live.publish();
    }
  }

  /**
   * A withdrawal line's orders by their keys ({@link #withdrawnBasket}), which the line lists in
   * the same order. A line of a build before the keys ({@link LiveCoPurchase#withdrawAsListed}) has
   * none: its replicas forgot the user's open orders without withdrawing them, and every replica
   * reading the line counts alike.
   */
  private static Map<String, int[]> keyed(String baskets, List<int[]> orders) {
    String[] keys = baskets.split(ORDER_SEPARATOR, -1);
    Map<String, int[]> keyed = new HashMap<>();
    for (int i = 0; i < orders.size(); i++) {
      keyed.put(keys[i], orders.get(i));
    }
    return keyed;
  }

  /** The orders of a withdrawal line, as item indices of {@code graph} (items it lacks left out). */
  private static List<int[]> withdrawnOrders(String orders, CoPurchaseGraph graph) {
    List<int[]> indices = new ArrayList<>();
    for (String order : orders.isEmpty() ? new String[0] : orders.split(ORDER_SEPARATOR)) {
      indices.add(Arrays.stream(order.split(ITEM_SEPARATOR)).mapToInt(graph::indexOf).filter(i -> i >= 0).toArray());
    }
    return indices;
  }

  @Override
  public List<PopularItem> mostPurchased(int maxItems) {
    index();
    if (maxItems <= 0) {
      return List.of();
    }
    return read(() -> popularItems(redis.zrangeWithScores(POPULAR, 0, maxItems - 1)));
  }

  @Override
  public Popularity popularity(int maxItems) {
    index();
    return read(() -> {
      Response<List<Tuple>> top;
      Response<Long> size;
      try (AbstractPipeline pipeline = redis.pipelined()) {
        // ZRANGE 0 -1 would be the whole ranking: none asked, none read.
        top = maxItems > 0 ? pipeline.zrangeWithScores(POPULAR, 0, maxItems - 1) : null;
        size = pipeline.zcard(POPULAR);
        pipeline.sync();
      }
      return new Popularity(top == null ? List.of() : popularItems(top.get()), Math.toIntExact(size.get()));
    });
  }

  /** The popularity set's members, scored −purchases. */
  private static List<PopularItem> popularItems(List<Tuple> members) {
    List<PopularItem> items = new ArrayList<>(members.size());
    for (Tuple member : members) {
      items.add(new PopularItem(member.getElement(), (long) -member.getScore()));
    }
    return items;
  }

  @Override
  public Optional<Instant> latestPurchaseTime() {
    index();
    return latest(read(() -> redis.get(LATEST)));
  }

  /** The {@code latest} key's value ({@code "<epoch second> <nanos>"}); null or empty: none. */
  private static Optional<Instant> latest(String value) {
    if (value == null || value.isEmpty()) {
      return Optional.empty();
    }
    int space = value.indexOf(' ');
    return Optional.of(Instant.ofEpochSecond(Long.parseLong(value.substring(0, space)),
        Integer.parseInt(value.substring(space + 1))));
  }

  @Override
  public long[] recentPurchases(List<String> itemIds, Instant asOf, Duration window) {
    index();
    // Whole seconds s with asOf - window <= s < asOf, as the in-memory store counts them.
    Instant from = asOf.minus(window);
    long first = from.getNano() == 0 ? from.getEpochSecond() : from.getEpochSecond() + 1;
    long last = (asOf.getNano() == 0 ? asOf.getEpochSecond() : asOf.getEpochSecond() + 1) - 1;
    long[] counts = new long[itemIds.size()];
    if (itemIds.isEmpty() || first > last) {
      return counts;
    }
    List<Response<Long>> replies = read(() -> {
      List<Response<Long>> pending = new ArrayList<>(itemIds.size());
      try (AbstractPipeline pipeline = redis.pipelined()) {
        for (String itemId : itemIds) {
          pending.add(pipeline.zcount(purchasesKey(itemId), first, last));
        }
        pipeline.sync();
      }
      return pending;
    });
    for (int i = 0; i < counts.length; i++) {
      counts[i] = replies.get(i).get();
    }
    return counts;
  }

  @Override
  public AppendResult append(List<NewEvent> events) {
    index();
    NewEvent.requireConsistentIds(events);
    boolean ordersAdded = false;
    List<String> keys = new ArrayList<>(7 + 6 * events.size());
    keys.addAll(List.of(ITEMS, INTERACTIONS, POPULAR, USERS, SEQUENCE, LATEST, ORDER_LINES));
    List<String> args = new ArrayList<>(2 + FIELDS_PER_EVENT * events.size());
    args.add(String.valueOf(maxEventsPerUser));
    args.add(String.valueOf(dedupeSeconds));
    for (NewEvent event : events) {
      RecordedEvent recorded = event.event();
      keys.add(timelineKey(event.userId()));
      keys.add(event.eventId().isEmpty() ? "" : PREFIX + "e:" + event.dedupeKey());
      keys.add(purchasesKey(recorded.itemId()));
      keys.add(droppedKey(event.userId()));
      keys.add(cutOrderKey(event.userId()));
      keys.add(cutOrdersKey(event.userId()));
      args.add(event.userId());
      args.add(recorded.itemId());
      args.add(String.valueOf(recorded.time().getEpochSecond()));
      args.add(TimelineMember.nanosField(recorded.time().getNano()));
      args.add(TimelineMember.kindField(recorded.type(), recorded.basketId()));
      args.add(recorded.type() == EventType.PURCHASE ? "1" : "0");
      args.add(event.identity().stored());
      args.add(recorded.basketId());
      args.add(String.valueOf(event.copy()));
      args.add(event.identity().text(UnaryOperator.identity()));
      args.add(event.identity().encoded());
      ordersAdded |= recorded.type() == EventType.PURCHASE && !recorded.basketId().isEmpty();
    }
    List<?> reply = (List<?>) inWriteSlot(() -> write(APPEND_SCRIPT, keys, args));
    int value = ((Long) reply.get(1)).intValue();
    if ((Long) reply.get(0) == -1) {
      // An empty Redis knows no item: that is a lost store, not an unknown item.
      requireData();
      throw new UnknownItemException(value, events.get(value).event().itemId());
    }
    if ((Long) reply.get(0) == -2) {
      throw new EventIdConflictException(value, storedIdentity((String) reply.get(2)));
    }
    if (ordersAdded) {
      // This replica's next co-purchase read sees them; other replicas' within ORDER_SYNC_NANOS.
      orderChanges.incrementAndGet();
      if ((Long) reply.get(4) > compactAfterLines) {
        compactions.request();
      }
    }
    return new AppendResult(events.size() - value, value, latest((String) reply.get(2)), latest((String) reply.get(3)));
  }

  /** The identity a dedupe key holds, in either form the append script compares. */
  private EventIdentity storedIdentity(String value) {
    return EventIdentity.decode(value).orElseGet(() -> EventIdentity.parseText(value,
        itemId -> call(() -> redis.hexists(ITEMS, itemId))));
  }

  @Override
  public void putItems(List<Dataset.Item> items) {
    // Not into a Redis that lost the dataset, even before the next ping: an ingestion of the items
    // would then be counted before the dataset's counts, which seeding it again sets only where absent.
    requireData();
    run(() -> writeItems(items));
  }

  private void writeItems(List<Dataset.Item> items) {
    for (int from = 0; from < items.size(); from += BATCH) {
      Map<String, String> rows = new HashMap<>();
      for (Dataset.Item item : items.subList(from, Math.min(items.size(), from + BATCH))) {
        rows.put(item.itemId(), StoredItem.encode(item));
      }
      redis.hset(ITEMS, rows);
    }
  }

  /**
   * KEYS: the user's timeline, dropped purchases' items, order dropped last, cut orders; {@code users};
   * the order lines stream; {@link #ORDERS_LAST_WITHDRAWAL}. ARGV: the user, the {@link #timelineDigest}
   * of the timeline as read before, the withdrawal line's three fields ({@link #WITHDRAWN_USER},
   * {@link #WITHDRAWN_ORDERS}, {@link #WITHDRAWN_BASKETS}), which Java computed from that read. Unless
   * the timeline changed since it was read (its digest differs; returns {-1}): deletes the four keys and
   * the user's count and, if the user was counted, adds the withdrawal line and names it in the last
   * key, all at once. The whole timeline is compared, not its size and last member: an ingestion into a
   * full timeline of an event older than the newest keeps both while the cap drops another, and the
   * orders to withdraw differ. The other three keys need no check: the
   * withdrawal line is computed from the timeline alone, whatever they hold. The user's lines of the
   * stream stay: every replica subtracts their orders
   * at the withdrawal line, after reading them (the stream is ordered), so none subtracts lines it
   * never counted; the compaction that follows removes them. Returns {1 if the user was counted
   * else 0, the id of the last line that names the user (theirs, or a withdrawal of theirs), ""
   * when none, how many lines named the user before the script}.
   */
  private static final String ERASE_SCRIPT = """
      local members = redis.call('ZRANGE', KEYS[1], 0, -1)
      local parts = {}
      for i, member in ipairs(members) do
        parts[i] = #member .. ':' .. member
      end
      if redis.sha1hex(table.concat(parts)) ~= ARGV[2] then
        return {-1}
      end
      local known = redis.call('HDEL', KEYS[5], ARGV[1])
      redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
      local named = ''
      local naming = 0
      local from = '-'
      repeat
        local chunk = redis.call('XRANGE', KEYS[6], from, '+', 'COUNT', 1000)
        for _, entry in ipairs(chunk) do
          local fields = entry[2]
          for f = 1, #fields, 2 do
            if (fields[f] == 'u' and fields[f + 1] == ARGV[1])
                or (fields[f] == 'WITHDRAWN_USER' and fields[f + 1] == ARGV[3]) then
              named = entry[1]
              naming = naming + 1
            end
          end
          from = '(' .. entry[1]
        end
      until #chunk < 1000
      if known == 1 or #members > 0 then
        named = redis.call('XADD', KEYS[6], '*', 'WITHDRAWN_USER', ARGV[3], 'WITHDRAWN_ORDERS', ARGV[4],
            'WITHDRAWN_BASKETS', ARGV[5])
        -- Other replicas wait for a snapshot only when it withdrew orders they may count.
        if ARGV[4] ~= '' or ARGV[5] ~= '' then
          redis.call('SET', KEYS[7], named)
        end
      end
      return {known, named, naming}
      """
      .replace("WITHDRAWN_USER", WITHDRAWN_USER)
      .replace("WITHDRAWN_ORDERS", WITHDRAWN_ORDERS)
      .replace("WITHDRAWN_BASKETS", WITHDRAWN_BASKETS);
  private static final int ERASE_TRIES = 5;
  /** How an erasure whose compaction did not remove the user's order lines begins its description. */
  private static final String ORDER_LINES_LEFT = "user erased and their orders withdrawn from co-purchase, but their"
      + " order lines are not yet gone from " + ORDER_LINES + ": ";
  /** How long an erasure waits for the compaction that removes the user's order lines. */
  private static final Duration ERASE_COMPACTION_WAIT = Duration.ofSeconds(10);
  private static final long ERASE_COMPACTION_POLL_MILLIS = 50;
  /** {@link #ERASE_COMPACTION_WAIT}, shorter in tests that hold the compaction lock. */
  private Duration eraseCompactionWait = ERASE_COMPACTION_WAIT;

  /**
   * Deletes the user's dedupe keys ({@code e:<length>:<user>...}, found with SCAN: a script cannot
   * know them), then reads the timeline and runs {@link #ERASE_SCRIPT}, which removes the rest and
   * adds the withdrawal of the user's orders to the order lines stream in one atomic step (read
   * again if an ingestion changed any member of the timeline meanwhile: the orders withdrawn are
   * those of the read, so it must be what the script removes), deletes the dedupe keys of events
   * ingested between the SCAN and the script, which the script erased ({@link
   * #deleteDedupeKeysOfEventsNotHeld}), and then compacts
   * the order lines up to the withdrawal, so the user's lines, the withdrawal line (whose SHA-256 of
   * the id can be reversed by hashing candidate ids) and the snapshot holding their open orders
   * leave Redis within the call. Safe if cut short anywhere: erasing again finishes the work.
   *
   * @throws ErasureUnfinishedException when the user's events changed under every try, or their
   *     records are erased but the compaction did not finish within {@link #ERASE_COMPACTION_WAIT}
   *     or Redis refused it for want of memory (maxmemory): the erase script runs on a full Redis,
   *     its first write (HDEL) freeing memory, while the compaction's first writes add some
   */
  @Override
  public ErasedUser eraseUser(String userId) {
    requireData();
    // The user's rows of the data folder leave the counts here, and the folder may lose them.
    forgetSeededRows(userId);
    deleteDedupeKeys(userId);
    for (int attempt = 1; ; attempt++) {
      List<Tuple> members = read(() -> redis.zrangeWithScores(timelineKey(userId), 0, -1));
      List<RecordedEvent> removed = decode(members);
      Map<String, Set<String>> orders = ErasedUser.orderItems(removed);
      List<?> answer = (List<?>) write(ERASE_SCRIPT, List.of(timelineKey(userId), droppedKey(userId),
          cutOrderKey(userId), cutOrdersKey(userId), USERS, ORDER_LINES, ORDERS_LAST_WITHDRAWAL),
          List.of(userId, timelineDigest(members), withdrawnUser(userId), withdrawnOrders(orders),
          orders.keySet().stream().map(basketId -> withdrawnBasket(userId, basketId))
              .collect(Collectors.joining(ORDER_SEPARATOR))));
      if ((Long) answer.get(0) >= 0) {
        // This replica withdraws the orders at its next co-purchase read, not up to 100 ms later.
        orderChanges.incrementAndGet();
        deleteDedupeKeysOfEventsNotHeld(userId);
        String lastNaming = (String) answer.get(1);
        if (!lastNaming.isEmpty() && !compactThrough(lastNaming)) {
          throw new ErasureUnfinishedException(ErasureUnfinishedException.Reason.ORDER_LINES_LEFT, ORDER_LINES_LEFT
              + "the compaction that removes them did not finish within " + eraseCompactionWait.toSeconds()
              + " s; erase again", "Redis " + redisName);
        }
        if ((Long) answer.get(0) == 1 || !removed.isEmpty()) {
          return ErasedUser.of(removed.size(), orders);
        }
        // Lines naming a user the store no longer counts: an earlier erasure left them, this one removed them.
        return lastNaming.isEmpty() ? ErasedUser.NOTHING : ErasedUser.finishing((Long) answer.get(2));
      }
      if (attempt == ERASE_TRIES) {
        throw new ErasureUnfinishedException(ErasureUnfinishedException.Reason.EVENTS_KEPT_CHANGING, "the user's"
            + " events kept changing while being erased (" + ERASE_TRIES + " tries): their dedupe keys are deleted,"
            + " their events and order lines are left; erase again once their ingestion stops", "Redis " + redisName);
      }
    }
  }

  /**
   * What {@link #ERASE_SCRIPT} compares: the SHA-1 (hex) of the timeline's members in order, each
   * as its length in bytes, a colon and its bytes (as read, so byte for byte what the script reads).
   * The scores need no digest: every member holds its event's ingestion sequence (a seed writes
   * the same member with the same score), so no member is ever written again with another score.
   */
  private static String timelineDigest(List<Tuple> members) {
    MessageDigest digest = Digests.sha1();
    for (Tuple member : members) {
      byte[] bytes = member.getBinaryElement();
      digest.update((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
      digest.update(bytes);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private void deleteDedupeKeys(String userId) {
    run(() -> deleteKeys(dedupeKeys(userId)));
  }

  /** Deletes {@code keys}, {@link #BATCH} a command: one DEL of many keys holds every other client. */
  private void deleteKeys(List<String> keys) {
    for (List<String> page : pages(keys)) {
      redis.del(page.toArray(String[]::new));
    }
  }

  /** {@code keys} in pages of at most {@link #BATCH}. */
  private static List<List<String>> pages(List<String> keys) {
    return IntStream.range(0, (keys.size() + BATCH - 1) / BATCH)
        .mapToObj(page -> keys.subList(page * BATCH, Math.min(keys.size(), (page + 1) * BATCH))).toList();
  }

  /**
   * Deletes the user's dedupe keys whose event the user's records do not hold now: after the erase
   * script, those of the events ingested between the first SCAN and the script (erased by it, also
   * duplicates of those and events the cap dropped at once), not those of events ingested since,
   * which are kept, so that a resend of one within the dedupe window is still a duplicate. A key is
   * read before the records: an event stored since the script that it belongs to is in them. A key
   * of an erased event whose type, item and order an event ingested since repeats stays too: it
   * names nothing the records do not.
   */
  private void deleteDedupeKeysOfEventsNotHeld(String userId) {
    run(() -> {
      List<String> keys = dedupeKeys(userId);
      if (keys.isEmpty()) {
        return;
      }
      // Every value is read before the records (in pages, as one MGET of many keys holds every other client).
      List<String> identities = new ArrayList<>(keys.size());
      for (List<String> page : pages(keys)) {
        identities.addAll(redis.mget(page.toArray(String[]::new)));
      }
      Set<String> held = new HashSet<>();
      for (RecordedEvent event : decode(redis.zrangeWithScores(timelineKey(userId), 0, -1))) {
        EventIdentity identity = new EventIdentity(event.type(), event.itemId(), event.basketId());
        held.add(identity.encoded());
        held.add(identity.text(UnaryOperator.identity()));
      }
      Set<String> droppedItems = redis.smembers(droppedKey(userId));
      List<String> gone = new ArrayList<>();
      for (int i = 0; i < keys.size(); i++) {
        String identity = identities.get(i);
        if (identity != null && !held.contains(identity) && !isDroppedPurchase(identity, droppedItems)) {
          gone.add(keys.get(i));
        }
      }
      deleteKeys(gone);
    });
  }

  /** Whether {@code identity}, a dedupe key's value, is of a purchase of one of {@code droppedItems}. */
  private static boolean isDroppedPurchase(String identity, Set<String> droppedItems) {
    return droppedItems.stream().anyMatch(item -> identity.equals(new EventIdentity(EventType.PURCHASE, item, "")
            .text(UnaryOperator.identity())))
        || EventIdentity.decode(identity).filter(event -> event.type() == EventType.PURCHASE
            && droppedItems.contains(event.itemId())).isPresent();
  }

  /** The user's dedupe keys ({@code e:<length>:<user>...}), found with SCAN. */
  private List<String> dedupeKeys(String userId) {
    ScanParams params = new ScanParams().match(PREFIX + "e:" + userId.length() + ":" + globEscaped(userId) + "*")
        .count(1000);
    List<String> keys = new ArrayList<>();
    String cursor = ScanParams.SCAN_POINTER_START;
    do {
      ScanResult<String> page = redis.scan(cursor, params);
      keys.addAll(page.getResult());
      cursor = page.getCursor();
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    return keys;
  }

  /**
   * Compacts the order lines until none up to {@code line} is left, waiting for a compaction
   * another replica runs; false when that did not happen within {@link #eraseCompactionWait} or a
   * compaction failed.
   *
   * @throws ErasureUnfinishedException when Redis refused the compaction for want of memory: the
   *     user is erased, which the caller is told, not that nothing was stored
   */
  private boolean compactThrough(String line) {
    long deadline = System.nanoTime() + eraseCompactionWait.toNanos();
    while (true) {
      try {
        if (trimmedThrough(line)) {
          return true;
        }
        compactOrderLines();
        if (trimmedThrough(line)) {
          return true;
        }
      } catch (StoreUnavailableException e) {
        log.warn("Compacting the order lines of Redis {} after an erasure failed", redisName, e);
        return false;
      } catch (StoreFullException e) {
        throw new ErasureUnfinishedException(ErasureUnfinishedException.Reason.STORE_FULL, ORDER_LINES_LEFT
            + "the feature store is full, and the compaction that removes them needs room in it; erase again once it"
            + " has room", "Redis " + redisName);
      }
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      try {
        Thread.sleep(ERASE_COMPACTION_POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /**
   * Whether no line up to {@code line} is left, once a snapshot holds it. A compaction trims the
   * lines before its snapshot's last, which it keeps; that one is deleted here when it is {@code
   * line}: replicas read on after a snapshot's last line, so none needs it.
   */
  private boolean trimmedThrough(String line) {
    List<StreamEntry> first = read(() -> redis.xrange(ORDER_LINES, "-", line, 2));
    if (first.isEmpty()) {
      return true;
    }
    OrdersSnapshot snapshot = OrdersSnapshot.parse(read(() -> redis.get(ORDERS_SNAPSHOT)));
    if (first.size() == 1 && snapshot != null && snapshot.cursor().equals(first.get(0).getID())) {
      // A newer snapshot only moves forward, so this line stays held by the one in force.
      call(() -> redis.xdel(ORDER_LINES, first.get(0).getID()));
      return true;
    }
    return false;
  }

  /** Makes erasures wait at most {@code wait} for their compaction. */
  void eraseCompactionWait(Duration wait) {
    eraseCompactionWait = wait;
  }

  /**
   * KEYS: the seed marker, {@code seed-erased}, {@code interactions}, {@code popular}, then the
   * purchase times ({@code p:<item>}) of each of the rows' purchases. ARGV: the seed marker this
   * replica found or wrote, the user's {@link DatasetSum#part}, the number of items, per item its
   * id, rows and purchases, then each purchase's epoch second. Unless the part is recorded (the
   * user was erased before), records it and takes the rows out of the counts the seed put them in:
   * an item's interactions, its purchases (an item left with none leaves {@code popular}, as a seed
   * writes none), and one purchase time of that second per purchase (which one is no matter: they
   * count by time). Returns 1 if it did. A part already recorded is found with SISMEMBER, not
   * SADD: a Redis at its maxmemory refuses SADD even of a member the set holds, and a user erased
   * before has nothing left to erase there. Writes nothing into a Redis that lost the seed (emptied
   * after {@link #requireData}): it returns the marker Redis holds
   * instead, empty when none, as the counts it would take rows from are gone, and a re-seed sets
   * counts only where absent, so it would keep the ones written here.
   */
  private static final String FORGET_SEEDED_ROWS_SCRIPT = """
      local present = redis.call('GET', KEYS[1])
      if present ~= ARGV[1] then
        return present or ''
      end
      if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then
        return 0
      end
      redis.call('SADD', KEYS[2], ARGV[2])
      local items = tonumber(ARGV[3])
      for i = 0, items - 1 do
        local item, rows, purchases = ARGV[4 + i * 3], tonumber(ARGV[5 + i * 3]), tonumber(ARGV[6 + i * 3])
        redis.call('HINCRBY', KEYS[3], item, -rows)
        if purchases > 0 and tonumber(redis.call('ZINCRBY', KEYS[4], purchases, item)) >= 0 then
          redis.call('ZREM', KEYS[4], item)
        end
      end
      for k = 5, #KEYS do
        local second = ARGV[4 + items * 3 + k - 5]
        local member = redis.call('ZRANGEBYSCORE', KEYS[k], second, second, 'LIMIT', 0, 1)[1]
        if member then
          redis.call('ZREM', KEYS[k], member)
        end
      end
      return 1
      """;

  /**
   * Takes the user's rows of the data folder out of the item counts the seed wrote them into
   * (interactions, purchases, purchase times) and records their {@link DatasetSum#part}, once per
   * user ({@link #FORGET_SEEDED_ROWS_SCRIPT}): the counts are then those a seed of the folder
   * without the user's rows writes, and that folder is taken at start as the one seeded
   * ({@link #seedOnce}), so the operator may remove the user there and keep every event ingested
   * since. What the user ingested stays counted, as every erased event's counts stay. The rows are
   * those of the folder this replica loaded at start ({@link SeededRows}), which are the rows
   * seeded: the folder was seeded, or the one seeded less erased customers. Does nothing for a user
   * that folder lacks. Throws {@link StoreDataLostException}, having written nothing, when Redis
   * lost the seed since {@link #requireData}. Package-private for a test that empties Redis in
   * between.
   */
  void forgetSeededRows(String userId) {
    Optional<SeededRows.Rows> seeded = seededRows.of(userId);
    if (seeded.isEmpty()) {
      return;
    }
    SeededRows.Rows rows = seeded.get();
    List<String> keys = new ArrayList<>(List.of(DATASET, SEED_ERASED, INTERACTIONS, POPULAR));
    rows.purchaseItems().forEach(item -> keys.add(purchasesKey(item)));
    List<String> args = new ArrayList<>(List.of(seedMarker, rows.part(),
        String.valueOf(rows.rowsAndPurchases().size())));
    rows.rowsAndPurchases().forEach((item, counts) -> args.addAll(List.of(item, String.valueOf(counts[0]),
        String.valueOf(counts[1]))));
    rows.purchaseSeconds().forEach(second -> args.add(String.valueOf(second)));
    if (write(FORGET_SEEDED_ROWS_SCRIPT, keys, args) instanceof String present) {
      requireMarker(present.isEmpty() ? null : present);
    }
  }

  /**
   * The withdrawal line's user: a SHA-256 of the id, hex, so the stream does not hold the id in
   * clear; hashing candidate ids reverses it, which is why the erasure's compaction removes the line.
   */
  private static String withdrawnUser(String userId) {
    return HexFormat.of().formatHex(Digests.sha256(userId));
  }

  /**
   * How a withdrawal line names one of the user's orders: the SHA-256 (hex) of user and basket id
   * (the user's length first, as the open orders' keys of {@link LiveCoPurchase} have them), which
   * every replica computes alike for the open orders it holds. Not the id: the line would write
   * back into Redis the ids of orders whose lines left long ago (the dataset's, closed ones).
   */
  private static String withdrawnBasket(String userId, String basketId) {
    return HexFormat.of().formatHex(Digests.sha256(userId.length() + ":" + userId + basketId));
  }

  /** The withdrawal line's orders: each order's items, separated by US, the orders by RS. */
  private static String withdrawnOrders(Map<String, Set<String>> orders) {
    return orders.values().stream()
        .map(items -> String.join(ITEM_SEPARATOR, items))
        .collect(Collectors.joining(ORDER_SEPARATOR));
  }

  /** {@code text} matched literally by a SCAN MATCH pattern. */
  private static String globEscaped(String text) {
    return text.replaceAll("([*?\\[\\]\\\\^-])", "\\\\$1");
  }

  /**
   * Runs read-only commands; a broken pooled connection (Redis restarted since it was opened)
   * is dropped by the pool and the read tried once more on a fresh one. A read that timed out is
   * not: Redis is there but does not answer (hung, stopped, swapping), and a second try would
   * wait out the command timeout again, past a gateway's deadline to its client. Refused at once
   * while readiness's last check failed ({@link #check}).
   */
  private <T> T read(Supplier<T> commands) {
    refuseWhileDown();
    return readAnyway(commands);
  }

  /**
   * {@link StoreUnavailableException} at once, nothing sent, while readiness's last check failed
   * ({@link #check}): a command would wait out the timeout of a hung Redis, and a write refused
   * here stored nothing, so the client may resend at once.
   */
  private void refuseWhileDown() {
    String down = unreachable;
    if (down != null) {
      throw new StoreUnavailableException(down, null);
    }
  }

  /** {@link #read}, also while readiness's last check failed: that check's own read. */
  private <T> T readAnyway(Supplier<T> commands) {
    try {
      return call(commands);
    } catch (StoreUnavailableException e) {
      if (e.getCause() instanceof JedisConnectionException broken && !RedisPing.timedOut(broken)) {
        return call(commands);
      }
      throw e;
    }
  }

  /**
   * Runs a write script on a connection taken from the pool first: a failure to get one (Redis
   * down, the pool exhausted) sent nothing, so it is {@link StoreUnavailableException}; a lost
   * connection or a timeout once the script went out may have let it run (a stopped Redis runs it
   * when it resumes), so it is {@link StoreWriteUnconfirmedException}. While readiness's last check
   * failed ({@link #check}) nothing is sent: {@link StoreUnavailableException} at once, as for reads.
   */
  private Object write(String script, List<String> keys, List<String> args) {
    refuseWhileDown();
    Connection connection = call(() -> redis.getPool().getResource());
    return call(() -> {
      writesInRedis.incrementAndGet();
      try (connection) {
        Object reply = connection.executeCommand(scripts.eval(script, keys, args));
        answeredAt = System.nanoTime();
        return reply;
      } catch (JedisConnectionException e) {
        throw new StoreWriteUnconfirmedException("Redis " + redisName + " did not confirm a write", e);
      } finally {
        writesInRedis.decrementAndGet();
      }
    });
  }

  /**
   * Runs {@code write} in one of the {@link #WRITE_SLOTS}; {@link StoreBusyException}, nothing sent,
   * when none is free within {@code writeSlotWait}.
   */
  private <T> T inWriteSlot(Supplier<T> write) {
    boolean slot;
    try {
      slot = writeSlots.tryAcquire(writeSlotWait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      // The call was cancelled while it waited.
      Thread.currentThread().interrupt();
      slot = false;
    }
    if (!slot) {
      throw new StoreBusyException("Redis " + redisName + " is busy with this replica's other writes: none of its"
          + " write slots came free within " + writeSlotWait.toMillis() + " ms");
    }
    try {
      return write.get();
    } finally {
      writeSlots.release();
    }
  }

  /** {@link #call} for commands that return nothing. */
  private void run(Runnable commands) {
    call(() -> {
      commands.run();
      return null;
    });
  }

  /**
   * Runs Redis commands, translating the client's failures into the store's exceptions. Writes
   * are not retried here: a lost reply does not say whether the script ran; the caller's retry,
   * with event ids, is what makes that safe.
   */
  private <T> T call(Supplier<T> commands) {
    try {
      return commands.get();
    } catch (JedisConnectionException e) {
      throw new StoreUnavailableException("Redis at " + redisName + " cannot be reached", e);
    } catch (JedisDataException e) {
      if (isOutOfMemory(e)) {
        throw new StoreFullException("Redis " + redisName + " is out of memory (maxmemory)", e);
      }
      throw new StoreUnavailableException("Redis " + redisName + " refused a command", e);
    } catch (JedisException e) {
      throw new StoreUnavailableException("Redis " + redisName + " failed", e);
    }
  }

  private static String timelineKey(String userId) {
    return PREFIX + "t:" + userId;
  }

  /** The items of the user's purchases dropped from the timeline to keep its cap: a set of item ids. */
  private static String droppedKey(String userId) {
    return PREFIX + "d:" + userId;
  }

  /** The order (basket id) of the user's purchase dropped last from the timeline: a string. */
  private static String cutOrderKey(String userId) {
    return PREFIX + "c:" + userId;
  }

  /**
   * The orders (basket ids) that lost a purchase to the timeline's cap, at most the cap of them: a
   * sorted set scored by when each was cut last (the highest last), which builds before it ignore.
   */
  private static String cutOrdersKey(String userId) {
    return PREFIX + "cut:" + userId;
  }

  /** An item's purchase times: a sorted set scored by epoch second, members unique sequences. */
  private static String purchasesKey(String itemId) {
    return PREFIX + "p:" + itemId;
  }

  private static String shortName(String fingerprint) {
    return "sha256:" + fingerprint.substring(0, Math.min(12, fingerprint.length()));
  }

  @Override
  public void stopSeeding() {
    closing = true;
  }

  @Override
  public void close() {
    stopSeeding();
    // The seeding thread may not get to its own release: shutdown ends it, or Redis closes under it.
    String token;
    synchronized (seedLockGuard) {
      // Waits for a SET in flight (its timeout at most), so its token is here or it never runs.
      token = seedLockToken;
      seedLockToken = null;
    }
    if (token != null) {
      releaseSeedLock(token);
    }
    background.shutdown();
    try {
      // A running compaction may finish; one cut short (Redis closed under it) leaves the old
      // snapshot in force.
      background.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    redis.close();
  }

  /** How long event ids are remembered, for logs and tests. */
  Duration dedupeWindow() {
    return Duration.ofSeconds(dedupeSeconds);
  }

  /**
   * A timeline entry as a sorted-set member: 9 digits of nanoseconds, 16 digits of ingestion
   * sequence, one digit of event type, 3 digits of basket id length and the basket id, then the
   * item id. Fixed widths make Redis's byte-wise order of members with equal scores (seconds)
   * the order of (nanos, sequence).
   */
  static final class TimelineMember {
    static final int NANOS = 9;
    private static final int SEQUENCE = 16;
    private static final int BASKET_LENGTH = 3;
    static final int KIND = NANOS + SEQUENCE;

    private TimelineMember() {}

    static String nanosField(int nanos) {
      return String.format("%09d", nanos);
    }

    /** The type digit, the basket id's length (3 digits) and the basket id. */
    static String kindField(EventType type, String basketId) {
      if (basketId.length() > 999) {
        throw new IllegalArgumentException("basket id longer than 999 characters");
      }
      return type.ordinal() + String.format("%03d", basketId.length()) + basketId;
    }

    static String encode(int nanos, long sequence, EventType type, String basketId, String itemId) {
      return nanosField(nanos) + String.format("%016d", sequence) + kindField(type, basketId) + itemId;
    }

    /** The event of a member whose score is {@code epochSecond}. */
    static RecordedEvent decode(String member, long epochSecond) {
      int nanos = Integer.parseInt(member, 0, NANOS, 10);
      return new RecordedEvent(itemId(member), Instant.ofEpochSecond(epochSecond, nanos), type(member),
          member.substring(KIND + 1 + BASKET_LENGTH, itemStart(member)));
    }

    static String itemId(String member) {
      return member.substring(itemStart(member));
    }

    static EventType type(String member) {
      return EventType.values()[member.charAt(KIND) - '0'];
    }

    private static int itemStart(String member) {
      int basketLength = Integer.parseInt(member, KIND + 1, KIND + 1 + BASKET_LENGTH, 10);
      return KIND + 1 + BASKET_LENGTH + basketLength;
    }
  }
}
