package io.glassbox.launcher;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.gateway.viewer.ViewerServer;
import io.glassbox.server.ApiKeys;
import io.glassbox.server.RawHttp;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The viewer page in headless Chromium, served by the real viewer whose workers are all busy and
 * whose queue is full: a customer asked for shows the server's own 503, in words, in each of the
 * page's languages. The page read every answer as JSON, and said only that it could not parse it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ViewerBusyPageTest {
  private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(60);
  /** The viewer's workers and the complete requests that may wait for one. */
  private static final int WORKERS_AND_QUEUE = 128 + 256;
  private static final String BUSY = "503 Service Unavailable every worker is busy and the queue of requests"
      + " waiting for one is full: try again";

  @TempDir
  Path temp;

  /** Holds every recommend call for a customer's page, and the viewer's worker making it, until the test ends. */
  private final CountDownLatch release = new CountDownLatch(1);
  /** Closed last added first. */
  private final Deque<AutoCloseable> toClose = new ArrayDeque<>();

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    for (AutoCloseable resource : toClose) {
      resource.close();
    }
  }

  @Test
  void page_whenEveryWorkerIsBusy_showsTheServersWords_inEachLanguage() throws Exception {
    String name = "busy-viewer-" + UUID.randomUUID();
    Server server = InProcessServerBuilder.forName(name).directExecutor().addService(new GatewayGrpc.GatewayImplBase() {
      @Override
      public void recommend(RecommendRequest request, StreamObserver<RecommendResponse> replies) {
        if (request.getSkipModelReasons()) {
          // Not a call the page makes (its calls ask for model reasons): answered at once, never held.
          replies.onNext(RecommendResponse.getDefaultInstance());
          replies.onCompleted();
          return;
        }
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        replies.onError(Status.UNAVAILABLE.withDescription("released").asRuntimeException());
      }
    }).build().start();
    toClose.addFirst(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    toClose.addFirst(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    ViewerServer viewer = ViewerServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        Optional.empty(), List.of("12347"), ApiKeys::none, channel, Duration.ofSeconds(60));
    toClose.addFirst(viewer::close);
    HeadlessChromium chromium = HeadlessChromium.start(Files.createDirectories(temp.resolve("chromium-profile")));
    toClose.addFirst(chromium);

    // Both pages loaded while the workers are free: they serve the page's files too.
    Map<String, HeadlessChromium.Page> pages = Map.of("en-US", chromium.newPage(1200, 900),
        "zh-CN", chromium.newPage(1200, 900));
    for (Map.Entry<String, HeadlessChromium.Page> page : pages.entrySet()) {
      page.getValue().navigate(viewer.uri().resolve("/?locale=" + page.getKey()));
      page.getValue().await("document.querySelectorAll('#examples .example').length > 0", PAGE_TIMEOUT);
    }
    fillWorkersAndQueue(viewer.uri().getPort());

    Map<String, String> expected = Map.of(
        "en-US", "Customer 12347 could not be shown: the page's server answered HTTP 503: " + BUSY,
        "zh-CN", "无法显示顾客 12347：页面的服务器返回 HTTP 503：" + BUSY);
    for (Map.Entry<String, HeadlessChromium.Page> page : pages.entrySet()) {
      page.getValue().evaluate("document.getElementById('user').value = '12347'; "
          + "document.getElementById('user-form').requestSubmit(); true");
      page.getValue().await("document.body.dataset.state === 'error'", PAGE_TIMEOUT);
      assertEquals(expected.get(page.getKey()),
          page.getValue().evaluate("document.getElementById('status').textContent").getStringValue(), page.getKey());
    }
  }

  /** Sends recommend requests that the gateway holds until every worker has one and the queue is full. */
  private void fillWorkersAndQueue(int port) throws Exception {
    for (int i = 0; i < WORKERS_AND_QUEUE; i++) {
      Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
      toClose.addFirst(socket);
      socket.getOutputStream().write("GET /api/recommend?user=12347 HTTP/1.1\r\nHost: localhost\r\n\r\n"
          .getBytes(US_ASCII));
    }
    long deadline = System.nanoTime() + PAGE_TIMEOUT.toNanos();
    String status;
    do {
      status = RawHttp.statusLine("127.0.0.1", port, "GET /api/config HTTP/1.1\r\nHost: localhost\r\n\r\n")
          .orElse("closed");
    } while (!status.startsWith("HTTP/1.1 503") && System.nanoTime() - deadline < 0);
    assertEquals("HTTP/1.1 503 Service Unavailable", status, "the viewer once its workers and queue are full");
  }
}
