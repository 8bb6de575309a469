package io.glassbox.gateway;

import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.server.RequestChecks;

/**
 * A validated Recommend request.
 *
 * @param userId the shopper, 1..128 characters
 * @param limit items to return, 1..{@value #MAX_LIMIT}
 * @param locale "en-US" or "zh-CN"
 * @param includeContributions whether the answer carries the contribution heatmap
 * @param skipModelReasons whether to answer with retrieval reasons only (no explain call)
 */
record RecommendQuery(
    String userId, int limit, String locale, boolean includeContributions, boolean skipModelReasons) {
  static final int DEFAULT_LIMIT = 10;
  static final int MAX_LIMIT = 50;

  /** Validates a request; INVALID_ARGUMENT naming the field otherwise. */
  static RecommendQuery from(RecommendRequest request) {
    return new RecommendQuery(
        RequestChecks.requireId("user_id", request.getUserId()),
        RequestChecks.limitOrDefault("limit", request.getLimit(), DEFAULT_LIMIT, MAX_LIMIT),
        RequestChecks.locale("locale", request.getLocale()),
        request.getIncludeContributions(),
        request.getSkipModelReasons());
  }
}
