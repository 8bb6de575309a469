package io.glassbox.gateway;

import io.glassbox.api.v1.GetUserHistoryRequest;

/** The part of a shopper's record the model reads, as Recommend and the interactive RPCs ask for it. */
final class ModelRecord {
  private ModelRecord() {}

  /**
   * The user's last {@code maxEvents} purchases: the model reads purchases only (it was trained on
   * them, and its reasons say "you bought"), and a purchase the shopper turned down since ("not
   * interested") no longer speaks for them.
   */
  static GetUserHistoryRequest.Builder request(String userId, int maxEvents) {
    return GetUserHistoryRequest.newBuilder()
        .setUserId(userId)
        .setMaxEvents(maxEvents)
        .setPurchasesOnly(true)
        .setLeaveOutTurnedDown(true);
  }
}
