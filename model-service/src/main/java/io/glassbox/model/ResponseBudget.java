package io.glassbox.model;

import com.google.protobuf.CodedOutputStream;
import io.glassbox.server.MessageLimits;
import io.grpc.Status;
import java.util.List;
import java.util.Locale;

/**
 * The size a Score response will have, worked out from the request before any inference, and
 * the budget it must fit: {@link MessageLimits#MAX_MESSAGE_BYTES}, the limit every Glassbox
 * client accepts. Without it a request within the per-field limits (256 rows x 781 candidates
 * with attention and contribution) answered 84 MB, and three at once exhausted the heap.
 *
 * <p>The estimate follows the protobuf encoding of {@code ScoreResponse}: each echoed id, 4
 * bytes per score, and per candidate 4 bytes per used history item for each evidence kind asked
 * for, with their tags and lengths. A row uses at most {@code historyLength} history items.
 */
final class ResponseBudget {
  /** Tag plus the longest length prefix of a nested message or packed field. */
  private static final int FIELD_OVERHEAD = 6;

  private ResponseBudget() {}

  /** Throws RESOURCE_EXHAUSTED if the response to {@code query} would exceed the budget. */
  static void check(ScoreQuery query, int historyLength) {
    long bytes = estimate(query, historyLength);
    if (bytes > MessageLimits.MAX_MESSAGE_BYTES) {
      int candidates = query.rows().stream().mapToInt(row -> row.candidateItemIds().size()).sum();
      throw Status.RESOURCE_EXHAUSTED.withDescription(String.format(Locale.ROOT,
          "the response would be about %.1f MB, over the %d MiB response budget (%d rows, %d candidates%s,"
              + " history up to %d); send fewer rows or candidates per call%s",
          bytes / 1e6, MessageLimits.MAX_MESSAGE_BYTES >> 20, query.rows().size(), candidates,
          evidenceKinds(query) == 0 ? "" : " with " + describeEvidence(query), historyLength,
          evidenceKinds(query) == 0 ? "" : ", or leave out attention/contribution")).asRuntimeException();
    }
  }

  /** The encoded size of the response, in bytes (an upper bound for ASCII ids). */
  static long estimate(ScoreQuery query, int historyLength) {
    int kinds = evidenceKinds(query);
    boolean skip = query.unknownItems() == ScoreQuery.UnknownItems.SKIP;
    long total = 64;
    for (ScoreQuery.Row row : query.rows()) {
      List<String> history = row.historyItemIds();
      int used = Math.min(history.size(), historyLength);
      // With SKIP, dropped history ids come back in skipped_item_ids.
      long bytes = FIELD_OVERHEAD + idBytes(skip ? history : history.subList(history.size() - used, history.size()));
      int candidates = row.candidateItemIds().size();
      bytes += idBytes(row.candidateItemIds());
      bytes += FIELD_OVERHEAD + 4L * candidates;
      if (kinds > 0) {
        bytes += (long) candidates * (FIELD_OVERHEAD + kinds * (FIELD_OVERHEAD + 4L * used));
      }
      total += bytes;
    }
    return total;
  }

  private static long idBytes(List<String> ids) {
    long bytes = 0;
    for (String id : ids) {
      bytes += CodedOutputStream.computeStringSize(1, id);
    }
    return bytes;
  }

  private static int evidenceKinds(ScoreQuery query) {
    return (query.includeAttention() ? 1 : 0) + (query.includeContribution() ? 1 : 0);
  }

  private static String describeEvidence(ScoreQuery query) {
    return query.includeAttention() && query.includeContribution() ? "attention and contribution"
        : query.includeAttention() ? "attention" : "contribution";
  }
}
