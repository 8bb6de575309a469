package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Settings of the feature-service, read once at start.
 *
 * @param port gRPC port ({@value #PORT_KEY}, default {@value #DEFAULT_PORT}; 0 picks a free one)
 * @param adminPort port of the {@code FeatureAdmin} service, on loopback ({@value #ADMIN_PORT_KEY},
 *     default {@value #DEFAULT_ADMIN_PORT}; 0 picks a free one)
 * @param dataDir folder with {@code items.csv.gz} and {@code interactions.csv.gz}
 *     ({@value #DATA_DIR_KEY}, relative to the working directory; default {@value #DEFAULT_DATA_DIR}
 *     in the installation, see {@link ConfigSource#shipped})
 * @param dataTimeZone the zone of the data folder's times without a UTC offset
 *     ({@value LocalTimeZone#DATA_FOLDER_SETTING}, a tz database name; default none: such times are
 *     refused), as the trainer reads the same setting; also the shop's days (a folder's orders
 *     without invoices, the buy-again day the gateway states), UTC days without one
 * @param currencyCode ISO 4217 currency of the catalogue's prices ({@value #CURRENCY_KEY},
 *     default {@value #DEFAULT_CURRENCY})
 * @param maxBasketSize baskets with more distinct items are left out of the co-purchase
 *     statistics ({@value #MAX_BASKET_SIZE_KEY}, default {@value #DEFAULT_MAX_BASKET_SIZE}, 2..10000)
 * @param coPurchaseNeighbours co-purchase neighbours kept per item ({@value #NEIGHBOURS_KEY},
 *     default {@value #DEFAULT_NEIGHBOURS}, 1..10000)
 * @param recentItems most recent distinct history items that drive co-purchase retrieval
 *     ({@value #RECENT_ITEMS_KEY}, default {@value #DEFAULT_RECENT_ITEMS}, 1..1000)
 * @param store which store ({@value #STORE_KEY}: {@code memory}, the default, or {@code redis})
 * @param redisUri the Redis of the {@code redis} store ({@value #REDIS_URI_KEY}, default
 *     {@value #DEFAULT_REDIS_URI}; {@code redis://[user:password@]host:port[/db]})
 * @param redisUriSet whether {@value #REDIS_URI_KEY} is set (the default's URI set on purpose is not
 *     called the default in the store's messages)
 * @param storeBounds the store's limits: {@value #MAX_EVENTS_PER_USER_KEY} (default
 *     {@value #DEFAULT_MAX_EVENTS_PER_USER}, 1..100000), {@value #MAX_USERS_KEY} (default sized
 *     to the heap, {@link #defaultMaxUsers}; in-memory only), {@value #MAX_EVENTS_KEY} (default sized
 *     to the heap, {@link #defaultMaxEvents}; also the co-purchase counts held),
 *     {@value #DEDUPE_WINDOW_KEY} (default 24 h, 1 s..30 days), {@value #DEDUPE_MAX_IDS_KEY}
 *     (default sized to the heap, {@link #defaultDedupeMaxIds}; in-memory only)
 * @param maxClockSkew how far ahead of this server's clock an ingested or imported event may be
 *     stamped ({@value #MAX_CLOCK_SKEW_KEY}, default 5 minutes, 1 s..1 day); see {@link EventTimeLimit}
 * @param importMaxMib the most an import spools to the temporary folder ({@code java.io.tmpdir}), its
 *     files together, in MiB ({@value #IMPORT_MAX_MIB_KEY}, default {@value #DEFAULT_IMPORT_MAX_MIB},
 *     1..{@value #MOST_IMPORT_MAX_MIB}); the folder must hold that much besides what else is put
 *     there, see {@link FeatureAdminService}
 */
public record FeatureConfig(
    int port, int adminPort, Path dataDir, LocalTimeZone dataTimeZone, String currencyCode, int maxBasketSize,
    int coPurchaseNeighbours, int recentItems, StoreKind store, URI redisUri, boolean redisUriSet,
    StoreBounds storeBounds, Duration maxClockSkew, int importMaxMib) {
  public static final String PORT_KEY = "GLASSBOX_FEATURE_PORT";
  public static final String ADMIN_PORT_KEY = "GLASSBOX_FEATURE_ADMIN_PORT";
  public static final String DATA_DIR_KEY = "GLASSBOX_DATA_DIR";
  public static final String CURRENCY_KEY = "GLASSBOX_FEATURE_CURRENCY";
  public static final String MAX_BASKET_SIZE_KEY = "GLASSBOX_FEATURE_MAX_BASKET_SIZE";
  public static final String NEIGHBOURS_KEY = "GLASSBOX_FEATURE_CO_PURCHASE_NEIGHBOURS";
  public static final String RECENT_ITEMS_KEY = "GLASSBOX_FEATURE_RECENT_ITEMS";
  public static final String STORE_KEY = "GLASSBOX_FEATURE_STORE";
  public static final String REDIS_URI_KEY = "GLASSBOX_REDIS_URI";
  public static final String MAX_EVENTS_PER_USER_KEY = "GLASSBOX_FEATURE_MAX_EVENTS_PER_USER";
  public static final String MAX_USERS_KEY = "GLASSBOX_FEATURE_MAX_USERS";
  public static final String MAX_EVENTS_KEY = "GLASSBOX_FEATURE_MAX_EVENTS";
  public static final String DEDUPE_WINDOW_KEY = "GLASSBOX_FEATURE_DEDUPE_WINDOW";
  public static final String DEDUPE_MAX_IDS_KEY = "GLASSBOX_FEATURE_DEDUPE_MAX_IDS";
  public static final String MAX_CLOCK_SKEW_KEY = "GLASSBOX_FEATURE_MAX_CLOCK_SKEW";
  public static final String IMPORT_MAX_MIB_KEY = "GLASSBOX_FEATURE_IMPORT_MAX_MIB";

  public static final int DEFAULT_PORT = 50052;
  public static final int DEFAULT_ADMIN_PORT = 50062;
  public static final String DEFAULT_DATA_DIR = "data/uci-online-retail";
  public static final String DEFAULT_CURRENCY = "GBP";
  public static final int DEFAULT_MAX_BASKET_SIZE = 100;
  public static final int DEFAULT_NEIGHBOURS = 200;
  public static final int DEFAULT_RECENT_ITEMS = 20;
  public static final String DEFAULT_REDIS_URI = "redis://localhost:6379";
  public static final int DEFAULT_MAX_EVENTS_PER_USER = 1000;
  /** The most {@value #MAX_USERS_KEY} is by default, however large the heap. */
  public static final int MOST_MAX_USERS_BY_DEFAULT = 500_000;
  /** The most {@value #MAX_EVENTS_KEY} is by default, however large the heap. */
  public static final int MOST_MAX_EVENTS_BY_DEFAULT = 10_000_000;
  public static final Duration DEFAULT_DEDUPE_WINDOW = Duration.ofHours(24);
  /** The most {@value #DEDUPE_MAX_IDS_KEY} is by default, however large the heap. */
  public static final int MOST_DEDUPE_MAX_IDS_BY_DEFAULT = 1_000_000;
  /**
   * Heap bytes an event the store may hold costs, from class histograms of a filled store: its
   * place in the user's timeline and in its item's purchase times (about 30 bytes), and one
   * co-purchase count, which the same setting bounds (about 30).
   */
  static final int HEAP_BYTES_PER_EVENT = 60;
  /** The heap's shares, in percent, that the events, dedupe ids and users are sized to by default. */
  private static final int EVENTS_HEAP_PERCENT = 24;
  private static final int DEDUPE_IDS_HEAP_PERCENT = 8;
  private static final int USERS_HEAP_PERCENT = 8;
  /** Heap bytes an event id in the dedupe window costs, likewise (about 120). */
  static final int HEAP_BYTES_PER_DEDUPE_ID = 125;
  /**
   * Heap bytes a user costs beyond their events: their entry, id and timeline with its five
   * arrays (about 250 for a user of one event).
   */
  static final int HEAP_BYTES_PER_USER = 300;
  public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofMinutes(5);
  public static final int DEFAULT_IMPORT_MAX_MIB = 256;
  /** 64 GiB: a million rows (an import's most) of 64 KiB lines (the longest it takes). */
  public static final int MOST_IMPORT_MAX_MIB = 65_536;

  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

  public FeatureConfig {
    requireNonNull(dataDir, "dataDir");
    requireNonNull(dataTimeZone, "dataTimeZone");
    requireNonNull(currencyCode, "currencyCode");
    requireNonNull(store, "store");
    requireNonNull(redisUri, "redisUri");
    requireNonNull(storeBounds, "storeBounds");
    requireNonNull(maxClockSkew, "maxClockSkew");
  }

  /** Reads and validates every setting; throws {@link ConfigException} naming a bad one. */
  public static FeatureConfig load(ConfigSource source) {
    String currency = source.getString(CURRENCY_KEY, DEFAULT_CURRENCY);
    if (!CURRENCY.matcher(currency).matches()) {
      throw new ConfigException(CURRENCY_KEY + " must be an ISO 4217 code of three capital letters "
          + "such as GBP, got \"" + currency + "\"");
    }
    return new FeatureConfig(
        source.getPort(PORT_KEY, DEFAULT_PORT),
        source.getPort(ADMIN_PORT_KEY, DEFAULT_ADMIN_PORT),
        dataDir(source),
        dataTimeZone(source),
        currency,
        source.getInt(MAX_BASKET_SIZE_KEY, DEFAULT_MAX_BASKET_SIZE, 2, 10_000),
        source.getInt(NEIGHBOURS_KEY, DEFAULT_NEIGHBOURS, 1, 10_000),
        source.getInt(RECENT_ITEMS_KEY, DEFAULT_RECENT_ITEMS, 1, 1000),
        storeKind(source),
        redisUri(source),
        source.get(REDIS_URI_KEY).isPresent(),
        storeBounds(source),
        maxClockSkew(source),
        importMaxMib(source));
  }

  /**
   * The data folder alone ({@value #DATA_DIR_KEY}, default the embedded {@value #DEFAULT_DATA_DIR}),
   * for a client that needs only the suite's customers and not the rest of this config checked.
   */
  public static Path dataDir(ConfigSource source) {
    return source.getPath(DATA_DIR_KEY, source.shipped(DEFAULT_DATA_DIR));
  }

  private static int importMaxMib(ConfigSource source) {
    try {
      return source.getInt(IMPORT_MAX_MIB_KEY, DEFAULT_IMPORT_MAX_MIB, 1, MOST_IMPORT_MAX_MIB);
    } catch (ConfigException e) {
      // "256Mi" or "1G" is a likely slip of a deploy file's author: say the unit.
      throw new ConfigException(e.getMessage() + ": the mebibytes an import may spool to the temporary folder,"
          + " a whole number (" + DEFAULT_IMPORT_MAX_MIB + " for " + DEFAULT_IMPORT_MAX_MIB + " MiB, the default)");
    }
  }

  /** {@value LocalTimeZone#DATA_FOLDER_SETTING} ({@code up} reads it too, for the folder's example customers). */
  private static LocalTimeZone dataTimeZone(ConfigSource source) {
    try {
      return LocalTimeZone.named(source.getString(LocalTimeZone.DATA_FOLDER_SETTING, ""),
          LocalTimeZone.DATA_FOLDER_SETTING);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  private static Duration maxClockSkew(ConfigSource source) {
    return source.getDuration(MAX_CLOCK_SKEW_KEY, DEFAULT_MAX_CLOCK_SKEW, Duration.ofSeconds(1), Duration.ofDays(1),
        "1s..1 day");
  }

  private static StoreKind storeKind(ConfigSource source) {
    String raw = source.getString(STORE_KEY, "memory");
    return switch (raw.toLowerCase(Locale.ROOT)) {
      case "memory" -> StoreKind.MEMORY;
      case "redis" -> StoreKind.REDIS;
      default -> throw new ConfigException(STORE_KEY + " must be memory or redis, got \"" + raw + "\"");
    };
  }

  private static URI redisUri(ConfigSource source) {
    String raw = source.getString(REDIS_URI_KEY, DEFAULT_REDIS_URI);
    try {
      URI uri = new URI(raw);
      if (!("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme()))
          || uri.getHost() == null || uri.getPort() < 1) {
        throw new ConfigException(REDIS_URI_KEY + " must look like redis://host:6379 or "
            + "rediss://user:password@host:6380/0, got \"" + redact(raw) + "\"");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new ConfigException(REDIS_URI_KEY + " is not a URI: \"" + redact(raw) + "\"");
    }
  }

  /** Never echo a password into logs. */
  private static String redact(String uri) {
    return uri.replaceAll("//[^@/]*@", "//***@");
  }

  private static StoreBounds storeBounds(ConfigSource source) {
    int perUser = source.getInt(MAX_EVENTS_PER_USER_KEY, DEFAULT_MAX_EVENTS_PER_USER, 1, 100_000);
    long heap = Runtime.getRuntime().maxMemory();
    int maxEvents = source.getInt(MAX_EVENTS_KEY, Math.max(perUser, defaultMaxEvents(heap)), 1, 1_000_000_000);
    if (maxEvents < perUser) {
      throw new ConfigException(MAX_EVENTS_KEY + " (" + maxEvents + ") must be at least "
          + MAX_EVENTS_PER_USER_KEY + " (" + perUser + ")");
    }
    Duration window = source.getDuration(DEDUPE_WINDOW_KEY, DEFAULT_DEDUPE_WINDOW, Duration.ofSeconds(1),
        Duration.ofDays(30), "1s..30 days");
    return new StoreBounds(perUser,
        source.getInt(MAX_USERS_KEY, defaultMaxUsers(heap), 1, 100_000_000),
        maxEvents, window,
        source.getInt(DEDUPE_MAX_IDS_KEY, defaultDedupeMaxIds(heap), 1, 100_000_000));
  }

  /**
   * {@value #MAX_EVENTS_KEY} when it is not set: the events, at {@value #HEAP_BYTES_PER_EVENT}
   * bytes, that 24% of a heap of {@code heapBytes} holds, at most {@value
   * #MOST_MAX_EVENTS_BY_DEFAULT}. With the dedupe window's and the users' 8% each ({@link
   * #defaultDedupeMaxIds}, {@link #defaultMaxUsers}) and the embedded dataset (about 35 MiB), a full
   * store held at most 114 MiB of a 256 MiB heap (feature-service/README.md, Memory), under the 85% of the
   * serial collector's old generation (two thirds of the heap) past which {@link HeapRoom} refuses
   * ingestion. "The heap" is what Java reports ({@code Runtime.maxMemory()}): under the serial
   * collector, {@code -Xmx} less one survivor space.
   */
  static int defaultMaxEvents(long heapBytes) {
    return heapShare(heapBytes, EVENTS_HEAP_PERCENT, HEAP_BYTES_PER_EVENT, MOST_MAX_EVENTS_BY_DEFAULT);
  }

  /**
   * {@value #DEDUPE_MAX_IDS_KEY} when it is not set: the ids, at {@value
   * #HEAP_BYTES_PER_DEDUPE_ID} bytes, that 8% of a heap of {@code heapBytes} holds, at most
   * {@value #MOST_DEDUPE_MAX_IDS_BY_DEFAULT}.
   */
  static int defaultDedupeMaxIds(long heapBytes) {
    return heapShare(heapBytes, DEDUPE_IDS_HEAP_PERCENT, HEAP_BYTES_PER_DEDUPE_ID, MOST_DEDUPE_MAX_IDS_BY_DEFAULT);
  }

  /**
   * {@value #MAX_USERS_KEY} when it is not set: the users, at {@value #HEAP_BYTES_PER_USER} bytes,
   * that 8% of a heap of {@code heapBytes} holds, at most {@value #MOST_MAX_USERS_BY_DEFAULT}. A
   * flood of new users, one event each, is so bounded by users as much as by events (before, 500,000
   * users under a 256 MiB heap filled it with neither bound reached, and nobody was evicted).
   */
  static int defaultMaxUsers(long heapBytes) {
    return heapShare(heapBytes, USERS_HEAP_PERCENT, HEAP_BYTES_PER_USER, MOST_MAX_USERS_BY_DEFAULT);
  }

  /**
   * A warning when {@code bounds} let the in-memory store take more than the share of a heap of
   * {@code heapBytes} that the defaults give it (24% + 8% + 8%, at the bytes measured for an event,
   * an event id and a user): set that high, the store may fill the heap before it reaches them, and
   * the heap guard refuse ingestion where the bounds would have evicted the least recently active
   * users. Empty when they fit; the defaults always do.
   */
  static Optional<String> heapWarning(StoreBounds bounds, long heapBytes) {
    long needs = bounds.maxEvents() * HEAP_BYTES_PER_EVENT + (long) bounds.maxDedupeIds() * HEAP_BYTES_PER_DEDUPE_ID
        + (long) bounds.maxUsers() * HEAP_BYTES_PER_USER;
    int percent = EVENTS_HEAP_PERCENT + DEDUPE_IDS_HEAP_PERCENT + USERS_HEAP_PERCENT;
    long share = heapBytes * percent / 100;
    if (needs <= share) {
      return Optional.empty();
    }
    return Optional.of(String.format(Locale.ROOT, "the store's bounds (%s %d, %s %d, %s %d) let it take about %d MiB"
        + " of heap, more than the %d MiB (%d%% of %d MiB) the defaults give it: ingestion may be refused, or the heap"
        + " run out, before the bounds take effect. Unset them to size them to the heap, or give the service more heap",
        MAX_EVENTS_KEY, bounds.maxEvents(), MAX_USERS_KEY, bounds.maxUsers(), DEDUPE_MAX_IDS_KEY,
        bounds.maxDedupeIds(), needs >> 20, share >> 20, percent, heapBytes >> 20));
  }

  private static int heapShare(long heapBytes, int percent, int bytesEach, int most) {
    return (int) Math.max(1, Math.min(most, heapBytes * percent / 100 / bytesEach));
  }


  /** The Redis URI without its password, for logs and messages. */
  public String redisName() {
    return redact(redisUri.toString());
  }

  /**
   * {@link #redisName} and the setting that chose it, for the store's messages, so that an
   * operator who never set one learns there is one: "redis://localhost:6379 (the default; set
   * GLASSBOX_REDIS_URI)", else, the default's URI too, "redis://cache:6379/0 (GLASSBOX_REDIS_URI)".
   */
  public String redisNameAndSetting() {
    return redisName() + (redisUriSet ? " (" + REDIS_URI_KEY + ")" : " (the default; set " + REDIS_URI_KEY + ")");
  }
}
