package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FeatureConfigTest {
  @Test
  void load_nothingSet_usesDefaults() {
    FeatureConfig config = FeatureConfig.load(ConfigSource.of(Map.of()));

    assertEquals(new FeatureConfig(50052, Path.of("data/uci-online-retail"), "GBP", 100, 200, 20), config);
  }

  @Test
  void load_everythingSet_usesTheValues() {
    FeatureConfig config = FeatureConfig.load(ConfigSource.of(Map.of(
        "GLASSBOX_FEATURE_PORT", "6000",
        "GLASSBOX_DATA_DIR", "/srv/data",
        "GLASSBOX_FEATURE_CURRENCY", "EUR",
        "GLASSBOX_FEATURE_MAX_BASKET_SIZE", "50",
        "GLASSBOX_FEATURE_CO_PURCHASE_NEIGHBOURS", "30",
        "GLASSBOX_FEATURE_RECENT_ITEMS", "5")));

    assertEquals(new FeatureConfig(6000, Path.of("/srv/data"), "EUR", 50, 30, 5), config);
  }

  @Test
  void load_badValues_failNamingTheKey() {
    assertBad("GLASSBOX_FEATURE_PORT", "http");
    assertBad("GLASSBOX_FEATURE_PORT", "70000");
    assertBad("GLASSBOX_FEATURE_CURRENCY", "pounds");
    assertBad("GLASSBOX_FEATURE_MAX_BASKET_SIZE", "1");
    assertBad("GLASSBOX_FEATURE_CO_PURCHASE_NEIGHBOURS", "0");
    assertBad("GLASSBOX_FEATURE_RECENT_ITEMS", "-3");
  }

  private static void assertBad(String key, String value) {
    ConfigException e = assertThrows(ConfigException.class,
        () -> FeatureConfig.load(ConfigSource.of(Map.of(key, value))));
    assertTrue(e.getMessage().contains(key), e.getMessage());
  }
}
