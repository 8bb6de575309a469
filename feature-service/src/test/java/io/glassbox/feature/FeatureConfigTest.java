package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FeatureConfigTest {
  @Test
  void load_nothingSet_usesDefaults() {
    FeatureConfig config = FeatureConfig.load(ConfigSource.of(Map.of()));

    assertEquals(new FeatureConfig(50052, 50062, Path.of("data/uci-online-retail"),
        LocalTimeZone.none("GLASSBOX_DATA_TIME_ZONE"), "GBP", 100, 200, 20,
        StoreKind.MEMORY, URI.create("redis://localhost:6379"), false,
        new StoreBounds(1000, FeatureConfig.defaultMaxUsers(Runtime.getRuntime().maxMemory()),
            FeatureConfig.defaultMaxEvents(Runtime.getRuntime().maxMemory()),
            Duration.ofHours(24), FeatureConfig.defaultDedupeMaxIds(Runtime.getRuntime().maxMemory())),
        Duration.ofMinutes(5), 256), config);
  }

  /**
   * The in-memory store's bounds fit the heap: under Kubernetes' 256 MiB the old defaults (ten
   * million events, a million ids) ran the JVM out of memory at about 1.1 million events.
   */
  @Test
  void defaultBounds_areSizedToTheHeap_andCappedOnALargeOne() {
    long kubernetesHeap = 259_522_560;   // what the serial collector reports of -Xmx256m
    assertEquals(1_038_090, FeatureConfig.defaultMaxEvents(kubernetesHeap));
    assertEquals(166_094, FeatureConfig.defaultDedupeMaxIds(kubernetesHeap));
    assertEquals(69_206, FeatureConfig.defaultMaxUsers(kubernetesHeap));
    assertEquals(10_000_000, FeatureConfig.defaultMaxEvents(64L << 30));
    assertEquals(1_000_000, FeatureConfig.defaultDedupeMaxIds(64L << 30));
    assertEquals(500_000, FeatureConfig.defaultMaxUsers(64L << 30));
  }

  @Test
  void load_installationNamed_defaultDataIsInsideIt_aDataDirSetStaysAsGiven() {
    ConfigSource launched = ConfigSource.of(Map.of(ConfigSource.HOME_KEY, "/opt/glassbox"));

    assertEquals(Path.of("/opt/glassbox/data/uci-online-retail"), FeatureConfig.load(launched).dataDir());
    assertEquals(Path.of("mine"), FeatureConfig.load(launched.with(Map.of("GLASSBOX_DATA_DIR", "mine"))).dataDir());
  }

  @Test
  void load_everythingSet_usesTheValues() {
    FeatureConfig config = FeatureConfig.load(ConfigSource.of(Map.ofEntries(
        Map.entry("GLASSBOX_FEATURE_PORT", "6000"),
        Map.entry("GLASSBOX_DATA_DIR", "/srv/data"),
        Map.entry("GLASSBOX_DATA_TIME_ZONE", "Europe/London"),
        Map.entry("GLASSBOX_FEATURE_CURRENCY", "EUR"),
        Map.entry("GLASSBOX_FEATURE_MAX_BASKET_SIZE", "50"),
        Map.entry("GLASSBOX_FEATURE_CO_PURCHASE_NEIGHBOURS", "30"),
        Map.entry("GLASSBOX_FEATURE_RECENT_ITEMS", "5"),
        Map.entry("GLASSBOX_FEATURE_ADMIN_PORT", "6001"),
        Map.entry("GLASSBOX_FEATURE_STORE", "redis"),
        Map.entry("GLASSBOX_REDIS_URI", "redis://cache:6380/2"),
        Map.entry("GLASSBOX_FEATURE_MAX_EVENTS_PER_USER", "200"),
        Map.entry("GLASSBOX_FEATURE_MAX_USERS", "1000"),
        Map.entry("GLASSBOX_FEATURE_MAX_EVENTS", "50000"),
        Map.entry("GLASSBOX_FEATURE_DEDUPE_WINDOW", "PT2H"),
        Map.entry("GLASSBOX_FEATURE_DEDUPE_MAX_IDS", "300"),
        Map.entry("GLASSBOX_FEATURE_MAX_CLOCK_SKEW", "30s"),
        Map.entry("GLASSBOX_FEATURE_IMPORT_MAX_MIB", "48"))));

    assertEquals(new FeatureConfig(6000, 6001, Path.of("/srv/data"),
        new LocalTimeZone(Optional.of(ZoneId.of("Europe/London")), "GLASSBOX_DATA_TIME_ZONE"), "EUR", 50, 30, 5,
        StoreKind.REDIS,
        URI.create("redis://cache:6380/2"), true, new StoreBounds(200, 1000, 50000, Duration.ofHours(2), 300),
        Duration.ofSeconds(30), 48), config);
  }

  @Test
  void load_badValues_failNamingTheKey() {
    assertBad("GLASSBOX_FEATURE_PORT", "http");
    assertBad("GLASSBOX_FEATURE_PORT", "70000");
    assertBad("GLASSBOX_FEATURE_CURRENCY", "pounds");
    assertBad("GLASSBOX_DATA_TIME_ZONE", "+01:00");
    assertBad("GLASSBOX_DATA_TIME_ZONE", "Mars/Olympus");
    assertBad("GLASSBOX_FEATURE_MAX_BASKET_SIZE", "1");
    assertBad("GLASSBOX_FEATURE_CO_PURCHASE_NEIGHBOURS", "0");
    assertBad("GLASSBOX_FEATURE_RECENT_ITEMS", "-3");
    assertBad("GLASSBOX_FEATURE_STORE", "postgres");
    assertBad("GLASSBOX_FEATURE_MAX_CLOCK_SKEW", "PT48H");
    assertBad("GLASSBOX_FEATURE_MAX_CLOCK_SKEW", "500ms");
    assertBad("GLASSBOX_REDIS_URI", "http://cache:6379");
    assertBad("GLASSBOX_REDIS_URI", "redis://cache");
    assertBad("GLASSBOX_FEATURE_ADMIN_PORT", "-1");
    assertBad("GLASSBOX_FEATURE_MAX_EVENTS_PER_USER", "0");
    assertBad("GLASSBOX_FEATURE_DEDUPE_WINDOW", "0.5s");
    assertBad("GLASSBOX_FEATURE_DEDUPE_WINDOW", "P60D");
    assertBad("GLASSBOX_FEATURE_IMPORT_MAX_MIB", "0");
    assertBad("GLASSBOX_FEATURE_IMPORT_MAX_MIB", "65537");
  }

  /** The import limit written as a Kubernetes size ("256Mi") is refused saying the unit it takes. */
  @Test
  void load_importLimitWithAUnit_failsSayingItIsWholeMebibytes() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> FeatureConfig.load(ConfigSource.of(Map.of("GLASSBOX_FEATURE_IMPORT_MAX_MIB", "256Mi"))));

    assertEquals("GLASSBOX_FEATURE_IMPORT_MAX_MIB must be an integer, got \"256Mi\": the mebibytes an import may spool"
        + " to the temporary folder, a whole number (256 for 256 MiB, the default)", e.getMessage());
  }

  @Test
  void load_maxEventsBelowThePerUserCap_failsNamingBoth() {
    ConfigException e = assertThrows(ConfigException.class, () -> FeatureConfig.load(ConfigSource.of(Map.of(
        "GLASSBOX_FEATURE_MAX_EVENTS", "10", "GLASSBOX_FEATURE_MAX_EVENTS_PER_USER", "20"))));
    assertTrue(e.getMessage().contains("GLASSBOX_FEATURE_MAX_EVENTS_PER_USER"), e.getMessage());
  }

  @Test
  void heapWarning_boundsSetBeyondTheHeap_sayWhatTheyTake_theDefaultsNever() {
    long heap = 256L << 20;
    StoreBounds tooHigh = new StoreBounds(1000, 1_000_000, 8_000_000, Duration.ofHours(24), 100_000);

    assertEquals(Optional.of("the store's bounds (GLASSBOX_FEATURE_MAX_EVENTS 8000000, GLASSBOX_FEATURE_MAX_USERS"
        + " 1000000, GLASSBOX_FEATURE_DEDUPE_MAX_IDS 100000) let it take about 755 MiB of heap, more than the 102 MiB"
        + " (40% of 256 MiB) the defaults give it: ingestion may be refused, or the heap run out, before the bounds take"
        + " effect."
        + " Unset them to size them to the heap, or give the service more heap"), FeatureConfig.heapWarning(tooHigh, heap));
    for (long mib : new long[] {64, 256, 1024, 6028, 65536}) {
      long bytes = mib << 20;
      StoreBounds defaults = new StoreBounds(FeatureConfig.DEFAULT_MAX_EVENTS_PER_USER,
          FeatureConfig.defaultMaxUsers(bytes), FeatureConfig.defaultMaxEvents(bytes), Duration.ofHours(24),
          FeatureConfig.defaultDedupeMaxIds(bytes));
      assertEquals(Optional.empty(), FeatureConfig.heapWarning(defaults, bytes), mib + " MiB");
    }
  }

  @Test
  void redisNameAndSetting_saysWhenItIsTheDefault() {
    assertEquals("redis://localhost:6379 (the default; set GLASSBOX_REDIS_URI)",
        FeatureConfig.load(ConfigSource.of(Map.of())).redisNameAndSetting());
    assertEquals("redis://***@cache:6379/0 (GLASSBOX_REDIS_URI)", FeatureConfig.load(ConfigSource.of(Map.of(
        "GLASSBOX_REDIS_URI", "redis://app:s3cret@cache:6379/0"))).redisNameAndSetting());
  }

  /** The default's URI set on purpose is the operator's choice: it was called "the default" too. */
  @Test
  void redisNameAndSetting_theDefaultsUriSetExplicitly_isNotCalledTheDefault() {
    assertEquals("redis://localhost:6379 (GLASSBOX_REDIS_URI)", FeatureConfig.load(ConfigSource.of(Map.of(
        "GLASSBOX_REDIS_URI", "redis://localhost:6379"))).redisNameAndSetting());
  }

  @Test
  void redisName_hidesThePassword() {
    FeatureConfig config = FeatureConfig.load(ConfigSource.of(Map.of(
        "GLASSBOX_REDIS_URI", "redis://app:s3cret@cache:6379/0")));
    assertEquals("redis://***@cache:6379/0", config.redisName());
  }

  private static void assertBad(String key, String value) {
    ConfigException e = assertThrows(ConfigException.class,
        () -> FeatureConfig.load(ConfigSource.of(Map.of(key, value))));
    assertTrue(e.getMessage().contains(key), e.getMessage());
  }
}
