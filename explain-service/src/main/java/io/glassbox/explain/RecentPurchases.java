package io.glassbox.explain;

import static io.glassbox.server.RequestChecks.invalid;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.ScoreRequest;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Each candidate's purchases (all users) in the model's trend window, as the caller's ranking
 * was scored with ({@code ScoreRow.candidate_recent_purchases}). Every Score call of one answer
 * carries the same counts, so every rank it states is one of the served score, trend term
 * included. {@link #NONE}: no counts, no trend term (as the model service does without them).
 *
 * @param counts by candidate id; a candidate without one is scored with 0
 * @param window the window they were counted over; empty exactly when there are no counts
 * @param asOf the request time they were counted up to, the end of the half-open window
 *     {@code [asOf - window, asOf)}, when the caller said it: a trend reason names it
 */
record RecentPurchases(Map<String, Long> counts, Optional<Duration> window, Optional<Instant> asOf) {
  static final RecentPurchases NONE = new RecentPurchases(Map.of(), Optional.empty(), Optional.empty());

  RecentPurchases {
    counts = Map.copyOf(counts);
    requireNonNull(window, "window");
    requireNonNull(asOf, "asOf");
  }

  RecentPurchases(Map<String, Long> counts, Optional<Duration> window) {
    this(counts, window, Optional.empty());
  }

  /**
   * These counts, said to be counted up to {@code asOf} ({@code Timestamp} of the request, unset:
   * not said); unchanged without counts.
   */
  RecentPurchases countedUpTo(Optional<Timestamp> asOf) {
    return window.isEmpty() ? this : new RecentPurchases(counts, window,
        asOf.map(t -> Instant.ofEpochSecond(t.getSeconds(), t.getNanos())));
  }

  /**
   * Validates counts aligned with {@code ids} (a repeated id keeps its first count) and their
   * window; INVALID_ARGUMENT naming the field. No counts: {@link #NONE} (the window is ignored).
   */
  static RecentPurchases read(
      String countsField, List<Long> counts, String windowField, Optional<Duration> window, List<String> ids) {
    if (counts.isEmpty()) {
      return NONE;
    }
    if (counts.size() != ids.size()) {
      throw invalid(countsField + " must have one count per item (" + ids.size() + "), got " + counts.size());
    }
    Map<String, Long> byId = new HashMap<>();
    for (int i = 0; i < counts.size(); i++) {
      if (counts.get(i) < 0) {
        throw invalid(countsField + "[" + i + "] must be >= 0, got " + counts.get(i));
      }
      byId.putIfAbsent(ids.get(i), counts.get(i));
    }
    if (window.isEmpty() || window.get().getSeconds() < 0 || window.get().getNanos() < 0
        || (window.get().getSeconds() == 0 && window.get().getNanos() == 0)) {
      throw invalid(windowField + " must be set and positive when " + countsField + " are sent");
    }
    return new RecentPurchases(byId, window);
  }

  /**
   * The counts of retrieved {@code candidates} ({@code Candidate.recent_purchases}), counted over
   * {@code window}; {@link #NONE} when no window was asked for.
   */
  static RecentPurchases of(List<Candidate> candidates, Optional<Duration> window) {
    if (window.isEmpty()) {
      return NONE;
    }
    Map<String, Long> byId = new HashMap<>();
    candidates.forEach(c -> byId.putIfAbsent(c.getItemId(), c.getRecentPurchases()));
    return new RecentPurchases(byId, window);
  }

  /** The count of {@code itemId}; 0 when it has none. */
  long count(String itemId) {
    return counts.getOrDefault(itemId, 0L);
  }

  /** These counts with {@code itemId}'s set to 0 (its trend term removed). */
  RecentPurchases withoutTrendOf(String itemId) {
    if (window.isEmpty() || count(itemId) == 0) {
      return this;
    }
    Map<String, Long> changed = new HashMap<>(counts);
    changed.put(itemId, 0L);
    return new RecentPurchases(changed, window, asOf);
  }

  /** These candidates with every count 0 (no trend term for any), over the same window. */
  RecentPurchases withoutAnyTrend() {
    return window.isEmpty() ? this : new RecentPurchases(Map.of(), window, asOf);
  }

  /** Sets the window on {@code request} when there are counts. */
  void addWindowTo(ScoreRequest.Builder request) {
    window.ifPresent(request::setRecentPurchasesWindow);
  }

  /** One count per candidate (in candidate order) when there are counts; none otherwise. */
  List<Long> countsOf(List<String> candidates) {
    return window.isPresent() ? candidates.stream().map(this::count).toList() : List.of();
  }
}
