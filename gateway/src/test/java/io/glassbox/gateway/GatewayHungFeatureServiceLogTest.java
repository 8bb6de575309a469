package io.glassbox.gateway;

import static io.glassbox.gateway.TestCatalogue.KNOWN_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.glassbox.api.v1.FeedbackType;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.SubmitFeedbackRequest;
import io.glassbox.server.LogCapture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A hung feature service (its Redis stuck, its host dropping packets) under callers that set
 * deadlines, as bin/glassbox does: the feature service's call has the caller's deadline, so every
 * failed call ends with the caller's deadline passing. An operator must still see it at INFO, the
 * first call a minute, under its request id; the call's deadline ends it on gRPC's timer thread.
 * The feature service here accepts connections on a loopback port and never sends a byte.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayHungFeatureServiceLogTest {
  private GatewayHarness harness;
  private ServerSocket silent;
  private final List<Socket> held = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws IOException {
    if (harness != null) {
      harness.close();
    }
    for (Socket socket : held) {
      socket.close();
    }
    if (silent != null) {
      silent.close();
    }
  }

  @Test
  void recommend_callersDeadlinePassesWhileTheFeatureServiceHangs_isLoggedAtInfoUnderItsRequestId()
      throws Exception {
    harness = new GatewayHarness().with(GatewayConfig.FEATURE_TARGET_KEY, silentFeatureService()).start();
    try (LogCapture logged = LogCapture.of(DependencyFailures.class, Level.DEBUG)) {
      StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
          () -> harness.client("hung-call-1").withDeadlineAfter(300, TimeUnit.MILLISECONDS)
              .recommend(RecommendRequest.newBuilder().setUserId(KNOWN_USER).setLimit(3).build()));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, error.getStatus().getCode());

      ILoggingEvent line = logged.awaitOnlyLineOf("hung-call-1");
      assertEquals(Level.INFO, line.getLevel());
      assertEquals("answered DEADLINE_EXCEEDED: the caller's deadline passed while waiting for the feature service",
          line.getFormattedMessage());
    }
  }

  /** A feedback whose connection never completes stored nothing, but an operator must see it at INFO. */
  @Test
  void submitFeedback_callersDeadlinePassesWhileTheFeatureServiceHangs_isLoggedAtInfoUnderItsRequestId()
      throws Exception {
    harness = new GatewayHarness().with(GatewayConfig.FEATURE_TARGET_KEY, silentFeatureService()).start();
    try (LogCapture logged = LogCapture.of(FeedbackRecorder.class, Level.DEBUG)) {
      StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
          () -> harness.client("hung-call-2").withDeadlineAfter(300, TimeUnit.MILLISECONDS)
              .submitFeedback(SubmitFeedbackRequest.newBuilder().setUserId("u9").setItemId("c1")
                  .setType(FeedbackType.FEEDBACK_TYPE_PURCHASE).setRequestId("r1").build()));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, error.getStatus().getCode());

      ILoggingEvent line = logged.awaitOnlyLineOf("hung-call-2");
      assertEquals(Level.INFO, line.getLevel());
      assertTrue(line.getFormattedMessage().startsWith("SubmitFeedback failed with DEADLINE_EXCEEDED: nothing"
          + " was stored; the feature service call ended DEADLINE_EXCEEDED: "), line.getFormattedMessage());
    }
  }

  /**
   * A feature service that accepts connections and never sends a byte, on a port the system picks
   * (a fixed one, 52950, lies in Linux's ephemeral range and was once taken in CI).
   */
  private String silentFeatureService() throws IOException {
    silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(() -> {
      while (!silent.isClosed()) {
        try {
          held.add(silent.accept());
        } catch (IOException closed) {
          return;
        }
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
    return "127.0.0.1:" + silent.getLocalPort();
  }
}
