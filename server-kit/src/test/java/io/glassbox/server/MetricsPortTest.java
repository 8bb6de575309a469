package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Which failures of a scrape are the client's doing (logged at DEBUG) and which stay errors; the
 * port's threads do not keep the JVM alive.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MetricsPortTest {
  @Test
  void clientGone_aResetOrABrokenPipe_asTheJdkWordsThem() {
    assertTrue(MetricsPort.clientGone(new IOException("Connection reset by peer")));
    assertTrue(MetricsPort.clientGone(new IOException("Connection reset")));
    assertTrue(MetricsPort.clientGone(new IOException("Broken pipe")));
    assertTrue(MetricsPort.clientGone(new IOException(
        "An established connection was aborted by the software in your host machine")));
  }

  @Test
  void clientGone_notAnyOtherFailure() {
    assertFalse(MetricsPort.clientGone(new IOException("No space left on device")));
    assertFalse(MetricsPort.clientGone(new IOException("insufficient bytes written to stream")));
    assertFalse(MetricsPort.clientGone(new IOException()));
  }

  @Test
  void start_fromAThreadThatIsNotADaemon_theServersDispatcherIsADaemon() throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    MetricsPort[] started = new MetricsPort[1];
    // The JDK's dispatcher takes whether it is a daemon from the thread that starts the server.
    Thread caller = new Thread(() -> {
      try {
        started[0] = MetricsPort.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            new PrometheusRegistry(), exchange -> exchange.close(),
            new TimeLimitedExchanges("metrics-test", 2, Duration.ofSeconds(5), Duration.ofSeconds(5)));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }, "not-a-daemon");
    caller.setDaemon(false);
    caller.start();
    caller.join();
    try (MetricsPort port = started[0]) {
      List<Thread> dispatchers = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> !before.contains(t) && t.getName().startsWith("HTTP-Dispatcher"))
          .toList();
      assertEquals(1, dispatchers.size(), () -> "the port's dispatcher among " + dispatchers);
      assertTrue(dispatchers.get(0).isDaemon(), "a metrics port never closed would keep the JVM alive");
    }
  }
}
