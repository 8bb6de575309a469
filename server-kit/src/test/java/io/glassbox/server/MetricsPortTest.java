package io.glassbox.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.Uninterruptibles;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The port's threads do not keep the JVM alive; its probes do not wait behind its scrapes. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MetricsPortTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final byte[] SCRAPE = "GET /metrics HTTP/1.1\r\n\r\n".getBytes(US_ASCII);

  @Test
  void start_fromAThreadThatIsNotADaemon_thePortsThreadsAreDaemons() throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    MetricsPort[] started = new MetricsPort[1];
    // A thread takes whether it is a daemon from the thread that makes it, unless told.
    Thread caller = new Thread(() -> {
      try {
        started[0] = MetricsPort.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            new PrometheusRegistry(), exchange -> exchange.close(),
            new HeadFirstHttpServer.Limits(8, Duration.ofSeconds(5), 1024, Duration.ofSeconds(5), 2, 2));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }, "not-a-daemon");
    caller.setDaemon(false);
    caller.start();
    caller.join();
    try (MetricsPort port = started[0]) {
      // A scrape has a worker started, beside the selector.
      assertEquals(Optional.of("HTTP/1.1 200 OK"),
          RawHttp.statusLine("127.0.0.1", port.port(), "GET /metrics HTTP/1.1\r\n\r\n"));
      List<Thread> threads = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> !before.contains(t) && t.getName().startsWith("metrics-http-"))
          .toList();
      assertEquals(2, threads.size(), () -> "the port's selector and a worker among " + threads);
      for (Thread thread : threads) {
        assertTrue(thread.isDaemon(), () -> thread + ": a metrics port never closed would keep the JVM alive");
      }
    }
  }

  /**
   * With every worker in a scrape and the queue full (a third scrape is refused 503), the probes
   * are still answered: a kubelet waits 1 s by default, and a failed liveness probe restarts the pod.
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void probes_whileEveryWorkerScrapesAndTheQueueIsFull_areAnswered() throws Exception {
    CountDownLatch scraping = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(() -> {
      scraping.countDown();
      Uninterruptibles.awaitUninterruptibly(release);
      return CounterSnapshot.builder().name("blocked").build();
    });
    ProbeEndpoints probes = new ProbeEndpoints();
    probes.serving(true);
    probes.started(true);
    try (MetricsPort port = MetricsPort.start(new InetSocketAddress(LOOPBACK, 0), registry, probes,
            new HeadFirstHttpServer.Limits(16, Duration.ofSeconds(60), 4096, Duration.ofSeconds(60), 1, 1));
        Socket running = new Socket(LOOPBACK, port.port());
        Socket queued = new Socket(LOOPBACK, port.port());
        Socket refused = new Socket(LOOPBACK, port.port())) {
      running.getOutputStream().write(SCRAPE);
      assertTrue(scraping.await(30, TimeUnit.SECONDS), "the first scrape runs");
      queued.getOutputStream().write(SCRAPE);
      refused.getOutputStream().write(SCRAPE);
      assertEquals("HTTP/1.1 503 Service Unavailable", RawHttp.firstStatusLine(List.of(queued, refused)),
          "the worker and the queue are taken");

      for (String path : List.of(ProbeEndpoints.LIVE_PATH, ProbeEndpoints.READY_PATH, ProbeEndpoints.STARTED_PATH)) {
        assertEquals("HTTP/1.1 200 OK", RawHttp.slowStatusLine(port.port(), "GET " + path + " HTTP/1.1\r\n\r\n"), path);
      }
    } finally {
      release.countDown();
    }
  }

  /**
   * Scrapes whose clients read none of a large answer are dropped past the port's bound of bytes
   * held for writing, and counted on {@code /metrics} under the port's label.
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void unreadScrapesPastTheBound_areDropped_andCounted() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    // A scrape of twice what the kernel would queue of it left to its own sizing: each unread one
    // holds at least half of it in memory (nearly all: the port's send buffer takes about 128 KiB).
    int scrapeBytes = 2 * RawHttp.kernelSendQueueBytes();
    Counter.builder().name("large").help("x".repeat(scrapeBytes)).register(registry).inc();
    List<Socket> unread = new ArrayList<>();
    // Room for one unread scrape, not two.
    try (MetricsPort port = MetricsPort.start(new InetSocketAddress(LOOPBACK, 0), registry, new ProbeEndpoints(),
        new HeadFirstHttpServer.Limits(16, Duration.ofSeconds(60), 4096, Duration.ofSeconds(60), 1, 16,
            3L * scrapeBytes / 2))) {
      for (int i = 0; i < 2; i++) {
        unread.add(RawHttp.unreadAnswer(port.port(), "GET /metrics HTTP/1.1\r\n\r\n"));
      }
      String metrics = readToClose(port.port(), "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n");
      double dropped = MetricsText.value(metrics, MetricsPort.DROPPED_COUNTER + "_total{port=\"metrics\"}");
      assertTrue(dropped >= 1, "dropped: " + dropped);
    } finally {
      for (Socket socket : unread) {
        socket.close();
      }
    }
  }

  /** Sends {@code request} to the loopback {@code port} and reads everything until the server closes. */
  private static String readToClose(int port, String request) throws IOException {
    try (Socket socket = new Socket(LOOPBACK, port)) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(request.getBytes(US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), US_ASCII);
    }
  }
}
