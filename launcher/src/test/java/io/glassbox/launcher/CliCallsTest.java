package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.server.BearerKey;
import io.glassbox.server.ConfigSource;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Timeout;

/** What a person sees when a client command finds no suite to call, or {@code up} finds its port taken. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CliCallsTest {
  @Test
  void recommend_withNothingListening_exitsOneAndSaysHowToStartTheSuite() throws Exception {
    int port = SuiteAnswer.closedPort();
    CliRun run = CliRun.of("recommend", "--user", "12348", "--target", "localhost:" + port);

    String printed = run.err();
    assertEquals(1, run.exit(), printed);
    // gRPC's words were "io exception"; the cause says what failed, and the hint said it again under it
    // ("nothing answered at localhost:PORT. Is the suite up?").
    assertEquals("glassbox: UNAVAILABLE: could not connect to localhost:" + port + " (connection refused)\n"
        + "glassbox: start the suite with `bin/glassbox up` (ready once it prints \"Glassbox is up\"), or name another"
        + " server with --target (or move the command's default with GLASSBOX_GATEWAY_TARGET, GLASSBOX_EXPLAIN_TARGET,"
        + " GLASSBOX_FEATURE_ADMIN_TARGET or GLASSBOX_MODEL_ADMIN_TARGET).\n", printed);
    assertEquals(1, CliRun.timesSaid(printed, "localhost:" + port), printed);
  }

  /**
   * A server of the suite that answers UNAVAILABLE with its own words, as the feature service does
   * while its Redis is down, naming itself in its trailers as every server of the suite does: it
   * answered, so the hint is not that nothing did (it said "nothing answered at localhost:PORT. Is
   * the suite up?").
   */
  @Test
  void recommend_serverAnsweringUnavailable_keepsItsWordsAndSaysItIsUp() throws Exception {
    Server server = SuiteAnswer.serve(new GatewayGrpc.GatewayImplBase() {
      @Override
      public void recommend(RecommendRequest request, StreamObserver<RecommendResponse> reply) {
        reply.onError(Status.UNAVAILABLE.withDescription("the feature store is unavailable; retry shortly")
            .asRuntimeException(SuiteAnswer.trailers("feature service", "req-7")));
      }
    });
    try {
      String target = "localhost:" + server.getPort();
      CliRun run = CliRun.of("recommend", "--user", "12348", "--target", target);

      assertEquals(1, run.exit(), run.err());
      assertEquals("glassbox: UNAVAILABLE: the feature store is unavailable; retry shortly\n"
          + "glassbox: the feature service at " + target + " is up but could not serve this call; the suite's logs"
          + " say why (this call's request id: req-7).\n", run.err());
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * A connection closed under a call, before any server answered it: here a server's connection
   * reaches its maximum age (the suite's are 5 minutes, with 30 s of grace) while the call waits,
   * and gRPC fails the call UNAVAILABLE, with no cause and no server's name in its trailers. It read
   * as a server's answer ("the server at … is up but could not serve this call: its description
   * says why"), under gRPC's words for the GOAWAY.
   */
  @Test
  void recommendAndHealth_connectionClosedUnderTheCall_sayItOnceAndThatARetryMayWork() throws Exception {
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .maxConnectionAge(1, TimeUnit.SECONDS).maxConnectionAgeGrace(0, TimeUnit.SECONDS)
        .addService(new HealthGrpc.HealthImplBase() {
          @Override
          public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> reply) {}   // never answered
        })
        .addService(new GatewayGrpc.GatewayImplBase() {
          @Override
          public void recommend(RecommendRequest request, StreamObserver<RecommendResponse> reply) {}   // never answered
        })
        .build().start();
    try {
      String target = "localhost:" + server.getPort();
      CliRun recommend = CliRun.of("recommend", "--user", "12348", "--target", target);
      CliRun health = CliRun.of("health", "--target", target);

      // gRPC's words, in brackets, are its own: "Connection closed after GOAWAY. HTTP/2 error code: NO_ERROR, …".
      for (CliRun run : List.of(recommend, health)) {
        String command = run == recommend ? "glassbox" : "glassbox health";
        assertEquals(1, run.exit(), run.err());
        assertTrue(Pattern.matches(Pattern.quote(command + ": UNAVAILABLE: the connection to " + target + " was closed"
            + " under the call") + "( \\([^\\n]+\\))?\n" + Pattern.quote(command + ": a retry may work; if it keeps"
            + " failing, look in the log of the server at " + target + ".\n"), run.err()), run.err());
        assertEquals(1, CliRun.timesSaid(run.err(), "closed under"), run.err());
      }
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * A call the client itself refuses to send, with a cause (BearerKey's key that cannot be read),
   * keeps its own words: its status line said "the connection to localhost:PORT failed (…)",
   * as if a connection had been tried.
   */
  @Test
  void printFailure_keyThatCannotBeSent_keepsItsOwnWords() throws Exception {
    Server server = SuiteAnswer.serve(new HealthStatusManager().getHealthService());
    ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", server.getPort()).usePlaintext().build();
    try {
      String target = "localhost:" + server.getPort();
      StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> HealthGrpc.newBlockingStub(channel)
          .withCallCredentials(new BearerKey(() -> {
            throw new UncheckedIOException(new NoSuchFileException("/tmp/gone.key"));
          }))
          .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()));
      ByteArrayOutputStream printed = new ByteArrayOutputStream();

      CliCalls.printFailure(new PrintStream(printed, true, StandardCharsets.UTF_8), "glassbox", refused, target,
          "--timeout-ms 10000", Deadline.after(10, TimeUnit.SECONDS), ConfigSource.of(Map.of()));

      assertTrue(printed.toString(StandardCharsets.UTF_8).startsWith("glassbox: UNAUTHENTICATED: the API key cannot be"
          + " sent\nglassbox: the suite wants an API key"), printed.toString(StandardCharsets.UTF_8));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * The command's own failure to connect, said from its cause: gRPC's words were "io exception" for
   * each (Java's own transport's words, not only those of Netty's native one, which the other tests here meet).
   */
  @Test
  void whatFailed_saysTheCauseInPlainWords() {
    String target = "shop.example:50051";
    assertEquals(Optional.of("could not connect to " + target + " (connection refused)"), CallHints.whatFailed(
        Status.UNAVAILABLE.withDescription("io exception").withCause(new ConnectException(
            "Connection refused: shop.example/192.0.2.1:50051")), target));
    assertEquals(Optional.of("the connection to " + target + " failed (connection reset)"), CallHints.whatFailed(
        Status.UNAVAILABLE.withDescription("io exception").withCause(new SocketException("Connection reset")), target));
    // A cause without a message is said by its type: Netty's for a unix socket that is not there.
    assertEquals(Optional.of("the connection to unix:/tmp/x.sock failed (file not found)"), CallHints.whatFailed(
        Status.UNAVAILABLE.withDescription("io exception").withCause(new FileNotFoundException()), "unix:/tmp/x.sock"));
    // Netty's native transport says a reset in words of its own, after its system call.
    assertEquals(Optional.of("the connection to " + target + " failed (connection reset)"), CallHints.whatFailed(
        Status.UNAVAILABLE.withDescription("io exception").withCause(new IOException(
            "recvAddress(..) failed: Connection reset by peer")), target));
    // Closed without a cause: gRPC's words say no more than that, or what closed it.
    assertEquals(Optional.of("the connection to " + target + " was closed under the call"),
        CallHints.whatFailed(Status.UNAVAILABLE.withDescription("Network closed for unknown reason"), target));
    assertEquals(Optional.of("the connection to " + target + " was closed under the call (Keepalive failed. The"
        + " connection is likely gone)"), CallHints.whatFailed(Status.UNAVAILABLE.withDescription("Keepalive failed."
        + " The connection is likely gone"), target));
  }

  /** A TLS failure whose innermost cause has an empty message is said by its type: it printed "failed ()". */
  @Test
  void whatFailed_tlsCauseWithAnEmptyMessage_saysItsType() {
    assertEquals(Optional.of("the TLS handshake with shop.example:50051 failed (ssl handshake)"), CallHints.whatFailed(
        Status.UNAVAILABLE.withDescription("ssl exception").withCause(new SSLHandshakeException("")),
        "shop.example:50051"));
  }

  /** A wait is said as the user gave it: 150 ms was "0.2 s" (and 10 ms "0 s"); from a second on, to a tenth. */
  @Test
  void seconds_underASecond_inMilliseconds() {
    assertEquals("10 ms", CliCalls.seconds(Duration.ofMillis(10)));
    assertEquals("150 ms", CliCalls.seconds(Duration.ofMillis(150)));
    assertEquals("999 ms", CliCalls.seconds(Duration.ofMillis(999)));
    assertEquals("1 s", CliCalls.seconds(Duration.ofSeconds(1)));
    assertEquals("1.5 s", CliCalls.seconds(Duration.ofMillis(1_520)));
  }

  @Test
  void up_onATakenPort_exitsOneAndSaysWhatToDo() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String port = String.valueOf(taken.getLocalPort());
      CliRun run = CliRun.of("up", "--no-metrics", "--http-port", "0", "--feature-port", port,
          "--gateway-port", "0", "--model-port", "0", "--explain-port", "0", "--feature-admin-port", "0",
          "--model-admin-port", "0");

      String printed = run.err();
      assertEquals(1, run.exit(), printed);
      // Not GLASSBOX_FEATURE_PORT: up's --feature-port chose the port.
      assertTrue(printed.startsWith("glassbox: port " + port
          + " (--feature-port) on 127.0.0.1 is held by another process.\nNothing was started."), printed);
      assertTrue(printed.contains("bin/glassbox up --help` lists the port options"), printed);
    }
  }
}
