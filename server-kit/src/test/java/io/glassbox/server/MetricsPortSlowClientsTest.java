package io.glassbox.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A slowloris against a metrics port: hundreds of connections that each send one byte and stall,
 * opened again as soon as the server closes them. Under Kubernetes a liveness probe that fails
 * restarts the pod, so every probe beside them must be answered. The JDK's server with 32
 * time-limited threads failed most of them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MetricsPortSlowClientsTest {
  private static final int STALLED = 300;
  /** How long a probe may take before it counts as failed: the kubelet's default timeout is 1 s. */
  private static final int PROBE_TIMEOUT_MILLIS = 5_000;
  private static final List<String> PATHS =
      List.of(ProbeEndpoints.LIVE_PATH, ProbeEndpoints.READY_PATH, MetricsPort.METRICS_PATH);

  private final Closer closer = new Closer();

  @AfterEach
  void close() throws Exception {
    closer.close();
  }

  @Test
  void metricsPort_beside300StalledReconnectingConnections_answersEveryProbeAndScrape() throws Exception {
    ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(), TlsSettings.none(),
        freePort(), 64, 100, 0);
    GrpcServer server = GrpcServer.onPort("slow-clients", 0, settings).addService(EchoService.echo()).start();
    closer.add(server);
    server.setServing(true);
    InetSocketAddress port = new InetSocketAddress("127.0.0.1", server.metricsPort());
    assertEquals("HTTP/1.1 200 OK", get(port, ProbeEndpoints.READY_PATH), "ready before the slowloris");

    StallingClients stalled = StallingClients.start(port, STALLED);
    closer.add(stalled);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (stalled.opened() < STALLED && System.nanoTime() - until < 0) {
      TimeUnit.MILLISECONDS.sleep(10);
    }
    assertTrue(stalled.opened() >= STALLED, () -> "only " + stalled.opened() + " stalled connections opened");

    List<String> failures = new ArrayList<>();
    long slowest = 0;
    int asked = 0;
    for (int round = 0; round < 10; round++) {
      for (String path : PATHS) {
        asked++;
        long start = System.nanoTime();
        String status = get(port, path);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        slowest = Math.max(slowest, millis);
        if (!status.equals("HTTP/1.1 200 OK")) {
          failures.add(path + ": " + status + " after " + millis + " ms");
        }
      }
    }
    System.out.printf("%d requests beside %d stalled connections (%d opened): %d failed, slowest %d ms%n", asked,
        STALLED, stalled.opened(), failures.size(), slowest);
    assertEquals(List.of(), failures, "beside " + STALLED + " stalled connections");
  }

  /** A well-behaved client's GET, as the kubelet sends it: the answer's status line, or what went wrong. */
  private static String get(InetSocketAddress port, String path) {
    try (Socket socket = new Socket()) {
      socket.connect(port, PROBE_TIMEOUT_MILLIS);
      socket.setSoTimeout(PROBE_TIMEOUT_MILLIS);
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: kube-probe/1.32\r\n"
          + "Connection: close\r\n\r\n").getBytes(US_ASCII));
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          return "closed unanswered";
        }
        line.append((char) b);
      }
      // Read to the end, as a client does: the whole answer must come.
      in.transferTo(OutputStream.nullOutputStream());
      return line.toString().strip();
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
