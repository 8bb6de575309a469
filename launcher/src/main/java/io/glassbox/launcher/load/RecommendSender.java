package io.glassbox.launcher.load;

import static java.util.Objects.requireNonNull;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Sends {@code Gateway.Recommend} for real customers, drawn with a fixed seed, each call with its
 * own deadline. Called from the scheduler's single thread; answers arrive on gRPC's threads.
 */
public final class RecommendSender implements OpenLoopScheduler.CallSender {
  private final GatewayGrpc.GatewayStub stub;
  private final List<String> users;
  private final Random random;
  private final int limit;
  private final String locale;
  private final long timeoutNanos;
  private final AtomicReference<StatusRuntimeException> firstFailure = new AtomicReference<>();
  private final Function<Status, String> describe;
  /** How many failed calls each description had, per status code name. */
  private final FailureDescriptions descriptions = new FailureDescriptions();

  public RecommendSender(Channel channel, List<String> users, long seed, int limit, String locale,
      Duration timeout) {
    this(channel, users, seed, limit, locale, timeout, status -> String.valueOf(status.getDescription()));
  }

  /** As the other constructor; {@code describe} says a failed call's status in one line, for {@link #mostFrequentDescriptions}. */
  public RecommendSender(Channel channel, List<String> users, long seed, int limit, String locale,
      Duration timeout, Function<Status, String> describe) {
    this.describe = requireNonNull(describe, "describe");
    this.stub = GatewayGrpc.newStub(requireNonNull(channel, "channel"));
    this.users = List.copyOf(users);
    if (this.users.isEmpty()) {
      throw new IllegalArgumentException("no users to call as");
    }
    this.random = new Random(seed);
    this.limit = limit;
    this.locale = requireNonNull(locale, "locale");
    this.timeoutNanos = timeout.toNanos();
  }

  @Override
  public void send(long index, Consumer<CallOutcome> done) {
    RecommendRequest request = RecommendRequest.newBuilder()
        .setUserId(users.get(random.nextInt(users.size())))
        .setLimit(limit)
        .setLocale(locale)
        .build();
    stub.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS).recommend(request,
        new StreamObserver<>() {
          private RecommendResponse response;

          @Override
          public void onNext(RecommendResponse value) {
            response = value;
          }

          @Override
          public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            firstFailure.compareAndSet(null, status.asRuntimeException(Status.trailersFromThrowable(t)));
            descriptions.count(status.getCode().name(), describe.apply(status));
            done.accept(CallOutcome.failed(status.getCode().name()));
          }

          @Override
          public void onCompleted() {
            done.accept(response == null ? CallOutcome.failed(Status.Code.INTERNAL.name())
                : CallOutcome.ok(response.getExplanationsDegraded(), response.getRankingDegraded()));
          }
        });
  }

  /** The description most failed calls of each status code had, by the code's name. */
  public Map<String, String> mostFrequentDescriptions() {
    return descriptions.mostFrequent();
  }

  /** The failure of the first call that failed, with its trailers (which server answered, the request id). */
  public Optional<StatusRuntimeException> firstFailure() {
    return Optional.ofNullable(firstFailure.get());
  }
}
