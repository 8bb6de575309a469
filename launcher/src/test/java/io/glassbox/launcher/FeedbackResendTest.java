package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.SubmitFeedbackRequest;
import io.glassbox.api.v1.SubmitFeedbackResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * feedback, when the gateway says the event may have been stored, prints the request id it sent
 * and how to resend under it, so a resend is recorded once.
 */
class FeedbackResendTest {
  private Server gateway;

  @AfterEach
  void stop() throws InterruptedException {
    if (gateway != null) {
      gateway.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void feedback_mayHaveBeenStored_printsTheRequestIdAndHowToResendUnderIt() throws IOException {
    gateway = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(new GatewayGrpc.GatewayImplBase() {
          @Override
          public void submitFeedback(SubmitFeedbackRequest request, StreamObserver<SubmitFeedbackResponse> replies) {
            replies.onError(Status.UNAVAILABLE.withDescription("the feature service did not confirm the event was "
                + "stored; it may have been stored under request_id \"" + request.getRequestId() + "\": resend it "
                + "with the same request_id, and it is counted once").asRuntimeException());
          }
        })
        .build().start();

    CliRun feedback = CliRun.of("feedback", "--user", "12348", "--item", "22138", "--request-id", "r1",
        "--target", "localhost:" + gateway.getPort());

    assertEquals(1, feedback.exit(), feedback.err());
    assertTrue(feedback.err().contains("it may have been stored under request_id \"r1\""), feedback.err());
    assertTrue(feedback.err().contains("resend it with --request-id r1"), feedback.err());
  }
}
