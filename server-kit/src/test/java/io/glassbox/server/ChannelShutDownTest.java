package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.StringValue;
import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ClientChannels#shutDown}: a call in flight on a real channel to a real in-process
 * server, whose handler answers only once the test releases it (later, on the test's thread: an
 * in-process call may run its handler on the caller's thread, which must not block there).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChannelShutDownTest {
  private final CountDownLatch handling = new CountDownLatch(1);
  private final CompletableFuture<Void> release = new CompletableFuture<>();
  private GrpcServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() {
    String name = "shut-down-" + UUID.randomUUID();
    server = GrpcServer.inProcess("shut-down", name).addService(() -> ServerServiceDefinition
        .builder(EchoService.SERVICE)
        .addMethod(EchoService.ECHO, ServerCalls.asyncUnaryCall((StringValue request, StreamObserver<StringValue> out) -> {
          release.thenRun(() -> {
            out.onNext(request);
            out.onCompleted();
          });
          handling.countDown();
        }))
        .build()).start();
    channel = ClientChannels.forTarget("in-process:" + name);
  }

  @AfterEach
  void stop() {
    release.complete(null);
    channel.shutdownNow();
    server.close();
  }

  @Test
  void shutDown_aCallEndingWithinTheGrace_isAnswered_beforeItReturns() throws Exception {
    CompletableFuture<String> call = callInFlight();

    CompletableFuture<Void> shutDown = CompletableFuture.runAsync(
        () -> ClientChannels.shutDown(channel, Duration.ofSeconds(20)));
    while (!channel.isShutdown()) {
      Thread.onSpinWait();
    }
    assertFalse(shutDown.isDone(), "returned while a call was in flight");
    release.complete(null);
    shutDown.get(10, TimeUnit.SECONDS);

    assertEquals("slow", call.get(10, TimeUnit.SECONDS));
    assertTrue(channel.isTerminated());
  }

  @Test
  void shutDown_aCallOutlastingTheGrace_isCancelled() throws Exception {
    CompletableFuture<String> call = callInFlight();

    ClientChannels.shutDown(channel, Duration.ofMillis(100));

    assertEquals(Status.Code.UNAVAILABLE, failureOf(call));
    assertTrue(channel.awaitTermination(10, TimeUnit.SECONDS));
  }

  @Test
  void shutDown_interrupted_cancelsTheCallAtOnce_andKeepsTheInterrupt() throws Exception {
    CompletableFuture<String> call = callInFlight();

    Thread.currentThread().interrupt();
    ClientChannels.shutDown(channel, Duration.ofSeconds(20));

    assertTrue(Thread.interrupted(), "the interrupt was lost");
    assertEquals(Status.Code.UNAVAILABLE, failureOf(call));
  }

  /** An echo call of "slow" that the server is handling, unanswered until {@link #release}. */
  private CompletableFuture<String> callInFlight() throws InterruptedException {
    CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> EchoService.call(channel, "slow"));
    handling.await();
    return call;
  }

  private static Status.Code failureOf(CompletableFuture<String> call) throws Exception {
    ExecutionException failed = assertThrows(ExecutionException.class, () -> call.get(15, TimeUnit.SECONDS));
    return Status.fromThrowable(failed.getCause()).getCode();
  }
}
