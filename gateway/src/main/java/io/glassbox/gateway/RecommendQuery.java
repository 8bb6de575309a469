package io.glassbox.gateway;

import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.server.RecommendPlaces;
import io.glassbox.server.RequestChecks;
import java.util.OptionalInt;

/**
 * A validated Recommend request.
 *
 * @param userId the shopper, 1..128 characters
 * @param limit items to return, 1..{@value #MAX_LIMIT}
 * @param locale "en-US" or "zh-CN"
 * @param includeContributions whether the answer carries the contribution heatmap
 * @param skipModelReasons whether to answer with retrieval reasons only (no explain call)
 * @param buyAgainSlots the request's buy-again places, 0..{@value GatewayConfig#MAX_SLOTS}
 *     (0 = off); empty for the gateway's default
 * @param newcomerSlots the request's newcomer places, 0..{@value GatewayConfig#MAX_SLOTS} (0 = off);
 *     empty for the gateway's default
 */
record RecommendQuery(
    String userId, int limit, String locale, boolean includeContributions, boolean skipModelReasons,
    OptionalInt buyAgainSlots, OptionalInt newcomerSlots) {
  static final int DEFAULT_LIMIT = RecommendPlaces.DEFAULT_LIMIT;
  static final int MAX_LIMIT = RecommendPlaces.MAX_LIMIT;

  /** Validates a request; INVALID_ARGUMENT naming the field otherwise. */
  static RecommendQuery from(RecommendRequest request) {
    OptionalInt buyAgainSlots = request.hasBuyAgainSlots()
        ? OptionalInt.of(slots("buy_again_slots", request.getBuyAgainSlots())) : OptionalInt.empty();
    OptionalInt newcomerSlots = request.hasNewcomerSlots()
        ? OptionalInt.of(slots("newcomer_slots", request.getNewcomerSlots())) : OptionalInt.empty();
    return new RecommendQuery(
        RequestChecks.requireUserId("user_id", request.getUserId()),
        RequestChecks.limitOrDefault("limit", request.getLimit(), DEFAULT_LIMIT, MAX_LIMIT),
        RequestChecks.locale("locale", request.getLocale()),
        request.getIncludeContributions(),
        request.getSkipModelReasons(),
        buyAgainSlots,
        newcomerSlots);
  }

  private static int slots(String field, int slots) {
    if (slots < 0 || slots > GatewayConfig.MAX_SLOTS) {
      throw RequestChecks.invalid(field + " must be 0 (off).." + GatewayConfig.MAX_SLOTS + ", got " + slots);
    }
    return slots;
  }

  /** The buy-again places this request may fill: its own setting or the default, at most limit. */
  int buyAgainPlaces(GatewayConfig config) {
    return Math.min(limit, buyAgainSlots.orElse(config.buyAgainSlots()));
  }

  /** The newcomer places this request may fill: its own setting or the default. */
  int newcomerSlots(GatewayConfig config) {
    return newcomerSlots.orElse(config.newcomerSlots());
  }
}
