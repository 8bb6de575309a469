package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.ApiKeys;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.ServerSettings;
import io.glassbox.server.TlsSettings;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RecommendFanOutTest {
  private static final GatewayConfig FOUR_SHARDS =
      GatewayConfig.load(ConfigSource.of(Map.of(GatewayConfig.SCORE_SHARDS_KEY, "4")));

  private static ServerSettings settings(String maxConcurrentCalls, String maxQueuedCalls) {
    return ServerSettings.load(ConfigSource.of(Map.of(ServerSettings.MAX_CONCURRENT_CALLS_KEY, maxConcurrentCalls,
        ServerSettings.MAX_QUEUED_CALLS_KEY, maxQueuedCalls)), 0, "none");
  }

  @Test
  void startWarning_aLimitBelowTheScoreShards_withNoQueue_asksForAsManyAsTheShards() {
    Optional<String> warning = RecommendFanOut.startWarning(FOUR_SHARDS, settings("2", "0"));

    assertTrue(warning.orElseThrow().endsWith("the model service at least 4 (GLASSBOX_GATEWAY_SCORE_SHARDS; more when an"
        + " explanation's counterfactuals need more than one Score call): a service run"
        + " with these settings refuses the suite's own calls (RESOURCE_EXHAUSTED) however idle it is; set"
        + " GLASSBOX_MAX_CONCURRENT_CALLS to 4 or more, or GLASSBOX_MAX_QUEUED_CALLS above 0"), warning.get());
  }

  @Test
  void startWarning_aQueueWithNoWait_asksForAWait_notForTheQueueAlreadySet() {
    // Built in code: GLASSBOX_MAX_QUEUE_WAIT itself must be positive.
    Optional<String> warning = RecommendFanOut.startWarning(FOUR_SHARDS, new ServerSettings("127.0.0.1", "127.0.0.1",
        ApiKeys.none(), TlsSettings.none(), 0, 2, 100, 0, 64, Duration.ZERO));

    assertTrue(warning.orElseThrow().endsWith("set GLASSBOX_MAX_CONCURRENT_CALLS to 4 or more, or"
        + " GLASSBOX_MAX_QUEUE_WAIT above 0"), warning.get());
  }

  @Test
  void startWarning_aLimitThatCarriesOneRecommend_orAQueue_isEmpty() {
    assertEquals(Optional.empty(), RecommendFanOut.startWarning(FOUR_SHARDS, settings("4", "0")));
    assertEquals(Optional.empty(), RecommendFanOut.startWarning(FOUR_SHARDS, settings("1", "1")));
  }
}
