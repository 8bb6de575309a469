package io.glassbox.gateway;

import static io.glassbox.server.RequestChecks.invalid;

import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.api.v1.UserWhatIfRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.glassbox.server.RecommendPlaces;
import io.glassbox.server.RequestChecks;
import java.util.List;
import java.util.OptionalInt;

/** Validated ExplainItem, WhyNot and WhatIf requests (limits from gateway.proto). */
final class UserQuestions {
  static final int MAX_LIMIT = RecommendPlaces.MAX_LIMIT;
  static final int MAX_EDITS = 50;

  private UserQuestions() {}

  /**
   * ExplainItem or WhyNot: one item of one user's ranking. {@code limit} is empty when the caller
   * left it 0: the top-k is then the new picks of a default Recommend answer for the user.
   */
  record ItemQuestion(String userId, String itemId, OptionalInt limit, String locale) {}

  /** WhatIf: purchases to leave out and to add; {@code limit} as in {@link ItemQuestion}. */
  record WhatIfQuestion(String userId, List<String> remove, List<String> add, OptionalInt limit, String locale) {
    WhatIfQuestion {
      remove = List.copyOf(remove);
      add = List.copyOf(add);
    }
  }

  static ItemQuestion read(UserExplainItemRequest request) {
    return item(request.getUserId(), request.getItemId(), request.getLimit(), request.getLocale());
  }

  static ItemQuestion read(UserWhyNotRequest request) {
    return item(request.getUserId(), request.getItemId(), request.getLimit(), request.getLocale());
  }

  static WhatIfQuestion read(UserWhatIfRequest request) {
    String userId = RequestChecks.requireUserId("user_id", request.getUserId());
    RequestChecks.requireCount("remove_item_ids", request.getRemoveItemIdsCount(), 0, MAX_EDITS);
    RequestChecks.requireCount("add_item_ids", request.getAddItemIdsCount(), 0, MAX_EDITS);
    List<String> remove = RequestChecks.requireIds("remove_item_ids", request.getRemoveItemIdsList());
    List<String> add = RequestChecks.requireIds("add_item_ids", request.getAddItemIdsList());
    if (remove.isEmpty() && add.isEmpty()) {
      throw invalid("remove_item_ids and add_item_ids must not both be empty (nothing would change)");
    }
    return new WhatIfQuestion(userId, remove, add, limit(request.getLimit()),
        RequestChecks.locale("locale", request.getLocale()));
  }

  private static ItemQuestion item(String userId, String itemId, int limit, String locale) {
    return new ItemQuestion(
        RequestChecks.requireUserId("user_id", userId),
        RequestChecks.requireId("item_id", itemId),
        limit(limit),
        RequestChecks.locale("locale", locale));
  }

  /** A limit of 1..{@value #MAX_LIMIT}, or empty for 0 (resolved per user, by {@link UserExplainer}). */
  private static OptionalInt limit(int limit) {
    if (limit < 0 || limit > MAX_LIMIT) {
      throw invalid("limit must be 1.." + MAX_LIMIT + " (or 0 for the new picks of a default Recommend answer), got "
          + limit);
    }
    return limit == 0 ? OptionalInt.empty() : OptionalInt.of(limit);
  }
}
