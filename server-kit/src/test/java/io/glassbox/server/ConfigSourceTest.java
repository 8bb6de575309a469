package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ConfigSourceTest {
  @TempDir Path dir;

  @Test
  void unsetKeys_fallBackToDefaults() {
    ConfigSource source = ConfigSource.of(Map.of());

    assertEquals(50051, source.getPort("PORT", 50051));
    assertEquals(Duration.ofSeconds(2), source.getDuration("D", Duration.ofSeconds(2)));
    assertEquals("x", source.getString("S", "x"));
    assertFalse(source.getBoolean("B", false));
  }

  @Test
  void shipped_underTheInstallationWhenNamed_elseTheWorkingDirectory() {
    assertEquals(Path.of("/opt/glassbox/models"),
        ConfigSource.of(Map.of(ConfigSource.HOME_KEY, "/opt/glassbox")).shipped("models"));
    assertEquals(Path.of("models"), ConfigSource.of(Map.of()).shipped("models"));
  }

  @Test
  void durations_acceptMillisSecondsAndIso() {
    ConfigSource source = ConfigSource.of(Map.of("A", "250ms", "B", "1.5s", "C", "PT3S"));

    assertEquals(Duration.ofMillis(250), source.getDuration("A", Duration.ZERO));
    assertEquals(Duration.ofMillis(1500), source.getDuration("B", Duration.ZERO));
    assertEquals(Duration.ofSeconds(3), source.getDuration("C", Duration.ZERO));
  }

  @Test
  void badValues_failWithTheKeyInTheMessage() {
    ConfigSource source = ConfigSource.of(Map.of(
        "PORT", "99999", "N", "many", "D", "soon", "B", "maybe", "Z", "0ms"));

    assertTrue(assertThrows(ConfigException.class, () -> source.getPort("PORT", 1)).getMessage().contains("PORT"));
    assertTrue(assertThrows(ConfigException.class, () -> source.getInt("N", 1, 0, 9)).getMessage().contains("N"));
    assertTrue(assertThrows(ConfigException.class, () -> source.getDuration("D", Duration.ZERO)).getMessage().contains("D"));
    assertTrue(assertThrows(ConfigException.class, () -> source.getBoolean("B", true)).getMessage().contains("B"));
    assertThrows(ConfigException.class, () -> source.getDuration("Z", Duration.ZERO));
  }

  @Test
  void durationOutOfRange_isRefusedWithTheValueAsWritten() {
    ConfigSource source = ConfigSource.of(Map.of("POLL", " 1ms "));

    ConfigException refused = assertThrows(ConfigException.class, () -> source.getDuration("POLL",
        Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMinutes(5), "from 100ms to 5 minutes"));

    // Not the parsed PT0.001S, which the operator never typed.
    assertEquals("POLL must be from 100ms to 5 minutes, got \"1ms\"", refused.getMessage());
  }

  @Test
  void file_isReadAndEnvironmentWins() throws IOException {
    Path file = dir.resolve("glassbox.properties");
    Files.writeString(file, "PORT=6000\nNAME=from-file\n");

    ConfigSource source = ConfigSource.of(Map.of(ConfigSource.CONFIG_FILE_KEY, file.toString(), "PORT", "7000"));

    assertEquals(7000, source.getPort("PORT", 1));
    assertEquals("from-file", source.getString("NAME", ""));
  }

  @Test
  void missingFile_failsFast() {
    assertThrows(ConfigException.class,
        () -> ConfigSource.of(Map.of(ConfigSource.CONFIG_FILE_KEY, dir.resolve("nope").toString())));
  }

  @Test
  void with_overridesValues() {
    ConfigSource source = ConfigSource.of(Map.of("PORT", "1")).with(Map.of("PORT", "2"));

    assertEquals(2, source.getPort("PORT", 0));
  }
}
