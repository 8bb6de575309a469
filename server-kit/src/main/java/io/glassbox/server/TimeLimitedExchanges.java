package io.glassbox.server;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An executor for a JDK HTTP server (the viewer page's, over HTTPS): runs each exchange
 * on a thread of its own, up to a bound, and interrupts an exchange that overstays its time, which
 * closes its connection.
 *
 * <p>The JDK server hands a connection to its executor at the connection's first byte, and the
 * task then reads the request (over HTTPS, after the TLS handshake) blocking, with no time limit
 * of its own: a client that sent a byte and stalled held a thread for good. Here an exchange has
 * {@code readLimit} from when it starts until its request is read ({@link #answering}), then
 * {@code answerLimit} to answer, which covers a client that never reads the answer. The task reads
 * and writes a blocking {@link java.nio.channels.SocketChannel}, an interruptible channel: the
 * interrupt closes it, and the server drops the connection. (The JDK's own limits, the system
 * properties {@code sun.net.httpserver.maxReqTime} and {@code maxRspTime}, are read once per JVM
 * and apply to every server in it.) A thread still waits for each request that has begun to
 * arrive, so the bound on threads is a bound on stalled connections: the metrics port and the
 * viewer's plain HTTP read requests on a selector instead ({@link HeadFirstHttpServer}).
 */
public final class TimeLimitedExchanges extends AbstractExecutorService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TimeLimitedExchanges.class);
  /** How long a thread with nothing to run stays, so that a burst's threads do not stay for good. */
  private static final Duration IDLE_THREAD = Duration.ofSeconds(30);

  /** What the server serves (viewer), for its threads' names and its log. */
  private final String name;
  private final ThreadPoolExecutor threads;
  private final ScheduledThreadPoolExecutor timer;
  private final Duration readLimit;
  private final Duration answerLimit;
  private final ThreadLocal<Exchange> current = new ThreadLocal<>();

  /**
   * At most {@code threadCount} exchanges run at once, on threads made as needed and reused; beyond
   * that {@link #execute} refuses, and the server closes the connection. None waits behind another:
   * the one that waited would wait for a stalled connection's limit.
   */
  public TimeLimitedExchanges(String name, int threadCount, Duration readLimit, Duration answerLimit) {
    this.name = name;
    this.readLimit = readLimit;
    this.answerLimit = answerLimit;
    threads = new ThreadPoolExecutor(0, threadCount, IDLE_THREAD.toNanos(), NANOSECONDS, new SynchronousQueue<>(),
        daemonThreads(name + "-http-"));
    timer = new ScheduledThreadPoolExecutor(1, daemonThreads(name + "-http-timer-"));
    // Nearly every limit is cancelled long before it is due; they must not pile up in the queue.
    timer.setRemoveOnCancelPolicy(true);
  }

  /**
   * Runs {@code exchange} within the read limit; throws RejectedExecutionException when every
   * thread is busy.
   */
  @Override
  public void execute(Runnable exchange) {
    threads.execute(() -> run(exchange));
  }

  private void run(Runnable task) {
    Exchange exchange = new Exchange(Thread.currentThread());
    current.set(exchange);
    try {
      exchange.limit(readLimit, "its request");
      task.run();
    } finally {
      // No limit interrupts this thread once the exchange has ended; an interrupt that came as it
      // ended is cleared by the pool before its next task.
      exchange.end();
      current.remove();
    }
  }

  /**
   * Called on an exchange's thread once its request is read: from now on it has the answer limit
   * (not what is left of the read limit) to answer.
   */
  public void answering() {
    Exchange exchange = current.get();
    if (exchange == null) {
      throw new IllegalStateException("not on a thread of the " + name + " exchanges");
    }
    exchange.limit(answerLimit, "its answer");
  }

  /** Interrupts the exchanges in progress (their connections are closed). */
  @Override
  public void close() {
    shutdownNow();
  }

  /**
   * Takes no new exchange; those in progress run on, under their limits (a limit set from now on
   * ends its exchange at once).
   */
  @Override
  public void shutdown() {
    threads.shutdown();
    timer.shutdown();
  }

  @Override
  public List<Runnable> shutdownNow() {
    timer.shutdownNow();
    return threads.shutdownNow();
  }

  @Override
  public boolean isShutdown() {
    return threads.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return threads.isTerminated() && timer.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    return threads.awaitTermination(timeout, unit)
        && timer.awaitTermination(deadline - System.nanoTime(), NANOSECONDS);
  }

  /** One exchange's thread and the limit it runs under. */
  private final class Exchange {
    private final Thread thread;
    private ScheduledFuture<?> timeout;
    /** Counts the limits set and the end: a limit that fires once another is set does nothing. */
    private long changes;

    Exchange(Thread thread) {
      this.thread = thread;
    }

    synchronized void limit(Duration limit, String what) {
      cancel();
      long inForce = ++changes;
      try {
        timeout = timer.schedule(() -> expire(inForce, limit, what), limit.toNanos(), NANOSECONDS);
      } catch (RejectedExecutionException closing) {
        // The server is closing: this exchange ends now.
        thread.interrupt();
      }
    }

    private synchronized void expire(long limitSet, Duration limit, String what) {
      if (limitSet == changes) {
        log.debug("closing a {} connection that took more than {} ms for {}", name, limit.toMillis(), what);
        thread.interrupt();
      }
    }

    synchronized void end() {
      cancel();
      changes++;
    }

    private void cancel() {
      if (timeout != null) {
        timeout.cancel(false);
      }
    }
  }

  private static ThreadFactory daemonThreads(String prefix) {
    return new ThreadFactoryBuilder().setNameFormat(prefix + "%d").setDaemon(true).build();
  }
}
