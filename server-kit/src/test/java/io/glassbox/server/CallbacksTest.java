package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.StringValue;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which thread completes a call, over a real TCP port: gRPC's pool, or the transport's own. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CallbacksTest {
  private final Closer closer = new Closer();

  @AfterEach
  void tearDown() throws Exception {
    closer.close();
  }

  @Test
  void pooled_completesCallsOnGrpcsPool() throws Exception {
    String thread = completingThread(ClientChannels.Callbacks.POOLED);

    assertTrue(thread.startsWith("grpc-default-executor"), thread);
  }

  @Test
  void onTransport_completesCallsOnTheThreadThatReadTheReply() throws Exception {
    String thread = completingThread(ClientChannels.Callbacks.ON_TRANSPORT);

    assertFalse(thread.startsWith("grpc-default-executor"), thread);
    assertTrue(thread.contains("ELG"), "a Netty event-loop thread, got " + thread);
  }

  @Test
  void onTransport_keepsRetriesAndAnswers() {
    GrpcServer server = closer.add(GrpcServer.onPort("callbacks", 0).addService(EchoService.echo()).start());
    ManagedChannel channel = channel(server, ClientChannels.Callbacks.ON_TRANSPORT);

    for (int i = 0; i < 50; i++) {
      assertEquals("hi " + i, EchoService.call(channel, "hi " + i));
    }
  }

  /** The name of the thread a listener added with a direct executor ran on. */
  private String completingThread(ClientChannels.Callbacks callbacks) throws Exception {
    // The reply waits until the listener is in place, so the listener runs where the reply lands.
    CountDownLatch listening = new CountDownLatch(1);
    GrpcServer server = closer.add(GrpcServer.onPort("callbacks", 0).addService(EchoService.answering(text -> {
      awaitUninterruptibly(listening);
      return text;
    })).start());
    ManagedChannel channel = channel(server, callbacks);
    ListenableFuture<StringValue> reply = ClientCalls.futureUnaryCall(
        channel.newCall(EchoService.ECHO, CallOptions.DEFAULT), StringValue.of("hi"));
    CompletableFuture<String> thread = new CompletableFuture<>();
    reply.addListener(() -> thread.complete(Thread.currentThread().getName()), MoreExecutors.directExecutor());
    listening.countDown();
    assertEquals("hi", reply.get(10, TimeUnit.SECONDS).getValue());
    return thread.get(10, TimeUnit.SECONDS);
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private ManagedChannel channel(GrpcServer server, ClientChannels.Callbacks callbacks) {
    ManagedChannel channel = ClientChannels.forTarget("127.0.0.1:" + server.port(), ClientSettings.plaintext(),
        Retries.idempotentReads(EchoService.ECHO), callbacks);
    closer.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return channel;
  }
}
