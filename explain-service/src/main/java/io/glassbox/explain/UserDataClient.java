package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import com.google.inject.Inject;
import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.RetrieveCandidatesRequest;
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
   * recent purchases over it (as the gateway asks for the model's trend window).
   */
  List<Candidate> candidates(
      String userId, int limit, List<String> record, Optional<com.google.protobuf.Duration> recentWindow) {
    List<Candidate> retrieved;
    RetrieveCandidatesRequest.Builder request = RetrieveCandidatesRequest.newBuilder()
        .setUserId(userId).setLimit(limit).setExcludeHistory(true);
    recentWindow.ifPresent(request::setRecentWindow);
    try {
      retrieved = stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
          .retrieveCandidates(request.build())
          .getCandidatesList();
    } catch (StatusRuntimeException e) {
      throw DependencyErrors.translate(DEPENDENCY, e);
    }
    Set<String> history = new HashSet<>(record);
    Set<String> seen = new HashSet<>();
    List<Candidate> eligible = new ArrayList<>();
    for (Candidate candidate : retrieved) {
      if (candidate.getSourcesCount() > 0 && !history.contains(candidate.getItemId())
          && seen.add(candidate.getItemId())) {
        eligible.add(candidate);
      }
    }
    return eligible;
  }
}
