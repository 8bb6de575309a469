package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(10)
class GatewayConfigTest {

  @Test
  void load_nothingSet_usesTheDocumentedDefaults() {
    GatewayConfig config = GatewayConfig.load(ConfigSource.of(Map.of()));

    assertEquals(new GatewayConfig(50051, "localhost:50052", "localhost:50053", "localhost:50054",
        Duration.ofSeconds(3), Duration.ofSeconds(1), Duration.ofMillis(800), Duration.ofMillis(50),
        200, 500, 2000, true, 10, 2, 1, 1, 3), config);
  }

  @Test
  void load_everythingSet_usesTheSettings() {
    GatewayConfig config = GatewayConfig.load(ConfigSource.of(Map.ofEntries(
        Map.entry("GLASSBOX_GATEWAY_PORT", "6000"),
        Map.entry("GLASSBOX_FEATURE_TARGET", "dns:///feature:50052"),
        Map.entry("GLASSBOX_MODEL_TARGET", "model:1"),
        Map.entry("GLASSBOX_EXPLAIN_TARGET", "in-process:explain"),
        Map.entry("GLASSBOX_DEFAULT_DEADLINE", "5s"),
        Map.entry("GLASSBOX_GATEWAY_MODEL_TIMEOUT", "PT0.7S"),
        Map.entry("GLASSBOX_EXPLAIN_TIMEOUT", "400ms"),
        Map.entry("GLASSBOX_GATEWAY_DEADLINE_MARGIN", "20ms"),
        Map.entry("GLASSBOX_GATEWAY_HISTORY_EVENTS", "1000"),
        Map.entry("GLASSBOX_GATEWAY_CANDIDATE_COUNT", "2000"),
        Map.entry("GLASSBOX_GATEWAY_SLATE_SIZE", "50"),
        Map.entry("GLASSBOX_GATEWAY_TREND_TERM", "false"),
        Map.entry("GLASSBOX_GATEWAY_BUY_AGAIN_SLOTS", "0"),
        Map.entry("GLASSBOX_GATEWAY_BUY_AGAIN_MIN_BASKETS", "3"),
        Map.entry("GLASSBOX_GATEWAY_NEWCOMER_SLOTS", "4"),
        Map.entry("GLASSBOX_GATEWAY_SCORE_SHARDS", "16"),
        Map.entry("GLASSBOX_GATEWAY_MIN_CITED_ORDERS", "1"))));

    assertEquals(new GatewayConfig(6000, "dns:///feature:50052", "model:1", "in-process:explain",
        Duration.ofSeconds(5), Duration.ofMillis(700), Duration.ofMillis(400), Duration.ofMillis(20),
        1000, 2000, 50, false, 0, 3, 4, 16, 1), config);
  }

  @ParameterizedTest
  @CsvSource({
      "GLASSBOX_GATEWAY_PORT, 70000",
      "GLASSBOX_DEFAULT_DEADLINE, soon",
      "GLASSBOX_EXPLAIN_TIMEOUT, -5ms",
      "GLASSBOX_GATEWAY_MODEL_TIMEOUT, 0s",
      "GLASSBOX_GATEWAY_HISTORY_EVENTS, 1001",
      "GLASSBOX_GATEWAY_CANDIDATE_COUNT, 0",
      "GLASSBOX_GATEWAY_CANDIDATE_COUNT, many",
      "GLASSBOX_GATEWAY_SLATE_SIZE, 2001",
      "GLASSBOX_GATEWAY_TREND_TERM, maybe",
      "GLASSBOX_GATEWAY_BUY_AGAIN_SLOTS, -1",
      "GLASSBOX_GATEWAY_BUY_AGAIN_SLOTS, 51",
      "GLASSBOX_GATEWAY_BUY_AGAIN_MIN_BASKETS, 1",
      "GLASSBOX_GATEWAY_BUY_AGAIN_MIN_BASKETS, 1001",
      "GLASSBOX_GATEWAY_NEWCOMER_SLOTS, -1",
      "GLASSBOX_GATEWAY_NEWCOMER_SLOTS, 51",
      "GLASSBOX_GATEWAY_SCORE_SHARDS, 0",
      "GLASSBOX_GATEWAY_SCORE_SHARDS, 17",
      "GLASSBOX_GATEWAY_MIN_CITED_ORDERS, 0",
      "GLASSBOX_GATEWAY_MIN_CITED_ORDERS, 1001"})
  void load_badValue_failsNamingTheKey(String key, String value) {
    ConfigException error = assertThrows(ConfigException.class,
        () -> GatewayConfig.load(ConfigSource.of(Map.of(key, value))));

    assertTrue(error.getMessage().startsWith(key), error.getMessage());
  }

  @Test
  void load_marginNotShorterThanTheDefaultDeadline_fails() {
    ConfigException error = assertThrows(ConfigException.class,
        () -> GatewayConfig.load(ConfigSource.of(Map.of(
            "GLASSBOX_DEFAULT_DEADLINE", "1s", "GLASSBOX_GATEWAY_DEADLINE_MARGIN", "1s"))));

    assertTrue(error.getMessage().startsWith("GLASSBOX_GATEWAY_DEADLINE_MARGIN"),
        error.getMessage());
  }
}
