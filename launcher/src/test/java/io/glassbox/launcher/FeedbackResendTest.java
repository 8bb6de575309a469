package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.IngestEventsResponse;
import io.glassbox.api.v1.SubmitFeedbackRequest;
import io.glassbox.api.v1.SubmitFeedbackResponse;
import io.glassbox.gateway.GatewayConfig;
import io.glassbox.gateway.GatewayMain;
import io.glassbox.gateway.RunningGateway;
import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.Descriptions;
import io.glassbox.server.ServerSettings;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * feedback, when the gateway says the event may have been stored, or its own deadline ran out with
 * the event sent, prints the request id it sent and how to resend under it, so a resend is
 * recorded once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FeedbackResendTest {
  private Server gateway;
  private Server featureService;

  @AfterEach
  void stop() throws InterruptedException {
    for (Server server : new Server[] {gateway, featureService}) {
      if (server != null) {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void feedback_mayHaveBeenStored_printsTheRequestIdAndHowToResendUnderIt() throws IOException {
    gateway = SuiteAnswer.serve(new GatewayGrpc.GatewayImplBase() {
          @Override
          public void submitFeedback(SubmitFeedbackRequest request, StreamObserver<SubmitFeedbackResponse> replies) {
            replies.onError(Status.UNAVAILABLE.withDescription("the feature service did not confirm the event was "
                + "stored; " + Descriptions.mayHaveBeenStoredUnder(request.getRequestId())).asRuntimeException());
          }
        });

    CliRun feedback = CliRun.of("feedback", "--user", "12348", "--item", "22138", "--request-id", "r1",
        "--target", "localhost:" + gateway.getPort());

    assertEquals(1, feedback.exit(), feedback.err());
    assertTrue(feedback.err().contains("it may have been stored under request_id \"r1\""), feedback.err());
    assertTrue(feedback.err().contains("resend it with --request-id r1"), feedback.err());
  }

  /**
   * The real gateway, in front of a feature service whose store did not confirm the write: the
   * hint between the gateway's answer and the resend line named the gateway's trace id as "this
   * call's request id" and said it "could not serve this call", as if nothing was stored. A key
   * that is a request id a server takes is sent as the x-request-id too, and the hint says so.
   */
  @Test
  void feedback_mayHaveBeenStoredThroughTheGateway_tellsTheTraceIdFromTheRequestIdToResendWith() throws IOException {
    featureService = SuiteAnswer.serve(new FeatureServiceGrpc.FeatureServiceImplBase() {
      @Override
      public void ingestEvents(IngestEventsRequest request, StreamObserver<IngestEventsResponse> replies) {
        replies.onError(Status.UNAVAILABLE.withDescription("the store did not confirm the write; "
            + Descriptions.MAY_HAVE_BEEN_STORED).asRuntimeException());
      }
    });
    try (RunningGateway realGateway = gatewayInFrontOf(featureService)) {
      CliRun feedback = CliRun.of("feedback", "--user", "12348", "--item", "22138", "--request-id", "r2",
          "--target", "localhost:" + realGateway.port());

      assertEquals(1, feedback.exit(), feedback.err());
      List<String> lines = commandLines(feedback).lines().toList();
      assertEquals(3, lines.size(), feedback.err());
      assertTrue(lines.get(0).startsWith("glassbox: UNAVAILABLE: ") && lines.get(0).contains("request_id \"r2\""),
          feedback.err());
      // The key r2 is a request id a server takes, so it was sent as the x-request-id too: one id for both.
      assertEquals("glassbox: the suite's logs list this call under trace id r2"
          + " (x-request-id; at INFO the gateway logs the first call a minute that failed each way, every one at"
          + " DEBUG (restart the gateway with GLASSBOX_LOG_LEVEL=DEBUG)), the request id to resend it with too.",
          lines.get(1), feedback.err());
      assertTrue(lines.get(2).startsWith("glassbox: it was sent with request id r2; resend it with --request-id r2"),
          feedback.err());
    }
  }

  /**
   * The real gateway, in front of a feature service that takes the event and never answers: the
   * command's --timeout-ms runs out first, and the event may have been stored all the same. Before,
   * the command printed only that there was no answer, so running it again stored it twice.
   */
  @Test
  void feedback_ownDeadlineRunsOutWhileTheFeatureServiceHolds_printsTheRequestIdAndHowToResendUnderIt()
      throws IOException {
    List<IngestEventsRequest> held = new CopyOnWriteArrayList<>();
    featureService = SuiteAnswer.serve(new FeatureServiceGrpc.FeatureServiceImplBase() {
      @Override
      public void ingestEvents(IngestEventsRequest request, StreamObserver<IngestEventsResponse> replies) {
        held.add(request);   // never answered
      }
    });
    try (RunningGateway realGateway = gatewayInFrontOf(featureService)) {
      String target = "localhost:" + realGateway.port();

      CliRun feedback = CliRun.of("feedback", "--user", "12348", "--item", "22138", "--timeout-ms", "1500",
          "--target", target);

      assertEquals(1, feedback.exit(), feedback.err());
      assertEquals(1, held.size(), feedback.err());
      Matcher resend = Pattern.compile("glassbox: DEADLINE_EXCEEDED: no answer from " + Pattern.quote(target)
          + " within --timeout-ms 1500: the server is busy or slow; a larger --timeout-ms may do\\.\n"
          + "glassbox: it may have been stored: it was sent with request id ([0-9a-f-]{36}); resend it with"
          + " --request-id \\1 \\(and the same --user, --item, --type and --order\\) and it is recorded once\\.\n")
          .matcher(commandLines(feedback));
      assertTrue(resend.matches(), feedback.err());
    }
  }

  /**
   * A gateway stopped (shutdownNow) while it holds the call: the event went out and the connection
   * was then lost (CANCELLED or UNAVAILABLE, with no server of the suite answering), so it may have
   * been stored. Before, the command printed only the status, and not the request id it had made,
   * so running it again stored the event twice.
   */
  @Test
  void feedback_gatewayStoppedWhileHoldingTheCall_printsTheRequestIdAndHowToResendUnderIt() throws IOException {
    CountDownLatch received = new CountDownLatch(1);
    gateway = SuiteAnswer.serve(new GatewayGrpc.GatewayImplBase() {
          @Override
          public void submitFeedback(SubmitFeedbackRequest request, StreamObserver<SubmitFeedbackResponse> replies) {
            received.countDown();   // never answered: the gateway is stopped under the call
          }
        });
    Thread stopper = new Thread(() -> {
      try {
        if (received.await(30, TimeUnit.SECONDS)) {
          gateway.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    stopper.start();

    CliRun feedback = CliRun.of("feedback", "--user", "12348", "--item", "22138", "--timeout-ms", "20000",
        "--target", "localhost:" + gateway.getPort());

    assertEquals(1, feedback.exit(), feedback.err());
    assertEquals(0, received.getCount(), feedback.err());
    Matcher resend = Pattern.compile("(?s)glassbox: (CANCELLED|UNAVAILABLE): .*\n"
        + "glassbox: it may have been stored: it was sent with request id ([0-9a-f-]{36}); resend it with"
        + " --request-id \\2 \\(and the same --user, --item, --type and --order\\) and it is recorded once\\.\n")
        .matcher(feedback.err());
    assertTrue(resend.matches(), feedback.err());
  }

  /**
   * Nothing listens at the target: the call fails before the event goes out (connection refused),
   * so nothing was stored and a plain rerun is safe. The resend line would say otherwise.
   */
  @Test
  void feedback_nothingListening_saysNothingAnsweredWithoutTheResendLine() throws IOException {
    String target = "localhost:" + SuiteAnswer.closedPort();

    CliRun feedback = CliRun.of("feedback", "--user", "12348", "--item", "22138", "--request-id", "r3",
        "--target", target);

    assertEquals(1, feedback.exit(), feedback.err());
    assertTrue(Pattern.matches("glassbox: UNAVAILABLE: .*\n"
        + "glassbox: start the suite with `bin/glassbox up` .*\n", feedback.err()),
        feedback.err());
  }

  /**
   * What the command printed to standard error: the gateway runs in this JVM, and its log too goes
   * there, whenever it logs the call (as the command ends, too).
   */
  private static String commandLines(CliRun run) {
    return run.err().lines().filter(line -> line.startsWith("glassbox: ")).map(line -> line + "\n")
        .collect(Collectors.joining());
  }

  /** The real gateway, on free ports, calling {@code featureService}. */
  private static RunningGateway gatewayInFrontOf(Server featureService) {
    return GatewayMain.start(ConfigSource.of(Map.of(
        GatewayConfig.PORT_KEY, "0",
        GatewayConfig.FEATURE_TARGET_KEY, "localhost:" + featureService.getPort(),
        ViewerConfig.PORT_KEY, "0",
        ServerSettings.METRICS_PORT_KEY, "0")));
  }
}
