package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The port's threads do not keep the JVM alive. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MetricsPortTest {
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
      // A request has a worker started, beside the selector (the handler closes it unanswered).
      assertEquals(Optional.empty(), RawHttp.statusLine("127.0.0.1", port.port(), "GET / HTTP/1.1\r\n\r\n"));
      List<Thread> threads = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> !before.contains(t) && t.getName().startsWith("metrics-http-"))
          .toList();
      assertEquals(2, threads.size(), () -> "the port's selector and a worker among " + threads);
      for (Thread thread : threads) {
        assertTrue(thread.isDaemon(), () -> thread + ": a metrics port never closed would keep the JVM alive");
      }
    }
  }
}
