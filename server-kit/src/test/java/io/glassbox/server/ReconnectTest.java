package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A dependency stopped long enough for gRPC's reconnect backoff to grow, then restarted on the
 * same port, is used again within about a second.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ReconnectTest {
  private GrpcServer server;
  private ManagedChannel channel;

  @AfterEach
  void tearDown() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void dependencyBackAfterAnOutage_isUsedWithinASecond() throws Exception {
    server = GrpcServer.onPort("dependency", 0).addService(EchoService.echo()).start();
    int port = server.port();
    channel = ClientChannels.forTarget("127.0.0.1:" + port,
        new ClientSettings(java.util.Optional.empty(), TlsSettings.none(), Duration.ofMillis(250)), Retries.none());
    assertEquals("up", EchoService.call(channel, "up"));

    server.close();
    // Outage: the port accepts TCP connections and drops them, counting the channel's attempts.
    // Without the probe, gRPC's backoff (1 s, x1.6 each time, jittered) would spread six
    // attempts over about 20 s; with it they come every 250 ms or so.
    try (RefusingPort refusing = new RefusingPort(port)) {
      long outageStart = System.nanoTime();
      while (refusing.attempts() < 6) {
        assertTrue(System.nanoTime() - outageStart < TimeUnit.SECONDS.toNanos(15),
            "only " + refusing.attempts() + " reconnection attempts");
        Thread.onSpinWait();
      }
    }

    server = GrpcServer.onPort("dependency", port).addService(EchoService.echo()).start();
    long restarted = System.nanoTime();
    String answer = null;
    while (answer == null) {
      try {
        answer = EchoService.call(channel, "back");
      } catch (StatusRuntimeException stillDown) {
        assertTrue(System.nanoTime() - restarted < TimeUnit.SECONDS.toNanos(10), "never reconnected");
        Thread.onSpinWait();
      }
    }
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);

    assertEquals("back", answer);
    assertTrue(tookMillis < 1000, "used again after " + tookMillis + " ms");
  }

  @Test
  void probeOutside100msTo2Minutes_isRefusedAtStart_namingTheSetting() {
    // Under 1 ms was 0 ms to the scheduler: building the first channel failed with an
    // IllegalArgumentException, as did a probe too long to count in milliseconds. Each is shown as written.
    for (String given : List.of("PT0.000000001S", "PT0.0005S", "99ms", "PT2M0.001S", "PT2562047788016H")) {
      ConfigException refused = assertThrows(ConfigException.class,
          () -> ClientSettings.load(ConfigSource.of(Map.of(ClientSettings.RECONNECT_PROBE_KEY, given))));
      assertEquals("GLASSBOX_RECONNECT_PROBE must be from 100ms to 2 minutes, got \"" + given + "\"", refused.getMessage());
    }
    assertEquals(Duration.ofMillis(100), ClientSettings.load(ConfigSource.of(Map.of(
        ClientSettings.RECONNECT_PROBE_KEY, "100ms"))).reconnectProbe());
    assertEquals(Duration.ofMinutes(2), ClientSettings.load(ConfigSource.of(Map.of(
        ClientSettings.RECONNECT_PROBE_KEY, "PT2M"))).reconnectProbe());
  }
}
