package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ExplainConfigTest {

  @Test
  void load_nothingSet_usesDefaults() {
    ExplainConfig config = ExplainConfig.load(ConfigSource.of(Map.of()), 16);

    assertEquals(new ExplainConfig(50054, "localhost:50053", "localhost:50052", Duration.ofSeconds(5), 3, 1), config);
  }

  @Test
  void load_everythingSet_usesTheValues() {
    ExplainConfig config = ExplainConfig.load(ConfigSource.of(Map.of(
        "GLASSBOX_EXPLAIN_PORT", "6000",
        "GLASSBOX_MODEL_TARGET", "dns:///model-service:50053",
        "GLASSBOX_FEATURE_TARGET", "feature-service:50052",
        "GLASSBOX_EXPLAIN_DEPENDENCY_TIMEOUT", "800ms",
        "GLASSBOX_EXPLAIN_MIN_RANK_DROP", "5",
        "GLASSBOX_EXPLAIN_INSIGHTS_CONCURRENCY", "2")), 16);

    assertEquals(new ExplainConfig(6000, "dns:///model-service:50053", "feature-service:50052",
        Duration.ofMillis(800), 5, 2), config);
  }

  @Test
  void load_badPort_namesTheKey() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExplainConfig.load(ConfigSource.of(Map.of("GLASSBOX_EXPLAIN_PORT", "70000")), 16));

    assertTrue(e.getMessage().contains("GLASSBOX_EXPLAIN_PORT"), e.getMessage());
  }

  @Test
  void load_badTimeout_namesTheKey() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExplainConfig.load(ConfigSource.of(Map.of("GLASSBOX_EXPLAIN_DEPENDENCY_TIMEOUT", "soon")), 16));

    assertTrue(e.getMessage().contains("GLASSBOX_EXPLAIN_DEPENDENCY_TIMEOUT"), e.getMessage());
  }

  @Test
  void load_minRankDropOutOfRange_namesTheKey() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExplainConfig.load(ConfigSource.of(Map.of("GLASSBOX_EXPLAIN_MIN_RANK_DROP", "0")), 16));

    assertTrue(e.getMessage().contains("GLASSBOX_EXPLAIN_MIN_RANK_DROP"), e.getMessage());
  }

  @Test
  void load_insightsConcurrencyOutOfRange_namesTheKey() {
    for (String bad : new String[] {"0", "17"}) {
      ConfigException e = assertThrows(ConfigException.class, () -> ExplainConfig.load(
          ConfigSource.of(Map.of("GLASSBOX_EXPLAIN_INSIGHTS_CONCURRENCY", bad)), 32));

      assertTrue(e.getMessage().contains("GLASSBOX_EXPLAIN_INSIGHTS_CONCURRENCY"), e.getMessage());
    }
  }

  @Test
  void load_insightsConcurrencyAboveTheRangeBesideMoreCallSlots_givesTheRangesReasonNotTheCallSlots() {
    ConfigException e = assertThrows(ConfigException.class, () -> ExplainConfig.load(
        ConfigSource.of(Map.of("GLASSBOX_EXPLAIN_INSIGHTS_CONCURRENCY", "17")), 64));

    assertEquals("GLASSBOX_EXPLAIN_INSIGHTS_CONCURRENCY must be 1..16, got 17: each GetModelInsights call scores"
        + " thousands of rows, and more at once would crowd Recommend's Score calls out of the model service",
        e.getMessage());
  }

  @Test
  void load_insightsConcurrencyZero_failsSayingItDoesNotTurnInsightsOff() {
    ConfigException e = assertThrows(ConfigException.class, () -> ExplainConfig.load(
        ConfigSource.of(Map.of("GLASSBOX_EXPLAIN_INSIGHTS_CONCURRENCY", "0")), 64));

    assertEquals("GLASSBOX_EXPLAIN_INSIGHTS_CONCURRENCY must be 1..16, got 0: it cannot turn GetModelInsights off;"
        + " insights are off only beside GLASSBOX_MAX_CONCURRENT_CALLS=1 with this setting unset", e.getMessage());
  }

  @Test
  void load_insightsConcurrencyAtTheServersCallSlots_failsNamingBothSettingsInOneMessage() {
    ConfigException e = assertThrows(ConfigException.class, () -> ExplainConfig.load(
        ConfigSource.of(Map.of("GLASSBOX_EXPLAIN_INSIGHTS_CONCURRENCY", "4")), 4));

    assertEquals("GLASSBOX_EXPLAIN_INSIGHTS_CONCURRENCY must be 1..16 and less than GLASSBOX_MAX_CONCURRENT_CALLS (4),"
        + " got 4: at as many as the server's call slots, GetModelInsights calls can take every slot and leave none"
        + " for Explain, which Recommend calls", e.getMessage());
  }

  @Test
  void load_insightsConcurrencyUnsetBesideOneCallSlot_turnsInsightsOff() {
    ExplainConfig config = ExplainConfig.load(ConfigSource.of(Map.of()), 1);

    assertEquals(0, config.insightsConcurrency());
    assertFalse(config.insightsServed());
  }

  @Test
  void load_insightsConcurrencySetBesideOneCallSlot_failsSayingHowToStart() {
    ConfigException e = assertThrows(ConfigException.class, () -> ExplainConfig.load(
        ConfigSource.of(Map.of("GLASSBOX_EXPLAIN_INSIGHTS_CONCURRENCY", "1")), 1));

    assertTrue(e.getMessage().endsWith("; leave it unset to run with GetModelInsights off, or set"
        + " GLASSBOX_MAX_CONCURRENT_CALLS to 2 or more"), e.getMessage());
  }

  @Test
  void constructor_blankTarget_isRejected() {
    assertThrows(ConfigException.class,
        () -> new ExplainConfig(0, " ", "localhost:50052", Duration.ofSeconds(1), 3, 1));
  }
}
