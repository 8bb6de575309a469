package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import com.google.inject.Inject;
import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.RetrieveCandidatesRequest;
import io.glassbox.api.v1.RetrieveCandidatesResponse;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reads a user's purchase record and candidates from the feature service (for global insights
 * over a sample of users), under the inbound deadline bounded by the dependency timeout.
 */
final class UserDataClient {
  private static final String DEPENDENCY = "feature service";

  private final FeatureServiceGrpc.FeatureServiceBlockingStub stub;
  private final Duration timeout;

  @Inject
  UserDataClient(@FeatureChannel Channel channel, ExplainConfig config) {
    this(channel, config.dependencyTimeout());
  }

  UserDataClient(Channel channel, Duration timeout) {
    this.stub = FeatureServiceGrpc.newBlockingStub(requireNonNull(channel, "channel"));
    this.timeout = requireNonNull(timeout, "timeout");
  }

  /**
   * The items of the user's most recent {@code maxEvents} purchases, oldest first (the record the
   * model reads: no clicks, adds to cart or feedback, and no purchase of an item the user turned
   * down since); empty for a user without purchases.
   */
  List<String> record(String userId, int maxEvents) {
    try {
      return stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
          .getUserHistory(GetUserHistoryRequest.newBuilder()
              .setUserId(userId).setMaxEvents(maxEvents).setPurchasesOnly(true).setLeaveOutTurnedDown(true)
              .build())
          .getEventsList().stream().map(Event::getItemId).toList();
    } catch (StatusRuntimeException e) {
      throw DependencyErrors.translate(DEPENDENCY, e);
    }
  }

  /**
   * The candidates the gateway would rank: retrieved without the user's record, each id once,
   * each with a retrieval source, in retrieval order; with {@code recentWindow}, each with its
   * recent purchases over it (as the gateway asks for the model's trend window), and the time they
   * were counted up to.
   */
  Retrieval candidates(
      String userId, int limit, List<String> record, Optional<com.google.protobuf.Duration> recentWindow) {
    RetrieveCandidatesResponse retrieved;
    RetrieveCandidatesRequest.Builder request = RetrieveCandidatesRequest.newBuilder()
        .setUserId(userId).setLimit(limit).setExcludeHistory(true);
    recentWindow.ifPresent(request::setRecentWindow);
    try {
      retrieved = stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
          .retrieveCandidates(request.build());
    } catch (StatusRuntimeException e) {
      throw DependencyErrors.translate(DEPENDENCY, e);
    }
    Set<String> history = new HashSet<>(record);
    Set<String> seen = new HashSet<>();
    List<Candidate> eligible = new ArrayList<>();
    for (Candidate candidate : retrieved.getCandidatesList()) {
      if (candidate.getSourcesCount() > 0 && !history.contains(candidate.getItemId())
          && seen.add(candidate.getItemId())) {
        eligible.add(candidate);
      }
    }
    return new Retrieval(eligible, retrieved.hasAsOf() ? Optional.of(retrieved.getAsOf()) : Optional.empty());
  }

  /**
   * The eligible candidates of one retrieval, and the request time their recent purchases were
   * counted up to ({@code RetrieveCandidatesResponse.as_of}; empty when the store holds no purchase).
   */
  record Retrieval(List<Candidate> eligible, Optional<Timestamp> asOf) {
    Retrieval {
      eligible = List.copyOf(eligible);
      requireNonNull(asOf, "asOf");
    }

    /** The eligible candidates' recent purchases over {@code window}, counted up to {@link #asOf}. */
    RecentPurchases recent(Optional<com.google.protobuf.Duration> window) {
      return RecentPurchases.of(eligible, window).countedUpTo(asOf);
    }
  }
}
