package io.glassbox.model.eval;

import static java.util.Objects.requireNonNull;

import io.glassbox.server.Descriptions;
import java.util.List;
import java.util.OptionalLong;

/**
 * One held-out case from the trainer's evaluation cases file.
 *
 * @param split e.g. "valid" or "test"
 * @param userId the user, for per-case output only
 * @param history the user's whole history before the held-out basket, oldest first (untruncated)
 * @param targets held-out items not in the history (at least one)
 * @param negatives sampled unseen items for the sampled protocol; empty when none were written
 * @param requestTime the held-out basket's time in Unix seconds (the request time recent
 *     purchases are counted up to); empty in files written before the column existed
 * @param historyBaskets the basket (order) of each history event, aligned with {@code history};
 *     empty when the file has no {@code history_baskets} column
 */
public record EvaluationCase(
    String split, String userId, List<String> history, List<String> targets, List<String> negatives,
    OptionalLong requestTime, List<String> historyBaskets) {

  public EvaluationCase {
    history = List.copyOf(history);
    targets = List.copyOf(targets);
    negatives = List.copyOf(negatives);
    requireNonNull(requestTime, "requestTime");
    historyBaskets = List.copyOf(historyBaskets);
    if (!historyBaskets.isEmpty() && historyBaskets.size() != history.size()) {
      throw new IllegalArgumentException("user " + Descriptions.truncate(userId) + ": " + historyBaskets.size()
          + " history baskets for " + history.size() + " history items");
    }
  }

  public EvaluationCase(
      String split, String userId, List<String> history, List<String> targets, List<String> negatives,
      OptionalLong requestTime) {
    this(split, userId, history, targets, negatives, requestTime, List.of());
  }

  public EvaluationCase(
      String split, String userId, List<String> history, List<String> targets, List<String> negatives) {
    this(split, userId, history, targets, negatives, OptionalLong.empty());
  }
}
