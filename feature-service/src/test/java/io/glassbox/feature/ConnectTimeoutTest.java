package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * A connection Redis's host does not complete (a network partition, a full listen queue) times
 * out while connecting, which a Jedis pool reports without a cause, the timeout attached only as
 * a suppressed exception (R107): it is a timeout all the same, so a read is not tried again on a
 * fresh connection (twice the timeout, past a gateway's deadline), and the ping says "did not
 * answer".
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectTimeoutTest {
  @Test
  void connectTimeout_asAJedisPoolReportsIt_isATimeout() throws Exception {
    try (ServerSocket neverAccepts = new ServerSocket()) {
      neverAccepts.bind(new InetSocketAddress("127.0.0.1", 0), 1);
      URI uri = URI.create("redis://127.0.0.1:" + neverAccepts.getLocalPort());
      // Each attempt's connection waits in the listen queue (its GET then times out reading) until
      // the queue is full; past it Linux drops the attempts, which time out connecting.
      JedisConnectionException connecting = null;
      List<JedisPooled> pools = new ArrayList<>();
      for (int attempt = 0; attempt < 10 && connecting == null; attempt++) {
        JedisPooled jedis = new JedisPooled(uri, 300);
        pools.add(jedis);
        try {
          jedis.get("x");
        } catch (JedisConnectionException e) {
          if (String.valueOf(e.getMessage()).startsWith("Failed to connect")) {
            connecting = e;
          }
        }
        // Left open until the end: its connection keeps its place in the queue.
      }
      pools.forEach(JedisPooled::close);
      JedisConnectionException timedOut = connecting;
      assertNotNull(timedOut, "no connection attempt timed out connecting");
      assertTrue(RedisPing.timedOut(timedOut), () -> "not taken for a timeout: " + timedOut + ", cause "
          + timedOut.getCause() + ", suppressed " + List.of(timedOut.getSuppressed()));
    }
  }
}
