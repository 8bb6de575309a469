package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The viewer's executor, with a pipe standing in for a connection: a blocking read on an
 * interruptible channel, as the JDK server's read of a request is.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TimeLimitedExchangesTest {
  private static final Duration READ_LIMIT = Duration.ofMillis(200);
  private static final Duration ANSWER_LIMIT = Duration.ofMillis(800);

  private final Pipe connection = Pipe.open();
  private TimeLimitedExchanges exchanges;

  TimeLimitedExchangesTest() throws IOException {}

  @AfterEach
  void stop() throws IOException {
    exchanges.close();
    connection.sink().close();
    connection.source().close();
  }

  /** Runs one exchange that reads the connection until it is cut ({@link #readUntilCut}), and what it saw. */
  private Stalled runUntilCut(boolean answering) throws Exception {
    exchanges = new TimeLimitedExchanges("test", 2, READ_LIMIT, ANSWER_LIMIT);
    CompletableFuture<Stalled> stalled = new CompletableFuture<>();
    exchanges.execute(() -> stalled.complete(readUntilCut(answering)));
    return stalled.get(10, TimeUnit.SECONDS);
  }

  @Test
  void anExchangeThatStallsReading_isInterruptedAtTheReadLimit_whichClosesItsChannel() throws Exception {
    Stalled outcome = runUntilCut(false);

    assertInstanceOf(ClosedByInterruptException.class, outcome.failure());
    assertFalse(connection.source().isOpen());
  }

  @Test
  void onceItsRequestIsRead_anExchangeHasTheAnswerLimit_notWhatIsLeftOfTheReadLimit() throws Exception {
    Stalled outcome = runUntilCut(true);

    assertInstanceOf(ClosedByInterruptException.class, outcome.failure());
    assertTrue(outcome.after().compareTo(ANSWER_LIMIT) >= 0, "cut after " + outcome.after());
  }

  @Test
  void anExchangeThatEndsInTime_leavesItsThreadToTheNextExchange_uninterrupted() throws Exception {
    exchanges = new TimeLimitedExchanges("test", 1, READ_LIMIT, ANSWER_LIMIT);
    CompletableFuture<Thread> first = new CompletableFuture<>();
    CompletableFuture<Thread> second = new CompletableFuture<>();
    CompletableFuture<Stalled> next = new CompletableFuture<>();

    exchanges.execute(() -> first.complete(Thread.currentThread()));
    executeOnceTheThreadIsFree(() -> {
      second.complete(Thread.currentThread());
      next.complete(readUntilCut(true));
    });

    // The first exchange's read limit, had it outlived it, would have cut the second one short.
    Stalled outcome = next.get(10, TimeUnit.SECONDS);
    assertSame(first.get(), second.get());
    assertTrue(outcome.after().compareTo(ANSWER_LIMIT) >= 0, "cut after " + outcome.after());
  }

  @Test
  void beyondItsThreads_anExchangeIsRefused_ratherThanWaitBehindAnother() throws Exception {
    exchanges = new TimeLimitedExchanges("test", 1, Duration.ofSeconds(20), Duration.ofSeconds(20));
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    exchanges.execute(() -> {
      running.countDown();
      awaitQuietly(release);
    });
    running.await();

    assertThrows(RejectedExecutionException.class, () -> exchanges.execute(() -> { }));
    release.countDown();
  }

  /**
   * Hands {@code task} to the executor's only thread: it is refused until that thread, done with
   * the exchange before, is back waiting for the next (the executor queues none).
   */
  private void executeOnceTheThreadIsFree(Runnable task) {
    while (true) {
      try {
        exchanges.execute(task);
        return;
      } catch (RejectedExecutionException busy) {
        Thread.onSpinWait();
      }
    }
  }

  /** How a stalled read ended, and how long after the exchange began. */
  private record Stalled(Throwable failure, Duration after) {}

  /** Reads the connection, to which nothing is ever written, until the read is cut. */
  private Stalled readUntilCut(boolean requestRead) {
    long start = System.nanoTime();
    if (requestRead) {
      exchanges.answering();
    }
    try {
      connection.source().read(ByteBuffer.allocate(1));
      return new Stalled(new AssertionError("the read returned"), Duration.ofNanos(System.nanoTime() - start));
    } catch (IOException e) {
      return new Stalled(e, Duration.ofNanos(System.nanoTime() - start));
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
