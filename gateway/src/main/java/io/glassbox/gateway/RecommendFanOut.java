package io.glassbox.gateway;

import io.glassbox.server.ServerSettings;
import java.util.List;
import java.util.Optional;

/**
 * How many calls one Recommend sends to each service at once ({@link Recommender}): the feature
 * service GetUserHistory and RetrieveCandidates together (GetItems comes later, alone), the model
 * service at least one Score per shard ({@value GatewayConfig#SCORE_SHARDS_KEY}; the explain
 * service sends it several at once when an explanation's counterfactuals exceed one Score call),
 * the explain service one Explain, never the most. A server that runs fewer calls at once than
 * that and queues none refuses part of every Recommend, however idle the suite: retrying never helps.
 */
final class RecommendFanOut {
  /** GetUserHistory and RetrieveCandidates, sent together. */
  private static final int FEATURE_CALLS = 2;

  private RecommendFanOut() {}

  /**
   * The warning for a gateway run with {@code config} and {@code settings} (the suite's servers
   * read the same GLASSBOX_* settings under {@code bin/glassbox up}) when a server run with them
   * cannot carry one Recommend; empty when it can.
   */
  static Optional<String> startWarning(GatewayConfig config, ServerSettings settings) {
    int modelCalls = config.scoreShards();
    int mostAtOnce = Math.max(FEATURE_CALLS, modelCalls);
    List<String> zeroQueueKeys = ServerSettings.zeroQueueKeys(settings.maxQueuedCalls(), settings.maxQueueWait());
    if (zeroQueueKeys.isEmpty() || settings.maxConcurrentCalls() >= mostAtOnce) {
      return Optional.empty();
    }
    return Optional.of(ServerSettings.MAX_CONCURRENT_CALLS_KEY + " is " + settings.maxConcurrentCalls()
        + " with no queue (" + ServerSettings.MAX_QUEUED_CALLS_KEY + " " + settings.maxQueuedCalls() + ", "
        + ServerSettings.MAX_QUEUE_WAIT_KEY + " " + settings.maxQueueWait().toMillis() + " ms), but one Recommend"
        + " sends the feature service " + FEATURE_CALLS + " calls at once and the model service at least "
        + modelCalls + " (" + GatewayConfig.SCORE_SHARDS_KEY + "; more when an explanation's counterfactuals need"
        + " more than one Score call): a service run with these settings refuses the suite's own"
        + " calls (RESOURCE_EXHAUSTED) however idle it is; set " + ServerSettings.MAX_CONCURRENT_CALLS_KEY
        + " to " + mostAtOnce + " or more, or " + String.join(" and ", zeroQueueKeys) + " above 0");
  }
}
