package io.glassbox.gateway.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ViewerConfigTest {

  @Test
  void defaults_areLoopbackPort8080_andCustomersOfTheEmbeddedData() {
    ViewerConfig config = ViewerConfig.load(ConfigSource.of(Map.of()));

    assertEquals("127.0.0.1", config.bindAddress().getHostAddress());
    assertEquals(8080, config.port());
    assertTrue(config.enabled());
    assertEquals(List.of("12348", "12347", "14911", "17841", "13089"), config.exampleUsers());
  }

  @Test
  void portZero_disablesTheViewer() {
    assertFalse(ViewerConfig.load(ConfigSource.of(Map.of(ViewerConfig.PORT_KEY, "0"))).enabled());
  }

  @Test
  void bindAddressAndExamples_areRead() {
    ViewerConfig config = ViewerConfig.load(ConfigSource.of(Map.of(
        ViewerConfig.BIND_ADDRESS_KEY, "0.0.0.0",
        ViewerConfig.PORT_KEY, "9090",
        ViewerConfig.EXAMPLE_USERS_KEY, " a1, b2 ,,c3 ")));

    assertTrue(config.bindAddress().isAnyLocalAddress());
    assertEquals(9090, config.port());
    assertEquals(List.of("a1", "b2", "c3"), config.exampleUsers());
  }

  @Test
  void aHostNameOrGarbageAsBindAddress_failsNamingTheKey() {
    for (String bad : List.of("localhost", "example.org", "300.1.1.1", "::gg")) {
      ConfigException error = assertThrows(ConfigException.class, () -> ViewerConfig.load(
          ConfigSource.of(Map.of(ViewerConfig.BIND_ADDRESS_KEY, bad))), bad);
      assertTrue(error.getMessage().startsWith(ViewerConfig.BIND_ADDRESS_KEY), error.getMessage());
    }
  }

  @Test
  void outOfRangePort_andTooManyOrOverLongExamples_fail() {
    assertThrows(ConfigException.class,
        () -> ViewerConfig.load(ConfigSource.of(Map.of(ViewerConfig.PORT_KEY, "65536"))));
    assertThrows(ConfigException.class, () -> ViewerConfig.load(ConfigSource.of(Map.of(
        ViewerConfig.EXAMPLE_USERS_KEY, String.join(",", java.util.Collections.nCopies(21, "u"))))));
    assertThrows(ConfigException.class, () -> ViewerConfig.load(ConfigSource.of(Map.of(
        ViewerConfig.EXAMPLE_USERS_KEY, "x".repeat(129)))));
    ConfigException control = assertThrows(ConfigException.class, () -> ViewerConfig.load(ConfigSource.of(Map.of(
        ViewerConfig.EXAMPLE_USERS_KEY, "12348,123\u000047"))));
    assertEquals(ViewerConfig.EXAMPLE_USERS_KEY + ": each user id must not contain control characters, "
        + "got U+0000 at index 3", control.getMessage());
  }
}
