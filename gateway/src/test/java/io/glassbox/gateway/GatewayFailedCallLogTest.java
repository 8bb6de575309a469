package io.glassbox.gateway;

import static io.glassbox.gateway.TestCatalogue.KNOWN_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.glassbox.server.LogCapture;
import io.glassbox.server.RequestIds;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A call the gateway answers with a failure because a service it calls failed leaves one line
 * under the call's request id, the id its trailers carry and bin/glassbox prints with "the
 * suite's logs say why": the dependencies here are stopped (a loopback port nothing listens on).
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

  @Test
  void recommend_featureServiceStopped_logsOneInfoLinePerCallUnderItsRequestId() throws IOException {
    startWithStopped(GatewayConfig.FEATURE_TARGET_KEY);
    try (LogCapture logged = LogCapture.of(DependencyFailures.class, Level.DEBUG)) {
      String first = failedCallId(() -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS)
          .recommend(RecommendRequest.newBuilder().setUserId(KNOWN_USER).setLimit(3).build()));
      String second = failedCallId(() -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS)
          .recommend(RecommendRequest.newBuilder().setUserId(KNOWN_USER).setLimit(3).build()));

      assertNotEquals(first, second);
      assertOneLine(logged, first, "answered UNAVAILABLE: the feature service call ended UNAVAILABLE");
      assertOneLine(logged, second, "answered UNAVAILABLE: the feature service call ended UNAVAILABLE");
      assertEquals(2, logged.lines().size(), logged.lines().toString());
    }
  }

  @Test
  void explainItem_featureServiceStopped_logsOneInfoLineUnderItsRequestId() throws IOException {
    startWithStopped(GatewayConfig.FEATURE_TARGET_KEY);
    try (LogCapture logged = LogCapture.of(DependencyFailures.class, Level.DEBUG)) {
      String id = failedCallId(() -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS)
          .explainItem(UserExplainItemRequest.newBuilder().setUserId(KNOWN_USER).setItemId("c5").build()));

      assertOneLine(logged, id, "answered UNAVAILABLE: the feature service call ended UNAVAILABLE");
    }
  }

  @Test
  void whyNot_explainServiceStopped_logsOneInfoLineUnderItsRequestId() throws IOException {
    startWithStopped(GatewayConfig.EXPLAIN_TARGET_KEY);
    try (LogCapture logged = LogCapture.of(DependencyFailures.class, Level.DEBUG)) {
      String id = failedCallId(() -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS)
          .whyNot(UserWhyNotRequest.newBuilder().setUserId(KNOWN_USER).setItemId("c5").build()));

      assertOneLine(logged, id, "answered UNAVAILABLE: the explain service call ended UNAVAILABLE");
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
   * The call's one line, at INFO and without a stack trace. It is logged before the failure is
   * answered, so it is there once the caller has the answer.
   */
  private static void assertOneLine(LogCapture logged, String callId, String expected) {
    List<ILoggingEvent> lines = logged.linesOf(callId);
    assertEquals(1, lines.size(), "lines of call " + callId + ": " + logged.lines());
    assertEquals(Level.INFO, lines.get(0).getLevel());
    assertEquals(expected, lines.get(0).getFormattedMessage());
    assertNull(lines.get(0).getThrowableProxy());
  }
}
