package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.StringValue;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The concurrency limit and the per-connection stream limit, on a real loopback server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdmissionTest {
  private static final int LIMIT = 8;
  private static final int STREAMS_PER_CONNECTION = 16;

  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger mostRunning = new AtomicInteger();
  private final Closer closer = new Closer();
  private GrpcServer server;

  @AfterEach
  void tearDown() throws Exception {
    release.countDown();
    closer.close();
  }

  @Test
  void callBeyondTheLimit_isRefusedAtOnce_withResourceExhausted() throws Exception {
    start();
    ManagedChannel channel = channel();
    List<Outcome> blocked = new ArrayList<>();
    for (int i = 0; i < LIMIT; i++) {
      blocked.add(callAsync(channel));
    }
    awaitRunning(LIMIT);

    long started = System.nanoTime();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> EchoService.call(channel, "one more"));
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("limit of " + LIMIT + " concurrent calls"));
    assertTrue(tookMillis < 5000, "refused in " + tookMillis + " ms");
    release.countDown();
    for (Outcome outcome : blocked) {
      assertEquals(Status.Code.OK, outcome.await());
    }
    assertEquals("again", EchoService.call(channel, "again"));
  }

  @Test
  void floodOfStreamsOnOneConnection_leavesTheServerUpAndAnswering() throws Exception {
    start();
    ManagedChannel flooding = channel();
    List<Outcome> flood = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      flood.add(callAsync(flooding));
    }
    awaitRunning(LIMIT);

    // Another client still gets prompt answers: health, and a clear "busy" for work.
    ManagedChannel other = channel();
    assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(other).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus());
    StatusRuntimeException busy = assertThrows(StatusRuntimeException.class, () -> EchoService.call(other, "busy?"));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, busy.getStatus().getCode());

    release.countDown();
    Map<Status.Code, Integer> codes = new EnumMap<>(Status.Code.class);
    for (Outcome outcome : flood) {
      codes.merge(outcome.await(), 1, Integer::sum);
    }
    assertEquals(2000, codes.getOrDefault(Status.Code.OK, 0) + codes.getOrDefault(Status.Code.RESOURCE_EXHAUSTED, 0),
        "only OK or RESOURCE_EXHAUSTED: " + codes);
    assertTrue(codes.getOrDefault(Status.Code.OK, 0) >= LIMIT, "codes " + codes);
    assertTrue(mostRunning.get() <= LIMIT, "at most " + LIMIT + " ran at once, saw " + mostRunning.get());
    assertEquals("still here", EchoService.call(flooding, "still here"));
  }

  private void start() {
    ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(), TlsSettings.none(),
        0, LIMIT, STREAMS_PER_CONNECTION, 0);
    server = GrpcServer.onPort("admission", 0, settings).addService(EchoService.answering(text -> {
      mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        running.decrementAndGet();
      }
      return text;
    })).start();
    server.setServing(true);
    closer.add(server);
  }

  private ManagedChannel channel() {
    ManagedChannel channel = ClientChannels.forTarget("127.0.0.1:" + server.port());
    closer.add(channel::shutdownNow);
    return channel;
  }

  private void awaitRunning(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (running.get() < count) {
      assertTrue(System.nanoTime() < deadline, "only " + running.get() + " calls started");
      Thread.onSpinWait();
    }
  }

  private static Outcome callAsync(ManagedChannel channel) {
    Outcome outcome = new Outcome();
    ClientCalls.asyncUnaryCall(channel.newCall(EchoService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)),
        StringValue.of("flood"), outcome);
    return outcome;
  }

  /** The status one asynchronous call ended with. */
  private static final class Outcome implements StreamObserver<StringValue> {
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Status.Code code;

    @Override
    public void onNext(StringValue value) {}

    @Override
    public void onError(Throwable t) {
      code = Status.fromThrowable(t).getCode();
      done.countDown();
    }

    @Override
    public void onCompleted() {
      code = Status.Code.OK;
      done.countDown();
    }

    Status.Code await() throws InterruptedException {
      assertTrue(done.await(60, TimeUnit.SECONDS), "call did not end");
      return code;
    }
  }
}
