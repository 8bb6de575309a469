package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.StringValue;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServerMetricsTest {
  private final Closer closer = new Closer();

  @AfterEach
  void close() throws Exception {
    closer.close();
  }

  /** A clock that stands still, so that the time left is what the test says. */
  private static final Deadline.Ticker STILL = new Deadline.Ticker() {
    @Override
    public long nanoTime() {
      return 0;
    }
  };

  private static Deadline in(long millis) {
    return Deadline.after(millis, TimeUnit.MILLISECONDS, STILL);
  }

  private static long millis(long millis) {
    return TimeUnit.MILLISECONDS.toNanos(millis);
  }

  /**
   * Before, a cancel within 250 ms of the deadline counted DEADLINE_EXCEEDED whatever the call's
   * timeout: with a timeout of 250 ms or less every cancel did, one its client sent after 5 ms
   * included, as did the gateway's cancel of the other Score shards within a short budget.
   */
  @Test
  void unansweredEnd_aShortTimeoutCancelledEarly_isCancelled_nearItsDeadline_isTheDeadlines() {
    assertEquals(Status.Code.CANCELLED, ServerMetrics.unansweredEnd(in(195), millis(200)), "200 ms, cancelled after 5");
    assertEquals(Status.Code.CANCELLED, ServerMetrics.unansweredEnd(in(100), millis(200)), "200 ms, halfway");
    assertEquals(Status.Code.DEADLINE_EXCEEDED, ServerMetrics.unansweredEnd(in(40), millis(200)),
        "200 ms, within its quarter");
    assertEquals(Status.Code.DEADLINE_EXCEEDED, ServerMetrics.unansweredEnd(in(-3), millis(200)), "past it");
  }

  @Test
  void unansweredEnd_aLongTimeout_keeps250msOfSlack() {
    assertEquals(Status.Code.DEADLINE_EXCEEDED, ServerMetrics.unansweredEnd(in(240), millis(10_000)));
    assertEquals(Status.Code.CANCELLED, ServerMetrics.unansweredEnd(in(260), millis(10_000)));
    assertEquals(Status.Code.CANCELLED, ServerMetrics.unansweredEnd(null, millis(5)), "no deadline");
  }

  @Test
  void timeoutNanos_readsEachUnitOfTheHeader_andNoneFromAMalformedOne() {
    assertEquals(millis(1000), ServerMetrics.timeoutNanos(timeout("1000m")));
    assertEquals(TimeUnit.SECONDS.toNanos(2), ServerMetrics.timeoutNanos(timeout("2S")));
    assertEquals(TimeUnit.MINUTES.toNanos(3), ServerMetrics.timeoutNanos(timeout("3M")));
    assertEquals(TimeUnit.HOURS.toNanos(1), ServerMetrics.timeoutNanos(timeout("1H")));
    assertEquals(TimeUnit.MICROSECONDS.toNanos(999_000), ServerMetrics.timeoutNanos(timeout("999000u")));
    assertEquals(42, ServerMetrics.timeoutNanos(timeout("42n")));
    assertEquals(0, ServerMetrics.timeoutNanos(new Metadata()), "none");
    assertEquals(0, ServerMetrics.timeoutNanos(timeout("5x")), "unknown unit");
    assertEquals(0, ServerMetrics.timeoutNanos(timeout("m")), "no digits");
    assertEquals(0, ServerMetrics.timeoutNanos(timeout("123456789S")), "more than 8 digits");
  }

  /**
   * A call that waits in the server's executor until its client gives up near the deadline is
   * the deadline's, however long it waited. Before, the slack was a quarter of the time left when
   * the handler started: a call whose cancel came before it started counted CANCELLED. The first
   * call's client cancels 100 ms before its 2 s deadline (inside the 250 ms slack, as a client's
   * own deadline does when the headers took that long to arrive), the second's 60 s before. Not
   * 240 ms: the server counts its deadline from the headers' arrival, a thread switch later than
   * the client, and on a loaded machine that came 10 ms late and left the cancel outside the slack.
   */
  @Test
  void aCallCancelledNearItsDeadline_whileQueuedInTheExecutor_isTheDeadlines_oneCancelledEarly_isCancelled()
      throws Exception {
    ServerMetrics metrics = new ServerMetrics("metrics-test", BuildInfo.current());
    CountDownLatch backlog = new CountDownLatch(1);
    ExecutorService executor = Executors.newSingleThreadExecutor();
    closer.add(executor::shutdownNow);
    closer.add(backlog::countDown);
    // The executor's one thread is busy, so that every call waits behind it before it starts.
    executor.execute(() -> {
      try {
        backlog.await();
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
    });
    List<String> started = new CopyOnWriteArrayList<>();
    BindableService unanswering = () -> ServerServiceDefinition.builder(EchoService.SERVICE)
        .addMethod(EchoService.ECHO, ServerCalls.asyncUnaryCall(
            (StringValue request, StreamObserver<StringValue> out) -> started.add(request.getValue())))
        .build();
    String name = "metrics-" + UUID.randomUUID();
    Server server = InProcessServerBuilder.forName(name).executor(executor)
        .addService(ServerInterceptors.intercept(unanswering, metrics.interceptor())).build().start();
    closer.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    closer.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));

    CallOptions nearly = CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS);
    ClientCall<StringValue, StringValue> late = channel.newCall(EchoService.ECHO, nearly);
    ListenableFuture<StringValue> lateAnswer = ClientCalls.futureUnaryCall(late, StringValue.of("late"));
    ClientCall<StringValue, StringValue> early =
        channel.newCall(EchoService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
    ListenableFuture<StringValue> earlyAnswer = ClientCalls.futureUnaryCall(early, StringValue.of("early"));
    early.cancel("the client gave up early", null);
    await("the late call's deadline to come within 100 ms",
        () -> nearly.getDeadline().timeRemaining(TimeUnit.MILLISECONDS) <= 100);
    late.cancel("the client's deadline, as good as passed", null);
    assertEquals(Status.Code.CANCELLED, Status.fromThrowable(assertThrows(Exception.class, lateAnswer::get)).getCode());
    assertEquals(Status.Code.CANCELLED, Status.fromThrowable(assertThrows(Exception.class, earlyAnswer::get)).getCode());
    backlog.countDown();

    await("both calls counted", () -> count(metrics, "DEADLINE_EXCEEDED") + count(metrics, "CANCELLED") == 2);
    assertEquals(1, count(metrics, "DEADLINE_EXCEEDED"), "the late call");
    assertEquals(1, count(metrics, "CANCELLED"), "the early call");
  }

  private static Metadata timeout(String value) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER), value);
    return headers;
  }

  /** The calls of the test service counted with a status code. */
  private static long count(ServerMetrics metrics, String code) {
    return metrics.registry().scrape().stream()
        .filter(HistogramSnapshot.class::isInstance)
        .map(HistogramSnapshot.class::cast)
        .filter(histogram -> histogram.getMetadata().getName().equals(ServerMetrics.HANDLING))
        .flatMap(histogram -> histogram.getDataPoints().stream())
        .filter(point -> code.equals(point.getLabels().get("code")))
        .mapToLong(HistogramSnapshot.HistogramDataPointSnapshot::getCount)
        .sum();
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }
}
