package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.StringValue;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The concurrency limit, its queue and the per-connection stream limit, on a real loopback server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdmissionTest {
  private static final int LIMIT = 8;
  private static final int STREAMS_PER_CONNECTION = 16;
  /** What a RESOURCE_EXHAUSTED for the limit tells the caller, before the settings. */
  private static final String DID_NOT_RUN = "the call did not run, nothing was stored: back off and resend it"
      + " unchanged,";
  /** What it tells the operator after the settings. */
  private static final String STORE_KEEPS_UP = " and the service's store or backends keep up";

  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger mostRunning = new AtomicInteger();
  private final AtomicInteger started = new AtomicInteger();
  private final Queue<String> handled = new ConcurrentLinkedQueue<>();
  private PrometheusRegistry metrics;
  private final Closer closer = new Closer();
  private GrpcServer server;

  /** How a call that fails was answered, and how long that took. */
  private record Refusal(Status status, long millis) {}

  private static Refusal refused(ManagedChannel channel, String message) {
    long began = System.nanoTime();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> EchoService.call(channel, message));
    return new Refusal(e.getStatus(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
  }

  @AfterEach
  void tearDown() throws Exception {
    release.countDown();
    closer.close();
  }

  @Test
  void callBeyondTheLimit_isRefusedAtOnce_withResourceExhausted() throws Exception {
    start();
    ManagedChannel channel = channel();
    List<Outcome> blocked = fillAllSlots(channel);

    long started = System.nanoTime();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> EchoService.call(channel, "one more"));
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertEquals("admission is running its limit of " + LIMIT + " concurrent calls; " + DID_NOT_RUN + " or set"
        + " GLASSBOX_MAX_CONCURRENT_CALLS / GLASSBOX_MAX_QUEUED_CALLS / GLASSBOX_MAX_QUEUE_WAIT higher if the load"
        + " is expected" + STORE_KEEPS_UP, e.getStatus().getDescription());
    assertTrue(tookMillis < 5000, "refused in " + tookMillis + " ms");
    release.countDown();
    for (Outcome outcome : blocked) {
      assertEquals(Status.Code.OK, outcome.await());
    }
    assertEquals("again", EchoService.call(channel, "again"));
  }

  @Test
  void callBeyondTheLimit_withAQueueButNoWait_isRefusedAtOnce_namingTheWaitNotTheQueue() throws Exception {
    assertEquals("admission is running its limit of " + LIMIT + " concurrent calls; " + DID_NOT_RUN + " or set"
        + " GLASSBOX_MAX_CONCURRENT_CALLS / GLASSBOX_MAX_QUEUE_WAIT higher if the load is expected" + STORE_KEEPS_UP,
        refusalWithNoQueue(4, Duration.ZERO).status().getDescription());
  }

  @Test
  void callBeyondTheLimit_withAWaitButNoQueue_isRefusedAtOnce_namingTheQueueNotTheWait() throws Exception {
    assertEquals("admission is running its limit of " + LIMIT + " concurrent calls; " + DID_NOT_RUN + " or set"
        + " GLASSBOX_MAX_CONCURRENT_CALLS / GLASSBOX_MAX_QUEUED_CALLS higher if the load is expected" + STORE_KEEPS_UP,
        refusalWithNoQueue(0, Duration.ofSeconds(30)).status().getDescription());
  }

  /** The refusal of one call beyond the limit on a server whose queue is off by {@code maxQueued} or {@code maxWait}. */
  private Refusal refusalWithNoQueue(int maxQueued, Duration maxWait) throws Exception {
    startWithQueue(maxQueued, maxWait);
    ManagedChannel channel = channel();
    fillAllSlots(channel);
    Refusal refusal = refused(channel, "one more");
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refusal.status().getCode());
    assertTrue(refusal.millis() < 5000, "refused in " + refusal.millis() + " ms");
    return refusal;
  }

  /**
   * A replica still loading its data (health NOT_SERVING) answers its calls at once, yet under a
   * client's resends while loading takes the cores they fill its slots: the refusal says it is
   * still starting, UNAVAILABLE as the service's own "still loading" refusals are, not that
   * GLASSBOX_MAX_CONCURRENT_CALLS is too low; counted as starting.
   */
  @Test
  void callBeyondTheLimit_beforeTheServerIsServing_isRefusedUnavailable_sayingItIsStillStarting() throws Exception {
    GrpcServer.Builder builder = GrpcServer.onPort("admission", 0, new ServerSettings("127.0.0.1", "127.0.0.1",
        ApiKeys.none(), TlsSettings.none(), 0, LIMIT, STREAMS_PER_CONNECTION, 0, 2, Duration.ofSeconds(30)));
    metrics = builder.metricsRegistry();
    server = builder.addService(echo(null)).start();
    closer.add(server);
    ManagedChannel channel = channel();
    fillAllSlots(channel);

    Refusal refusal = refused(channel, "while loading");

    assertEquals(Status.Code.UNAVAILABLE, refusal.status().getCode());
    assertEquals("admission is still starting (its health is NOT_SERVING) and all its " + LIMIT + " call slots are"
        + " taken; the call did not run, nothing was stored: retry it shortly, or on another replica",
        refusal.status().getDescription());
    assertEquals(1, refusals("client", "starting"));
    assertEquals(0, refusals("client", "queue_full"));
    server.setServing(true);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refusalOnceTheQueueIsFull(channel));
  }

  /**
   * With API keys, a refusal for the server's slots is counted under no key, in the series at 0
   * from the start: counted under the caller's key, each key's first refusal began a series at 1,
   * which rate() does not see.
   */
  @Test
  void refusalOfACallWithAnApiKey_isCountedUnderNoKey_inASeriesAtZeroFromTheStart() throws Exception {
    ApiKeys keys = ApiKeys.parse(java.nio.file.Path.of("api-keys"), "client " + ApiKeys.sha256Hex("shop-key") + " shop\n");
    start(new ServerSettings("127.0.0.1", "127.0.0.1", keys, TlsSettings.none(), 0, LIMIT, STREAMS_PER_CONNECTION, 0, 0,
        Duration.ZERO), null, null);
    List<String> atStart = refusalSeries();
    ManagedChannel channel = ClientChannels.forTarget("127.0.0.1:" + server.port(),
        ClientSettings.plaintext().withApiKey("shop-key"), Retries.none());
    closer.add(channel::shutdownNow);
    fillAllSlots(channel);

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused(channel, "one more").status().getCode());

    assertEquals(List.of("client queue_full  0.0", "client shutting_down  0.0", "client starting  0.0",
        "client wait_expired  0.0"), atStart);
    assertEquals(List.of("client queue_full  1.0", "client shutting_down  0.0", "client starting  0.0",
        "client wait_expired  0.0"), refusalSeries());
  }

  /** Each series of {@value AdmissionInterceptor#REFUSED_COUNTER}, as "port reason key value", sorted. */
  private List<String> refusalSeries() {
    return metrics.scrape(AdmissionInterceptor.REFUSED_COUNTER::equals).stream()
        .flatMap(snapshot -> snapshot.getDataPoints().stream())
        .map(point -> point.getLabels().get("port") + " " + point.getLabels().get("reason") + " "
            + point.getLabels().get("key") + " "
            + ((io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot) point).getValue())
        .sorted().toList();
  }

  /**
   * A drain timeout under a millisecond is said as one in both lines of a drain that runs past it:
   * the first said "0 s", the second "PT0.0005S", Duration's own form.
   */
  @Test
  void close_pastASubMillisecondDrainTimeout_saysTheTimeoutInMilliseconds_inBothLines() throws Exception {
    try (LogCapture log = LogCapture.of(GrpcServer.class, ch.qos.logback.classic.Level.INFO)) {
      GrpcServer.Builder builder = GrpcServer.onPort("admission", 0, new ServerSettings("127.0.0.1", "127.0.0.1",
          ApiKeys.none(), TlsSettings.none(), 0, LIMIT, STREAMS_PER_CONNECTION, 0)).drainTimeout(Duration.ofNanos(500_000));
      metrics = builder.metricsRegistry();
      server = builder.addService(echo(null)).start();
      server.setServing(true);
      closer.add(server);
      callAsync(channel(), "held");
      awaitRunning(1);

      server.close();

      List<String> lines = log.lines().stream().map(line -> line.getFormattedMessage()).toList();
      assertTrue(lines.contains("admission is draining: 1 calls in flight, 0 waiting for a slot; they have up to 0.5 ms"
          + " (the drain timeout) to finish, then are cancelled"), lines.toString());
      assertTrue(lines.contains("admission did not drain in 0.5 ms; cancelling calls in flight"), lines.toString());
    }
  }

  /** The code of a call refused once {@link #LIMIT} calls run and two wait. */
  private Status.Code refusalOnceTheQueueIsFull(ManagedChannel channel) throws InterruptedException {
    callAsync(channel, "w1");
    callAsync(channel, "w2");
    awaitGauge(AdmissionInterceptor.WAITING_GAUGE, 2);
    return refused(channel, "one more").status().getCode();
  }

  /**
   * SIGTERM's drain says when it starts, with what it waits for: before, the only line was
   * "stopped" at the end, and an operator could not tell a slow drain from a hung one.
   */
  @Test
  void close_logsWhenTheDrainStarts_withTheCallsInFlight_andTheDrainTimeout() throws Exception {
    try (LogCapture log = LogCapture.of(GrpcServer.class, ch.qos.logback.classic.Level.INFO)) {
      start();
      ManagedChannel channel = channel();
      List<Outcome> running = List.of(callAsync(channel, "a"), callAsync(channel, "b"));
      awaitRunning(2);
      Thread closing = new Thread(server::close, "closing");
      closing.start();
      String drainLine = "admission is draining: 2 calls in flight, 0 waiting for a slot; they have up to 10 s"
          + " (the drain timeout) to finish, then are cancelled";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (log.lines().stream().noneMatch(line -> line.getFormattedMessage().equals(drainLine))) {
        assertTrue(System.nanoTime() < deadline, log.lines().toString());
        Thread.onSpinWait();
      }
      release.countDown();
      closing.join();
      for (Outcome outcome : running) {
        assertEquals(Status.Code.OK, outcome.await());
      }
    }
  }

  @Test
  void floodOfStreamsOnOneConnection_leavesTheServerUpAndAnswering() throws Exception {
    start();
    ManagedChannel flooding = channel();
    List<Outcome> flood = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      flood.add(callAsync(flooding));
    }
    awaitRunning(LIMIT);

    // Another client still gets prompt answers: health, and a clear "busy" for work.
    ManagedChannel other = channel();
    assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(other).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus());
    StatusRuntimeException busy = assertThrows(StatusRuntimeException.class, () -> EchoService.call(other, "busy?"));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, busy.getStatus().getCode());

    release.countDown();
    Map<Status.Code, Integer> codes = new EnumMap<>(Status.Code.class);
    for (Outcome outcome : flood) {
      codes.merge(outcome.await(), 1, Integer::sum);
    }
    assertEquals(2000, codes.getOrDefault(Status.Code.OK, 0) + codes.getOrDefault(Status.Code.RESOURCE_EXHAUSTED, 0),
        "only OK or RESOURCE_EXHAUSTED: " + codes);
    assertTrue(codes.getOrDefault(Status.Code.OK, 0) >= LIMIT, "codes " + codes);
    assertTrue(mostRunning.get() <= LIMIT, "at most " + LIMIT + " ran at once, saw " + mostRunning.get());
    assertEquals("still here", EchoService.call(flooding, "still here"));
  }

  @Test
  void callBeyondTheLimit_waitsForASlot_andRunsOnceOneIsFree() throws Exception {
    startWithQueue(4, Duration.ofSeconds(30));
    ManagedChannel channel = channel();
    List<Outcome> blocked = fillAllSlots(channel);
    Outcome waiting = callAsync(channel, "waited");
    awaitGauge(AdmissionInterceptor.WAITING_GAUGE, 1);
    assertEquals(LIMIT, started.get(), "the waiting call has not started");

    release.countDown();
    assertEquals(Status.Code.OK, waiting.await());
    assertTrue(handled.contains("waited"));
    for (Outcome outcome : blocked) {
      assertEquals(Status.Code.OK, outcome.await());
    }
    assertTrue(mostRunning.get() <= LIMIT, "at most " + LIMIT + " ran at once, saw " + mostRunning.get());
    awaitGauge(AdmissionInterceptor.RUNNING_GAUGE, 0);
    awaitGauge(AdmissionInterceptor.WAITING_GAUGE, 0);
  }

  @Test
  void waitingCalls_takeFreedSlotsOldestFirst() throws Exception {
    Semaphore gate = new Semaphore(0);
    startWithQueue(8, Duration.ofSeconds(30), 1, gate, null);
    ManagedChannel channel = channel();
    Outcome first = callAsync(channel, "running");
    awaitRunning(1);
    List<Outcome> waiting = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      waiting.add(callAsync(channel, "waiting " + i));
      awaitGauge(AdmissionInterceptor.WAITING_GAUGE, i + 1);
    }

    gate.release(5);
    assertEquals(Status.Code.OK, first.await());
    for (Outcome outcome : waiting) {
      assertEquals(Status.Code.OK, outcome.await());
    }
    assertEquals(List.of("running", "waiting 0", "waiting 1", "waiting 2", "waiting 3"), List.copyOf(handled));
    assertEquals(1, mostRunning.get());
  }

  @Test
  void callStillWaitingWhenItsWaitIsUp_isRefusedWithResourceExhausted_andNeverRuns() throws Exception {
    startWithQueue(4, Duration.ofMillis(300));
    ManagedChannel channel = channel();
    fillAllSlots(channel);

    Refusal refusal = refused(channel, "late");

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refusal.status().getCode());
    assertTrue(refusal.status().getDescription().matches("admission is running its limit of " + LIMIT
        + " concurrent calls and no slot came free in \\d+ ms; " + DID_NOT_RUN + " or set"
        + " GLASSBOX_MAX_CONCURRENT_CALLS / GLASSBOX_MAX_QUEUE_WAIT higher if the load is expected" + STORE_KEEPS_UP),
        refusal.status().getDescription());
    assertTrue(refusal.millis() >= 300 && refusal.millis() < 10_000, "refused after " + refusal.millis() + " ms");
    awaitGauge(AdmissionInterceptor.WAITING_GAUGE, 0);
    release.countDown();
    assertEquals("after", EchoService.call(channel, "after"));
    assertTrue(!handled.contains("late"), "the refused call never ran: " + handled);
  }

  @Test
  void callFindingTheQueueFull_isRefusedAtOnce() throws Exception {
    startWithQueue(2, Duration.ofSeconds(30));
    ManagedChannel channel = channel();
    fillAllSlots(channel);
    List<Outcome> waiting = List.of(callAsync(channel, "w1"), callAsync(channel, "w2"));
    awaitGauge(AdmissionInterceptor.WAITING_GAUGE, 2);

    Refusal refusal = refused(channel, "third");

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refusal.status().getCode());
    assertEquals("admission is running its limit of " + LIMIT + " concurrent calls and 2 more are waiting; "
        + DID_NOT_RUN + " or set GLASSBOX_MAX_CONCURRENT_CALLS / GLASSBOX_MAX_QUEUED_CALLS higher if the load"
        + " is expected" + STORE_KEEPS_UP, refusal.status().getDescription());
    assertTrue(refusal.millis() < 5000, "refused in " + refusal.millis() + " ms");
    release.countDown();
    for (Outcome outcome : waiting) {
      assertEquals(Status.Code.OK, outcome.await());
    }
  }

  /**
   * A burst refused by a full queue, then a call whose wait ran out: each reason is counted on
   * /metrics and logged at WARN once (the rest at DEBUG), so that a refusal by one reason never
   * hides one by the other, and the limits are there to compare the running and waiting gauges with.
   */
  @Test
  void refusals_areCountedByReason_andLoggedOncePerReason_besideGaugesOfTheLimits() throws Exception {
    try (LogCapture log = LogCapture.of(AdmissionInterceptor.class, ch.qos.logback.classic.Level.DEBUG)) {
      startWithQueue(2, Duration.ofSeconds(3));
      assertEquals(LIMIT, gauge(AdmissionInterceptor.MAX_RUNNING_GAUGE));
      assertEquals(2, gauge(AdmissionInterceptor.MAX_WAITING_GAUGE));
      assertEquals(3, gauge(AdmissionInterceptor.MAX_WAIT_GAUGE), 1e-9);
      assertEquals(0, refusals("client", "queue_full"));
      assertEquals(0, refusals("client", "wait_expired"));
      ManagedChannel channel = channel();
      fillAllSlots(channel);

      // Two wait their 3 s and are refused; meanwhile five find the queue full.
      List<Outcome> waiting = List.of(callAsync(channel, "w1"), callAsync(channel, "w2"));
      awaitGauge(AdmissionInterceptor.WAITING_GAUGE, 2);
      for (int i = 0; i < 5; i++) {
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused(channel, "burst " + i).status().getCode());
      }
      for (Outcome outcome : waiting) {
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, outcome.await());
      }

      assertEquals(5, refusals("client", "queue_full"));
      assertEquals(2, refusals("client", "wait_expired"));
      List<String> warnings = log.lines().stream()
          .filter(line -> line.getLevel() == ch.qos.logback.classic.Level.WARN)
          .map(line -> line.getFormattedMessage()).toList();
      assertEquals(2, warnings.size(), warnings.toString());
      assertTrue(warnings.stream().anyMatch(line -> line.startsWith("refused a call with RESOURCE_EXHAUSTED: admission"
          + " is running its limit of " + LIMIT + " concurrent calls and 2 more are waiting;")), warnings.toString());
      assertTrue(warnings.stream().anyMatch(line -> line.matches("refused a call with RESOURCE_EXHAUSTED: admission"
          + " is running its limit of " + LIMIT + " concurrent calls and no slot came free in \\d+ ms;.*")),
          warnings.toString());
      assertEquals(5, log.lines().stream().filter(line -> line.getLevel() == ch.qos.logback.classic.Level.DEBUG)
          .count(), log.lines().toString());
    }
  }

  /**
   * A call that would wait for a slot once the server closes (GrpcServer closes admission after
   * the drain) has no wait to run out: it is refused at once
   * UNAVAILABLE, which a client retries on another replica, saying that the server is shutting
   * down, and counted as shutting_down, not as an expired wait of "0 ms" with the queue's WARN.
   */
  @Test
  void callThatWouldWait_whileTheServerCloses_isRefusedUnavailable_countedAsShuttingDown() throws Exception {
    try (LogCapture log = LogCapture.of(AdmissionInterceptor.class, ch.qos.logback.classic.Level.DEBUG)) {
      AdmissionInterceptor admission = closingAdmission(4, Duration.ofSeconds(30));
      ManagedChannel channel = plainServer(admission);
      Outcome running = callAsync(channel, "running");
      awaitRunning(1);
      admission.close();

      Refusal refusal = refused(channel, "too late");

      assertEquals(Status.Code.UNAVAILABLE, refusal.status().getCode());
      assertEquals("closing is shutting down; retry the call on another replica, or later",
          refusal.status().getDescription());
      assertTrue(refusal.millis() < 5000, "refused in " + refusal.millis() + " ms");
      assertEquals(1, refusals("client", "shutting_down"));
      assertEquals(0, refusals("client", "wait_expired"));
      // One line, at INFO: not the queue's WARN.
      assertEquals(List.of("INFO refused a call with UNAVAILABLE: closing is shutting down; retry the call on another"
          + " replica, or later"), log.lines().stream()
          .filter(line -> line.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.INFO))
          .map(line -> line.getLevel() + " " + line.getFormattedMessage()).toList());
      release.countDown();
      assertEquals(Status.Code.OK, running.await());
      assertTrue(!handled.contains("too late"), "the refused call never ran: " + handled);
    }
  }

  /**
   * A call already waiting when the server closes would wait on for a slot, its cancellation or
   * its deadline: closing stopped the timer, and with it the wait that would have refused it. It
   * is refused at once, UNAVAILABLE, as a call arriving then is, and counted as shutting_down.
   */
  @Test
  void callWaitingWhenTheServerCloses_isRefusedUnavailableAtOnce_countedAsShuttingDown() throws Exception {
    AdmissionInterceptor admission = closingAdmission(4, Duration.ofSeconds(30));
    ManagedChannel channel = plainServer(admission);
    Outcome running = callAsync(channel, "running");
    awaitRunning(1);
    Outcome queued = callAsync(channel, "queued", 20);
    awaitWaiting(admission, 1);

    long closing = System.nanoTime();
    admission.close();
    Status status = queued.awaitStatus();
    long refusedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing);

    assertEquals(Status.Code.UNAVAILABLE, status.getCode(), status.toString());
    assertEquals("closing is shutting down; retry the call on another replica, or later", status.getDescription());
    assertTrue(refusedMillis < 5000, "refused " + refusedMillis + " ms after the close");
    assertEquals(0, admission.waiting());
    assertEquals(1, refusals("client", "shutting_down"));
    assertEquals(0, refusals("client", "wait_expired"));
    release.countDown();
    assertEquals(Status.Code.OK, running.await());
    assertTrue(!handled.contains("queued"), "the refused call never ran: " + handled);
  }

  /**
   * With no queue (off by its size or by its wait), a call beyond the limit once the server
   * closes is refused as shutting down too, not as a full queue whose settings should be raised.
   */
  @ParameterizedTest(name = "maxQueued {0}, maxWait {1} ms")
  @CsvSource({"0, 30000", "4, 0"})
  void callBeyondTheLimit_withNoQueue_whileTheServerCloses_isRefusedUnavailable_notAsAFullQueue(
      int maxQueued, long maxWaitMillis) throws Exception {
    AdmissionInterceptor admission = closingAdmission(maxQueued, Duration.ofMillis(maxWaitMillis));
    ManagedChannel channel = plainServer(admission);
    Outcome running = callAsync(channel, "running");
    awaitRunning(1);
    admission.close();

    Refusal refusal = refused(channel, "too late");

    assertEquals(Status.Code.UNAVAILABLE, refusal.status().getCode(), refusal.status().toString());
    assertEquals("closing is shutting down; retry the call on another replica, or later",
        refusal.status().getDescription());
    assertEquals(1, refusals("client", "shutting_down"));
    assertEquals(0, refusals("client", "queue_full"));
    release.countDown();
    assertEquals(Status.Code.OK, running.await());
    assertTrue(!handled.contains("too late"), "the refused call never ran: " + handled);
  }

  /**
   * The admin port (ReloadModel) has its own admission, at the same limit: its refusals were
   * logged but not on /metrics. They are counted beside the client port's, under port="admin",
   * and the refusal names the admin port's server ("-admin", as its connection limit does): its
   * WARN line was the client port's word for word.
   */
  @Test
  void refusalOnTheAdminPort_isCountedOnMetrics_underTheAdminPortLabel() throws Exception {
    String adminService = "test.Admin";
    ServerSettings settings = new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(), TlsSettings.none(),
        0, 1, STREAMS_PER_CONNECTION, 0, 0, Duration.ZERO);
    GrpcServer.Builder builder = GrpcServer.onPort("admission", 0, settings);
    metrics = builder.metricsRegistry();
    server = closer.add(builder.addService(EchoService.echo())
        .addAdminService(EchoService.named(adminService, handler(null)), 0).start());
    server.setServing(true);
    ManagedChannel admin = ClientChannels.forTarget("127.0.0.1:" + server.adminPort());
    closer.add(admin::shutdownNow);
    Outcome reloading = new Outcome();
    ClientCalls.asyncUnaryCall(admin.newCall(EchoService.method(adminService),
        CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)), StringValue.of("reload"), reloading);
    awaitRunning(1);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> EchoService.call(admin, EchoService.method(adminService), CallOptions.DEFAULT, "another reload"));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertEquals("admission-admin is running its limit of 1 concurrent calls; " + DID_NOT_RUN + " or set"
        + " GLASSBOX_MAX_CONCURRENT_CALLS / GLASSBOX_MAX_QUEUED_CALLS / GLASSBOX_MAX_QUEUE_WAIT higher if the load is"
        + " expected" + STORE_KEEPS_UP, e.getStatus().getDescription());
    assertEquals(1, refusals("admin", "queue_full"));
    assertEquals(0, refusals("client", "queue_full"));
    assertEquals(0, refusals("admin", "wait_expired"));
    release.countDown();
    assertEquals(Status.Code.OK, reloading.await());
  }

  @Test
  void callWhoseDeadlinePassesWhileWaiting_leavesTheQueue_andNeverRuns() throws Exception {
    // A wait longer than awaitGauge's 30 s: only the cancellation can take the call out in time.
    startWithQueue(1, Duration.ofSeconds(60));
    ManagedChannel channel = channel();
    fillAllSlots(channel);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
        channel, EchoService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS),
        StringValue.of("impatient")));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    // It no longer holds the one place in the queue: another call waits there and runs.
    awaitGauge(AdmissionInterceptor.WAITING_GAUGE, 0);
    Outcome patient = callAsync(channel, "patient");
    awaitGauge(AdmissionInterceptor.WAITING_GAUGE, 1);
    release.countDown();
    assertEquals(Status.Code.OK, patient.await());
    assertTrue(!handled.contains("impatient"), "the expired call never ran: " + handled);
    assertEquals(LIMIT + 1, started.get());
  }

  @Test
  void callAdmittedFromTheQueue_startsInItsOwnContext_notInThatOfTheCallWhoseSlotItTakes() throws Exception {
    Semaphore gate = new Semaphore(0);
    Queue<Deadline> deadlineAtStart = new ConcurrentLinkedQueue<>();
    ServerInterceptor recorder = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        deadlineAtStart.add(Context.current().getDeadline());
        return next.startCall(call, headers);
      }
    };
    startWithQueue(4, Duration.ofSeconds(30), 1, gate, recorder);
    ManagedChannel channel = channel();
    Outcome first = callAsync(channel, "first", 60);
    awaitRunning(1);
    Outcome second = callAsync(channel, "second", 20);
    awaitGauge(AdmissionInterceptor.WAITING_GAUGE, 1);

    gate.release(2);   // the first ends, and the second starts on its thread
    assertEquals(Status.Code.OK, first.await());
    assertEquals(Status.Code.OK, second.await());

    List<Deadline> seen = List.copyOf(deadlineAtStart);
    assertEquals(2, seen.size());
    assertTrue(seen.get(0).timeRemaining(TimeUnit.SECONDS) > 30, "the first call's deadline: " + seen.get(0));
    assertTrue(seen.get(1).timeRemaining(TimeUnit.SECONDS) <= 20,
        "the second call's own 20 s deadline, not the first's 60 s: " + seen.get(1));
  }

  /**
   * An admission named "closing" at a limit of 1, counting its refusals in {@link #metrics}, for
   * a test to close as GrpcServer closes it after the drain.
   */
  private AdmissionInterceptor closingAdmission(int maxQueued, Duration maxWait) {
    metrics = new PrometheusRegistry();
    AdmissionInterceptor admission = new AdmissionInterceptor("closing", Role.CLIENT, 1, maxQueued, maxWait,
        AdmissionInterceptor.refusalCounter(metrics), () -> true);
    closer.add(admission);
    return admission;
  }

  /** A plain loopback server whose echo service is behind {@code admission} alone; a channel to it. */
  private ManagedChannel plainServer(AdmissionInterceptor admission) throws IOException {
    Server plain = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(echo(null), admission)).build().start();
    closer.add(() -> plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    ManagedChannel channel = ClientChannels.forTarget("127.0.0.1:" + plain.getPort());
    closer.add(channel::shutdownNow);
    return channel;
  }

  /** Waits until {@code count} calls wait in {@code admission}'s queue. */
  private static void awaitWaiting(AdmissionInterceptor admission, int count) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (admission.waiting() != count) {
      assertTrue(System.nanoTime() < deadline, admission.waiting() + " calls waiting, expected " + count);
      Thread.onSpinWait();
    }
  }

  private void start() {
    start(new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(), TlsSettings.none(),
        0, LIMIT, STREAMS_PER_CONNECTION, 0), null, null);
  }

  private void startWithQueue(int maxQueued, Duration maxWait) {
    startWithQueue(maxQueued, maxWait, LIMIT, null, null);
  }

  /**
   * With {@code gate}, each call takes one of its permits to finish, instead of awaiting
   * {@link #release}; with {@code inner}, the service's own interceptor, which admission starts
   * with each call.
   */
  private void startWithQueue(int maxQueued, Duration maxWait, int limit, Semaphore gate, ServerInterceptor inner) {
    start(new ServerSettings("127.0.0.1", "127.0.0.1", ApiKeys.none(), TlsSettings.none(),
        0, limit, STREAMS_PER_CONNECTION, 0, maxQueued, maxWait), gate, inner);
  }

  private void start(ServerSettings settings, Semaphore gate, ServerInterceptor inner) {
    GrpcServer.Builder builder = GrpcServer.onPort("admission", 0, settings);
    metrics = builder.metricsRegistry();
    BindableService echo = echo(gate);
    server = builder.addService(inner == null ? echo : () -> ServerInterceptors.intercept(echo, inner)).start();
    server.setServing(true);
    closer.add(server);
  }

  /**
   * Echoes, counting the calls that run; each waits for {@link #release}, or with {@code gate},
   * takes one of its permits to finish.
   */
  private BindableService echo(Semaphore gate) {
    return EchoService.answering(handler(gate));
  }

  /** What {@link #echo} answers with. */
  private UnaryOperator<String> handler(Semaphore gate) {
    return text -> {
      started.incrementAndGet();
      handled.add(text);
      mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        if (gate == null) {
          release.await(60, TimeUnit.SECONDS);
        } else {
          gate.tryAcquire(60, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        running.decrementAndGet();
      }
      return text;
    };
  }

  /** Waits until the admission gauge {@code name} reads {@code value}. */
  private void awaitGauge(String name, int value) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (gauge(name) != value) {
      assertTrue(System.nanoTime() < deadline, name + " is " + gauge(name) + ", expected " + value);
      Thread.onSpinWait();
    }
  }

  /** Calls refused on {@code port} (client or admin) for {@code reason} so far, as /metrics counts them. */
  private double refusals(String port, String reason) {
    return metrics.scrape(AdmissionInterceptor.REFUSED_COUNTER::equals).stream()
        .flatMap(snapshot -> snapshot.getDataPoints().stream())
        .filter(point -> port.equals(point.getLabels().get("port")) && reason.equals(point.getLabels().get("reason")))
        .mapToDouble(point -> ((io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot) point)
            .getValue())
        .sum();
  }

  private double gauge(String name) {
    return metrics.scrape(name::equals).stream()
        .flatMap(snapshot -> snapshot.getDataPoints().stream())
        .mapToDouble(point -> ((io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot) point).getValue())
        .sum();
  }

  private ManagedChannel channel() {
    ManagedChannel channel = ClientChannels.forTarget("127.0.0.1:" + server.port());
    closer.add(channel::shutdownNow);
    return channel;
  }

  /** {@link #LIMIT} calls, each holding a slot until {@link #release}; returns once all run. */
  private List<Outcome> fillAllSlots(ManagedChannel channel) throws InterruptedException {
    List<Outcome> blocked = new ArrayList<>();
    for (int i = 0; i < LIMIT; i++) {
      blocked.add(callAsync(channel));
    }
    awaitRunning(LIMIT);
    return blocked;
  }

  private void awaitRunning(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (running.get() < count) {
      assertTrue(System.nanoTime() < deadline, "only " + running.get() + " calls started");
      Thread.onSpinWait();
    }
  }

  private static Outcome callAsync(ManagedChannel channel) {
    return callAsync(channel, "flood");
  }

  private static Outcome callAsync(ManagedChannel channel, String text) {
    return callAsync(channel, text, 60);
  }

  private static Outcome callAsync(ManagedChannel channel, String text, int deadlineSeconds) {
    Outcome outcome = new Outcome();
    ClientCalls.asyncUnaryCall(channel.newCall(EchoService.ECHO,
        CallOptions.DEFAULT.withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS)), StringValue.of(text), outcome);
    return outcome;
  }

  /** The status one asynchronous call ended with. */
  private static final class Outcome implements StreamObserver<StringValue> {
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Status status;

    @Override
    public void onNext(StringValue value) {}

    @Override
    public void onError(Throwable t) {
      status = Status.fromThrowable(t);
      done.countDown();
    }

    @Override
    public void onCompleted() {
      status = Status.OK;
      done.countDown();
    }

    Status.Code await() throws InterruptedException {
      return awaitStatus().getCode();
    }

    Status awaitStatus() throws InterruptedException {
      assertTrue(done.await(60, TimeUnit.SECONDS), "call did not end");
      return status;
    }
  }
}
