package io.glassbox.gateway;

import static io.glassbox.gateway.TestCatalogue.KNOWN_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.LogCapture;
import io.glassbox.server.RequestIds;
import io.glassbox.server.ServerSettings;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A call the gateway answers with a failure because a service it calls failed leaves one line
 * under the call's request id, the id its trailers carry and bin/glassbox prints with "the
 * suite's logs say why": at INFO for the first such call of a minute, at DEBUG for the others.
 * The dependencies here are stopped (a loopback port nothing listens on), or never answer.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayFailedCallLogTest {
  private GatewayHarness harness;

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  /**
   * With the feature service down every Recommend fails alike: the first is logged at INFO under
   * its request id, the others each at DEBUG under theirs (an outage under load wrote a line per
   * call at INFO).
   */
  @Test
  void recommend_featureServiceStopped_logsTheFirstCallAtInfo_andEachCallAtDebugUnderItsRequestId()
      throws IOException {
    startWithStopped(GatewayConfig.FEATURE_TARGET_KEY);
    try (LogCapture logged = LogCapture.of(DependencyFailures.class, Level.DEBUG)) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        ids.add(failedCallId(() -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS)
            .recommend(RecommendRequest.newBuilder().setUserId(KNOWN_USER).setLimit(3).build())));
      }

      assertEquals(5, ids.stream().distinct().count(), ids.toString());
      assertOneLine(logged, ids.get(0), Level.INFO, "answered UNAVAILABLE: the feature service call ended UNAVAILABLE");
      ids.subList(1, 5).forEach(id -> assertOneLine(logged, id, Level.DEBUG,
          "answered UNAVAILABLE: the feature service call ended UNAVAILABLE"));
      assertEquals(5, logged.lines().size(), logged.lines().toString());
    }
  }

  /**
   * A caller's own deadline passing while the gateway waits for the feature service may be the
   * caller's short deadline or a hung feature service: one INFO line (the first a minute) that says
   * only that the caller's deadline passed, blaming neither.
   */
  @Test
  void recommend_callersDeadlinePassesWhileWaitingForTheFeatureService_isLoggedAtInfoAsTheCallersDeadline()
      throws InterruptedException {
    harness = new GatewayHarness().start();
    harness.feature.historyHangs = true;
    try (LogCapture logged = LogCapture.of(DependencyFailures.class, Level.DEBUG)) {
      StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
          () -> harness.client("deadline-call-1").withDeadlineAfter(300, TimeUnit.MILLISECONDS)
              .recommend(RecommendRequest.newBuilder().setUserId(KNOWN_USER).setLimit(3).build()));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, error.getStatus().getCode());

      ILoggingEvent line = logged.awaitOnlyLineOf("deadline-call-1");
      assertEquals("answered DEADLINE_EXCEEDED: the caller's deadline passed while waiting for the feature service",
          line.getFormattedMessage());
      assertEquals(Level.INFO, line.getLevel());
    }
  }

  /**
   * A caller that cancels its call while the gateway waits for the feature service ended it
   * itself: one DEBUG line under its request id that says so, none at INFO.
   */
  @Test
  void recommend_callerCancelsWhileWaitingForTheFeatureService_isLoggedAtDebugOnly() throws Exception {
    harness = new GatewayHarness().start();
    harness.feature.historyHangs = true;
    try (LogCapture logged = LogCapture.of(DependencyFailures.class, Level.DEBUG)) {
      Context.CancellableContext call = Context.current().withCancellation();
      Thread caller = new Thread(() -> {
        while (harness.feature.historyRequests.isEmpty()) {
          Thread.onSpinWait();
        }
        call.cancel(null);
      });
      caller.start();
      StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () -> call.call(() -> harness
          .client("cancel-call-1").withDeadlineAfter(20, TimeUnit.SECONDS)
          .recommend(RecommendRequest.newBuilder().setUserId(KNOWN_USER).setLimit(3).build())));
      assertEquals(Status.Code.CANCELLED, error.getStatus().getCode());

      ILoggingEvent line = logged.awaitOnlyLineOf("cancel-call-1");
      assertEquals("answered CANCELLED: the caller cancelled the call while waiting for the feature service",
          line.getFormattedMessage());
      assertEquals(Level.DEBUG, line.getLevel());
      assertEquals(List.of(), logged.lines().stream().filter(each -> each.getLevel().isGreaterOrEqual(Level.INFO))
          .toList());
    }
  }

  /**
   * The start's warm-up Recommend, failed by a stopped feature service, is said once, by the
   * warm-up's WARN: no INFO line of a call of no caller, under no request id, says it again.
   */
  @Test
  void start_featureServiceStopped_theWarmUpsFailureIsLoggedOnce() throws IOException {
    String stopped = "localhost:" + GatewayHarness.closedPort();
    try (LogCapture dependency = LogCapture.of(DependencyFailures.class, Level.INFO);
        LogCapture warmUp = LogCapture.of(GatewayWarmup.class, Level.INFO);
        RunningGateway gateway = GatewayMain.start(ConfigSource.of(Map.of(
            GatewayConfig.PORT_KEY, "0",
            GatewayConfig.FEATURE_TARGET_KEY, stopped,
            GatewayConfig.MODEL_TARGET_KEY, stopped,
            GatewayConfig.EXPLAIN_TARGET_KEY, stopped,
            ViewerConfig.PORT_KEY, "0",
            ServerSettings.METRICS_PORT_KEY, "0")))) {
      assertEquals(List.of(), dependency.lines());
      assertEquals(1, warmUp.lines().size(), warmUp.lines().toString());
      assertTrue(warmUp.lines().get(0).getFormattedMessage().startsWith("warm-up Recommend failed (UNAVAILABLE"),
          warmUp.lines().get(0).getFormattedMessage());
    }
  }

  @Test
  void explainItem_featureServiceStopped_logsOneInfoLineUnderItsRequestId() throws IOException {
    startWithStopped(GatewayConfig.FEATURE_TARGET_KEY);
    try (LogCapture logged = LogCapture.of(DependencyFailures.class, Level.DEBUG)) {
      String id = failedCallId(() -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS)
          .explainItem(UserExplainItemRequest.newBuilder().setUserId(KNOWN_USER).setItemId("c5").build()));

      assertOneLine(logged, id, Level.INFO, "answered UNAVAILABLE: the feature service call ended UNAVAILABLE");
    }
  }

  @Test
  void whyNot_explainServiceStopped_logsOneInfoLineUnderItsRequestId() throws IOException {
    startWithStopped(GatewayConfig.EXPLAIN_TARGET_KEY);
    try (LogCapture logged = LogCapture.of(DependencyFailures.class, Level.DEBUG)) {
      String id = failedCallId(() -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS)
          .whyNot(UserWhyNotRequest.newBuilder().setUserId(KNOWN_USER).setItemId("c5").build()));

      assertOneLine(logged, id, Level.INFO, "answered UNAVAILABLE: the explain service call ended UNAVAILABLE");
    }
  }

  /** Starts the gateway with the service that {@code targetKey} names stopped. */
  private void startWithStopped(String targetKey) throws IOException {
    harness = new GatewayHarness().with(targetKey, "localhost:" + GatewayHarness.closedPort()).start();
  }

  /** The request id of {@code call}'s failure, as its trailers carry it; the call must fail UNAVAILABLE. */
  private static String failedCallId(Supplier<?> call) {
    StatusRuntimeException error = assertThrows(StatusRuntimeException.class, call::get);
    assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode(), error.getStatus().toString());
    return error.getTrailers().get(RequestIds.HEADER);
  }

  /**
   * The call's one line, at {@code level} and without a stack trace. It is logged before the
   * failure is answered, so it is there once the caller has the answer.
   */
  private static void assertOneLine(LogCapture logged, String callId, Level level, String expected) {
    List<ILoggingEvent> lines = logged.linesOf(callId);
    assertEquals(1, lines.size(), "lines of call " + callId + ": " + logged.lines());
    assertEquals(level, lines.get(0).getLevel(), "line of call " + callId);
    assertEquals(expected, lines.get(0).getFormattedMessage());
    assertNull(lines.get(0).getThrowableProxy());
  }
}
