package io.glassbox.explain;

import io.glassbox.server.Descriptions;
import io.grpc.Status;
import java.util.List;
import java.util.Set;

/**
 * Refuses items to rank that the user has already bought. The model ranks only items the user has
 * not bought (it was trained with them masked), so a bought item among the candidates would take a
 * rank and count in every rank and top-k of the answer: a ranking Recommend never makes. Refused
 * rather than dropped: dropping would answer a question other than the one sent (other ranks,
 * another candidate count) without saying so.
 */
final class BoughtCandidates {
  private BoughtCandidates() {}

  /**
   * FAILED_PRECONDITION naming the first of {@code candidates} (the request field
   * {@code candidatesField}) that is in {@code record} (the field {@code recordField}).
   */
  static void refuse(String candidatesField, List<String> candidates, String recordField, List<String> record,
                     String leaveOutOf) {
    Set<String> bought = Set.copyOf(record);
    for (int i = 0; i < candidates.size(); i++) {
      String id = candidates.get(i);
      if (bought.contains(id)) {
        throw Status.FAILED_PRECONDITION.withDescription(candidatesField + "[" + i + "] \""
            + Descriptions.truncate(id) + "\" is in " + recordField + ": the model ranks only items the user"
            + " has not bought, so it would rank none of them beside it; leave bought items out of " + leaveOutOf
            + " (Recommend shows a bought item only by the buy-again rule)").asRuntimeException();
      }
    }
  }
}
