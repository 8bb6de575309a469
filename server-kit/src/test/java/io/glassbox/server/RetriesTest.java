package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Retries come from the service config: named reads only, UNAVAILABLE only, throttled. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RetriesTest {
  private final Closer closer = new Closer();
  private final String name = "retries-" + UUID.randomUUID();
  private final AtomicInteger attempts = new AtomicInteger();
  /** How many of the next attempts fail with UNAVAILABLE. */
  private final AtomicInteger failuresLeft = new AtomicInteger();

  @AfterEach
  void tearDown() throws Exception {
    closer.close();
  }

  @Test
  void namedRead_failingTwiceWithUnavailable_succeedsOnTheThirdAttempt() {
    start();
    failuresLeft.set(2);

    assertEquals("hi", EchoService.call(channel(Retries.idempotentReads(EchoService.ECHO)), "hi"));
    assertEquals(3, attempts.get());
  }

  @Test
  void methodNotNamed_isSentOnce() {
    start();
    failuresLeft.set(1);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> EchoService.call(channel(Retries.none()), "hi"));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals(1, attempts.get());
  }

  @Test
  void otherFailures_areNotRetried() {
    closer.add(GrpcServer.inProcess("retries", name).addService(EchoService.answering(text -> {
      attempts.incrementAndGet();
      throw RequestChecks.invalid("no");
    })).start());

    assertThrows(StatusRuntimeException.class,
        () -> EchoService.call(channel(Retries.idempotentReads(EchoService.ECHO)), "hi"));
    assertEquals(1, attempts.get());
  }

  @Test
  void dependencyThatKeepsFailing_getsFewRetries_notThreeTimesTheCalls() {
    start();
    failuresLeft.set(Integer.MAX_VALUE);
    ManagedChannel channel = channel(Retries.idempotentReads(EchoService.ECHO));

    for (int i = 0; i < 40; i++) {
      assertThrows(StatusRuntimeException.class, () -> EchoService.call(channel, "hi"));
    }

    // Throttling (10 tokens, one lost per failure, retries only above half): about 6 retries
    // in all, where unthrottled retries would have made 120 attempts.
    assertTrue(attempts.get() <= 40 + 10, "attempts " + attempts.get());
  }

  private void start() {
    closer.add(GrpcServer.inProcess("retries", name).addService(EchoService.answering(text -> {
      attempts.incrementAndGet();
      if (failuresLeft.getAndUpdate(n -> n == Integer.MAX_VALUE ? n : Math.max(0, n - 1)) > 0) {
        throw Status.UNAVAILABLE.withDescription("not now").asRuntimeException();
      }
      return text;
    })).start());
  }

  private ManagedChannel channel(Retries retries) {
    ManagedChannel channel = ClientChannels.forTarget("in-process:" + name, ClientSettings.plaintext(), retries);
    closer.add(channel::shutdownNow);
    return channel;
  }
}
