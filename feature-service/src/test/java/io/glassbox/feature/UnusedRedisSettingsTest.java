package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A real start on the memory store with a Redis setting that cannot take effect says so, once. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnusedRedisSettingsTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger(FeatureMain.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  @TempDir Path data;

  @BeforeEach
  void captureLogAndWriteData() throws IOException {
    logged.start();
    logger.addAppender(logged);
    Files.writeString(data.resolve("items.csv"), "item_id,title\nA,Mug\n");
    Files.writeString(data.resolve("interactions.csv"), "user_id,item_id,timestamp\nu1,A,2011-03-03T09:00:00Z\n");
  }

  @AfterEach
  void restoreLog() {
    logger.detachAppender(logged);
  }

  @Test
  void start_redisUriSetStoreUnset_warnsNamingBothSettings() {
    startAndStop(Map.of(FeatureConfig.REDIS_URI_KEY, "redis://localhost:53701"));

    assertEquals(List.of("GLASSBOX_REDIS_URI is set but GLASSBOX_FEATURE_STORE is memory (the default): events are"
        + " kept in this process only and lost when it stops; set GLASSBOX_FEATURE_STORE=redis to use it"), warnings());
  }

  @Test
  void start_redisUriSetStoreMemory_warnsWithoutCallingItTheDefault() {
    startAndStop(Map.of(FeatureConfig.REDIS_URI_KEY, "redis://localhost:53701", FeatureConfig.STORE_KEY, "memory"));

    assertEquals(List.of("GLASSBOX_REDIS_URI is set but GLASSBOX_FEATURE_STORE is memory: events are"
        + " kept in this process only and lost when it stops; set GLASSBOX_FEATURE_STORE=redis to use it"), warnings());
  }

  @Test
  void start_noRedisSetting_noWarning() {
    startAndStop(Map.of());

    assertEquals(List.of(), warnings());
  }

  private void startAndStop(Map<String, String> settings) {
    ConfigSource source = ConfigSource.of(Map.of(
        FeatureConfig.PORT_KEY, "0",
        FeatureConfig.ADMIN_PORT_KEY, "0",
        ServerSettings.METRICS_PORT_KEY, "0",
        FeatureConfig.DATA_DIR_KEY, data.toString())).with(settings);
    try (GrpcServer server = FeatureMain.start(source)) {
      // Started: the warning, if any, was said before serving.
    }
  }

  private List<String> warnings() {
    return logged.list.stream().filter(event -> event.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage).toList();
  }
}
