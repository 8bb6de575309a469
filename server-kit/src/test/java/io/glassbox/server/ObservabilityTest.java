package io.glassbox.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.google.common.collect.ImmutableList;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.StringValue;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.ConnectivityState;
import io.grpc.Context;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.core.metrics.Gauge;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.MDC;

/** Request ids across two hops, and the Prometheus endpoint. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ObservabilityTest {
  private final Closer closer = new Closer();

  @AfterEach
  void tearDown() throws Exception {
    closer.close();
  }

  @Test
  void requestId_fromTheCaller_reachesTheDependency_andTheMdc_andComesBack() {
    List<String> seenByBackend = new CopyOnWriteArrayList<>();
    List<String> mdcInFrontend = new CopyOnWriteArrayList<>();
    String backendName = "backend-" + UUID.randomUUID();
    closer.add(GrpcServer.inProcess("backend", backendName)
        .addService(EchoService.answering(text -> {
          seenByBackend.add(RequestIds.current());
          return text;
        })).start());
    ManagedChannel toBackend = channel("in-process:" + backendName);
    String frontendName = "frontend-" + UUID.randomUUID();
    closer.add(GrpcServer.inProcess("frontend", frontendName)
        .addService(EchoService.answering(text -> {
          mdcInFrontend.add(MDC.get(RequestIds.MDC_KEY));
          String answer = EchoService.call(toBackend, text);
          // Still there after the nested call, for the frontend's own logs.
          mdcInFrontend.add(MDC.get(RequestIds.MDC_KEY));
          return answer;
        })).start());
    Metadata headers = new Metadata();
    headers.put(RequestIds.HEADER, "req-42");
    AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
    io.grpc.Channel client = ClientInterceptors.intercept(channel("in-process:" + frontendName),
        MetadataUtils.newAttachHeadersInterceptor(headers),
        MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, new AtomicReference<>()));

    assertEquals("hi", EchoService.call(client, EchoService.ECHO, CallOptions.DEFAULT, "hi"));

    assertEquals(List.of("req-42"), seenByBackend);
    assertEquals(List.of("req-42", "req-42"), mdcInFrontend);
    assertEquals("req-42", responseHeaders.get().get(RequestIds.HEADER));
  }

  @Test
  void failedCall_trailersSayWhichServerAnsweredAndUnderWhichId_anOkOneCarriesNeither() {
    String name = "answering-" + UUID.randomUUID();
    closer.add(GrpcServer.inProcess("feature-service", name)
        .addService(EchoService.answering(text -> RequestChecks.locale("locale", text))).start());
    Metadata headers = new Metadata();
    headers.put(RequestIds.HEADER, "req-7");
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    io.grpc.Channel client = ClientInterceptors.intercept(channel("in-process:" + name),
        MetadataUtils.newAttachHeadersInterceptor(headers),
        MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers));

    EchoService.call(client, EchoService.ECHO, CallOptions.DEFAULT, "en-US");
    assertNull(trailers.get().get(RequestIds.SERVER_HEADER));
    assertNull(trailers.get().get(RequestIds.HEADER));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> EchoService.call(client, EchoService.ECHO, CallOptions.DEFAULT, "fr-FR"));
    assertEquals("feature-service", e.getTrailers().get(RequestIds.SERVER_HEADER));
    assertEquals(List.of("req-7"), ImmutableList.copyOf(e.getTrailers().getAll(RequestIds.HEADER)));
  }

  @Test
  void requestId_missingOrMalformed_isGenerated() {
    List<String> seen = new CopyOnWriteArrayList<>();
    String name = "ids-" + UUID.randomUUID();
    closer.add(GrpcServer.inProcess("ids", name).addService(EchoService.answering(text -> {
      seen.add(RequestIds.current());
      return text;
    })).start());
    Metadata malformed = new Metadata();
    malformed.put(RequestIds.HEADER, "has spaces and is " + "long".repeat(30));

    EchoService.call(channel("in-process:" + name), "a");
    EchoService.call(ClientInterceptors.intercept(channel("in-process:" + name),
        MetadataUtils.newAttachHeadersInterceptor(malformed)), EchoService.ECHO, CallOptions.DEFAULT, "b");

    assertEquals(2, seen.size());
    for (String id : seen) {
      assertNotNull(id);
      assertDoesNotThrowParsing(id);
    }
  }

  @Test
  void metricsEndpoint_countsCallsPerMethodAndStatus_withLatencyBuckets() throws Exception {
    int metricsPort = freePort();
    ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(), TlsSettings.none(),
        metricsPort, 64, 100, 0);
    GrpcServer server = GrpcServer.onPort("metrics", 0, settings)
        .addService(EchoService.answering(text -> RequestChecks.locale("locale", text))).start();
    closer.add(server);
    ManagedChannel channel = channel("127.0.0.1:" + server.port());
    EchoService.call(channel, "en-US");
    EchoService.call(channel, "zh-CN");
    assertThrows(StatusRuntimeException.class, () -> EchoService.call(channel, "fr-FR"));

    String body = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();

    assertEquals(metricsPort, server.metricsPort());
    assertTrue(body.contains(
        "glassbox_grpc_server_handling_seconds_count{code=\"OK\",method=\"Echo\",service=\"test.Echo\"} 2"), body);
    assertTrue(body.contains(
        "glassbox_grpc_server_handling_seconds_count{code=\"INVALID_ARGUMENT\",method=\"Echo\",service=\"test.Echo\"} 1"), body);
    assertTrue(body.contains("glassbox_grpc_server_handling_seconds_bucket{code=\"OK\",method=\"Echo\",service=\"test.Echo\",le=\"0.1\"}"), body);
  }

  /**
   * The process and its JVM on /metrics: a restart shows as a new start time, not only as
   * counters that drop, and heap, GC, CPU and threads are there to read beside the calls.
   */
  @Test
  void metricsEndpoint_showsTheProcessAndItsJvm_withSaneValues() throws Exception {
    GrpcServer server = echoServerWithMetrics();
    System.gc();   // at least one collection to count

    String body = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();

    double now = System.currentTimeMillis() / 1000.0;
    double started = MetricsText.value(body, "process_start_time_seconds");
    assertEquals(ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0, started, 0.001, body);
    assertTrue(started <= now && started > now - 3600, body);
    double cpu = MetricsText.value(body, "process_cpu_seconds_total");
    assertTrue(cpu > 0 && cpu < 3600 * Runtime.getRuntime().availableProcessors(), body);
    assertTrue(MetricsText.value(body, "process_open_fds") > 0, body);
    assertTrue(MetricsText.value(body, "process_open_fds") <= MetricsText.value(body, "process_max_fds"), body);
    assertTrue(MetricsText.value(body, "process_resident_memory_bytes") > 1 << 20, body);
    double heapUsed = MetricsText.value(body, "jvm_memory_used_bytes{area=\"heap\"}");
    assertTrue(heapUsed > 0, body);
    assertTrue(heapUsed <= MetricsText.value(body, "jvm_memory_committed_bytes{area=\"heap\"}"), body);
    assertEquals(Runtime.getRuntime().maxMemory(), MetricsText.value(body, "jvm_memory_max_bytes{area=\"heap\"}"),
        0.1 * Runtime.getRuntime().maxMemory(), body);
    assertTrue(MetricsText.value(body, "jvm_memory_used_bytes{area=\"nonheap\"}") > 0, body);
    double collections = body.lines().filter(line -> line.startsWith("jvm_gc_collection_seconds_count{gc="))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    assertTrue(collections >= 1, body);
    assertTrue(body.lines().anyMatch(line -> line.startsWith("jvm_gc_collection_seconds_sum{gc=")), body);
    double threads = MetricsText.value(body, "jvm_threads_current");
    assertTrue(threads > 1 && threads <= MetricsText.value(body, "jvm_threads_peak"), body);
    assertTrue(MetricsText.value(body, "jvm_threads_daemon") < threads, body);
  }

  /** Which build a replica runs: said at start, and as an info metric on its metrics port. */
  @Test
  void server_logsItsBuildAtStart_andExposesItAsAnInfoMetricOnItsMetricsPort() throws Exception {
    BuildInfo build = BuildInfo.current();
    GrpcServer server;
    try (LogCapture log = LogCapture.of(GrpcServer.class, Level.INFO)) {
      server = GrpcServer.onPort("build-info-test", 0, new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(),
          TlsSettings.none(), freePort(), 64, 100, 0)).addService(EchoService.echo()).start();
      closer.add(server);
      List<String> lines = log.lines().stream().map(ILoggingEvent::getFormattedMessage).toList();
      assertTrue(lines.stream().anyMatch(line -> line.startsWith("build-info-test listening on port " + server.port())
          && line.endsWith("; build version " + build.version() + ", commit " + build.commit())), lines.toString());
    }
    HttpResponse<String> metrics = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().contains("glassbox_build_info{commit=\"" + build.commit()
        + "\",service=\"build-info-test\",version=\"" + build.version() + "\"} 1"), metrics.body());
  }

  @Test
  void metrics_countACallWhoseDeadlinePassedUnanswered_asDeadlineExceeded_andOneTheClientCancelled_asCancelled()
      throws Exception {
    List<String> held = new CopyOnWriteArrayList<>();
    // Never answers: each call ends by its deadline or its client's cancel.
    BindableService unanswering = () -> ServerServiceDefinition.builder(EchoService.SERVICE)
        .addMethod(EchoService.ECHO, ServerCalls.asyncUnaryCall(
            (StringValue request, StreamObserver<StringValue> out) -> held.add(request.getValue())))
        .build();
    GrpcServer server = GrpcServer.onPort("metrics", 0, new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(),
        TlsSettings.none(), 0, 64, 100, 0)).addService(unanswering).start();
    closer.add(server);
    ManagedChannel channel = channel("127.0.0.1:" + server.port());
    // Connected first, so that every call reaches the server well within its deadline.
    await("the channel to connect", () -> channel.getState(true) == ConnectivityState.READY);

    for (int i = 0; i < 5; i++) {
      StatusRuntimeException late = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
          channel, EchoService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.SECONDS),
          StringValue.of("late")));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, late.getStatus().getCode());
    }
    Context.CancellableContext cancelled = Context.current().withCancellation();
    ListenableFuture<StringValue> answer = cancelled.call(() -> ClientCalls.futureUnaryCall(
        channel.newCall(EchoService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)),
        StringValue.of("cancelled")));
    await("the cancelled call to reach the server", () -> held.contains("cancelled"));
    cancelled.cancel(null);
    assertEquals(Status.Code.CANCELLED, Status.fromThrowable(assertThrows(Exception.class, answer::get)).getCode());

    await("all six calls counted", () -> MetricsText.calls(MetricsText.scrape(server), EchoService.SERVICE, "Echo") == 6);
    String metrics = MetricsText.scrape(server);
    assertTrue(metrics.contains("glassbox_grpc_server_handling_seconds_count{code=\"DEADLINE_EXCEEDED\",method=\"Echo\","
        + "service=\"test.Echo\"} 5"), metrics);
    assertTrue(metrics.contains("glassbox_grpc_server_handling_seconds_count{code=\"CANCELLED\",method=\"Echo\","
        + "service=\"test.Echo\"} 1"), metrics);
  }

  @Test
  void metricsPort_closesARequestWhoseHeadersPassTheLimit_andAnswersOneUnderIt() throws Exception {
    GrpcServer server = echoServerWithMetrics();

    assertEquals(Optional.of("HTTP/1.1 200 OK"), RawHttp.statusLine("127.0.0.1", server.metricsPort(),
        RawHttp.getWithHeader("/metrics", "Cookie", 8 * 1024)));
    assertEquals(Optional.empty(), RawHttp.statusLine("127.0.0.1", server.metricsPort(),
        RawHttp.getWithHeader("/metrics", "Cookie", MessageLimits.MAX_HTTP_HEADER_BYTES)));
  }

  /**
   * Clients that send a byte and stall do not stop the metrics port: its liveness probe answers
   * beside 20 of them. The exporter's own pool stopped the port for good, probes included, at
   * eleven.
   */
  @Test
  void metricsPort_answersItsProbesBesideStalledConnections() throws Exception {
    GrpcServer server = echoServerWithMetrics();
    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        Socket socket = new Socket("127.0.0.1", server.metricsPort());
        stalled.add(socket);
        socket.getOutputStream().write('G');
        socket.getOutputStream().flush();
      }

      assertEquals(Optional.of("HTTP/1.1 200 OK"), RawHttp.statusLine("127.0.0.1", server.metricsPort(),
          "GET " + ProbeEndpoints.LIVE_PATH + " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    } finally {
      for (Socket socket : stalled) {
        socket.close();
      }
    }
  }

  /**
   * A scraper that resets its connection (SO_LINGER 0) while its answer is on the way is no error
   * of the server's: each is one DEBUG line, no ERROR and no stack trace. The exporter logged each
   * at SEVERE with a full trace, so 50 such requests left about a thousand lines in the log. The
   * answer here is 8 MiB, more than the socket buffers hold, so every write fails on the reset.
   */
  @Test
  void metricsPort_aScraperThatResetsItsConnection_isOneDebugLine_noErrorNorTrace() throws Exception {
    ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(), TlsSettings.none(),
        freePort(), 64, 100, 0);
    GrpcServer server = GrpcServer.onPort("metrics", 0, settings).addService(EchoService.echo()).start();
    closer.add(server);
    Gauge.builder().name("test_large_answer").help("x".repeat(8 << 20)).register(server.metrics());
    int resets = 5;
    try (LogCapture everything = LogCapture.everything(Level.WARN);
        LogCapture metricsPort = LogCapture.of(HeadFirstHttpServer.class, Level.DEBUG)) {
      for (int i = 0; i < resets; i++) {
        try (Socket socket = new Socket("127.0.0.1", server.metricsPort())) {
          socket.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(US_ASCII));
          // The answer has begun: its status line is here, the rest waits in the server's write.
          assertEquals("HTTP/1.1 200 OK", statusLine(socket));
          socket.setSoLinger(true, 0);
        }
      }

      await("each reset logged", () -> problems(everything).size() + metricsPort.lines().size() >= resets);
      assertEquals(List.of(), problems(everything));
      assertEquals(resets, metricsPort.lines().size());
      for (ILoggingEvent line : metricsPort.lines()) {
        assertEquals(Level.DEBUG, line.getLevel());
        assertNull(line.getThrowableProxy(), line.getFormattedMessage());
        assertTrue(line.getFormattedMessage().startsWith("metrics: the client closed its connection before its "
            + "answer was sent"), line.getFormattedMessage());
      }
    }
    // The port answers on.
    assertEquals(Optional.of("HTTP/1.1 200 OK"), RawHttp.statusLine("127.0.0.1", server.metricsPort(),
        "GET " + ProbeEndpoints.LIVE_PATH + " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  }

  /** The lines at WARN and above, with their traces' first lines, to read in a failure. */
  private static List<String> problems(LogCapture capture) {
    return capture.lines().stream().filter(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
        .map(line -> line.getLevel() + " " + line.getLoggerName() + ": " + line.getFormattedMessage()
            + (line.getThrowableProxy() == null ? "" : " / " + line.getThrowableProxy().getMessage()))
        .toList();
  }

  /** Reads the answer's first line, byte by byte, leaving the rest unread. */
  private static String statusLine(Socket socket) throws IOException {
    socket.setSoTimeout(10_000);
    StringBuilder line = new StringBuilder();
    for (int b = socket.getInputStream().read(); b != '\n'; b = socket.getInputStream().read()) {
      if (b < 0) {
        throw new AssertionError("closed after " + line);
      }
      line.append((char) b);
    }
    return line.toString().strip();
  }

  @Test
  void startingAServer_bridgesGrpcJavaUtilLogging_toSlf4j() {
    closer.add(GrpcServer.inProcess("bridge", "bridge-" + UUID.randomUUID()).addService(EchoService.echo()).start());

    assertTrue(org.slf4j.bridge.SLF4JBridgeHandler.isInstalled());
  }

  private static void assertDoesNotThrowParsing(String id) {
    assertEquals(id, UUID.fromString(id).toString());
  }

  /** Waits up to 30 s for {@code condition}, checking every 10 ms. */
  private static void await(String what, CheckedCondition condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.holds()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(what + " within 30 s");
      }
      TimeUnit.MILLISECONDS.sleep(10);
    }
  }

  private interface CheckedCondition {
    boolean holds() throws Exception;
  }

  /** An echo server on a loopback port, with its metrics on another. */
  private GrpcServer echoServerWithMetrics() throws IOException {
    ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(), TlsSettings.none(),
        freePort(), 64, 100, 0);
    GrpcServer server = GrpcServer.onPort("metrics", 0, settings).addService(EchoService.echo()).start();
    closer.add(server);
    return server;
  }

  private ManagedChannel channel(String target) {
    ManagedChannel channel = ClientChannels.forTarget(target);
    closer.add(channel::shutdownNow);
    return channel;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
