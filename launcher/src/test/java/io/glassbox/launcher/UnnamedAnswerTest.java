package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An UNAVAILABLE from something at the target that is not a server of the suite (an ingress or a
 * proxy in front of it): it answered, so it is said as an answer, not as a connection closed
 * under the call, which is what the command printed for it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnnamedAnswerTest {
  /** An HTTP/2 server answering every request 503 with an HTML page, as an ingress with no healthy upstream does. */
  @Test
  void recommendAndHealth_ingressAnswering503_sayWhatAnsweredOnOneLine() throws Exception {
    try (ServerSocket ingress = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread answering = new Thread(() -> answer503(ingress));
      answering.setDaemon(true);
      answering.start();
      String target = "localhost:" + ingress.getLocalPort();
      CliRun recommend = CliRun.of("recommend", "--user", "12348", "--target", target);
      CliRun health = CliRun.of("health", "--target", target);

      for (CliRun run : java.util.List.of(recommend, health)) {
        String command = run == recommend ? "glassbox" : "glassbox health";
        assertEquals(1, run.exit(), run.err());
        // gRPC's words were on two lines: "HTTP status code 503\ninvalid content-type: text/html".
        // It said "UNAVAILABLE: T answered UNAVAILABLE but …", and the hint what answered at T again.
        assertEquals(command + ": UNAVAILABLE: " + target + " is not a server of the suite (a proxy in front of it?);"
            + " it answered: HTTP status code 503; invalid content-type: text/html\n"
            + command + ": if a proxy stands in front of the suite, look in its log; or name a server of the suite with"
            + " --target to call it directly.\n", run.err());
        assertEquals(1, CliRun.timesSaid(run.err(), "UNAVAILABLE"), run.err());
        assertEquals(1, CliRun.timesSaid(run.err(), target), run.err());
        assertEquals(0, CliRun.timesSaid(run.err(), "closed under"), run.err());
      }
    }
  }

  /** A gRPC server that is not one of the suite's (it names itself in no trailer) answering UNAVAILABLE. */
  @Test
  void recommend_grpcServerOutsideTheSuiteAnsweringUnavailable_saysItAnswered() throws Exception {
    Server server = SuiteAnswer.serve(new GatewayGrpc.GatewayImplBase() {
      @Override
      public void recommend(RecommendRequest request, StreamObserver<RecommendResponse> reply) {
        reply.onError(Status.UNAVAILABLE.withDescription("no healthy upstream").asRuntimeException());
      }
    });
    try {
      String target = "localhost:" + server.getPort();
      CliRun run = CliRun.of("recommend", "--user", "12348", "--target", target);

      assertEquals(1, run.exit(), run.err());
      assertTrue(run.err().startsWith("glassbox: UNAVAILABLE: " + target + " is not a server of the suite (a proxy in"
          + " front of it?); it answered: no healthy upstream\n"), run.err());
      assertEquals(1, CliRun.timesSaid(run.err(), "UNAVAILABLE"), run.err());
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * Each connection to {@code ingress}, read as HTTP/2 frames: its settings acknowledged, and each
   * request's HEADERS answered by a HEADERS frame ending the stream with ":status: 503" and
   * "content-type: text/html" (HPACK literals naming the static table's entries 8 and 31).
   */
  private static void answer503(ServerSocket ingress) {
    while (!ingress.isClosed()) {
      try (Socket connection = ingress.accept()) {
        DataInputStream in = new DataInputStream(connection.getInputStream());
        OutputStream out = connection.getOutputStream();
        in.readFully(new byte[24]);   // the client's preface
        out.write(frame(4, 0, 0, new byte[0]));   // our SETTINGS, empty
        out.flush();
        byte[] status = "503".getBytes(StandardCharsets.US_ASCII);
        byte[] type = "text/html".getBytes(StandardCharsets.US_ASCII);
        byte[] block = new byte[2 + status.length + 3 + type.length];
        block[0] = 0x08;
        block[1] = (byte) status.length;
        System.arraycopy(status, 0, block, 2, status.length);
        block[5] = 0x0f;
        block[6] = 0x10;
        block[7] = (byte) type.length;
        System.arraycopy(type, 0, block, 8, type.length);
        while (true) {
          int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
          int frameType = in.readUnsignedByte();
          int flags = in.readUnsignedByte();
          int stream = in.readInt() & 0x7fffffff;
          in.readFully(new byte[length]);
          if (frameType == 4 && (flags & 1) == 0) {
            out.write(frame(4, 1, 0, new byte[0]));   // SETTINGS ACK
          } else if (frameType == 1) {
            out.write(frame(1, 0x5, stream, block));   // HEADERS, END_STREAM | END_HEADERS
          }
          out.flush();
        }
      } catch (IOException closed) {
        // the client hung up, or the test closed the socket: take the next connection, if any
      }
    }
  }

  private static byte[] frame(int type, int flags, int stream, byte[] payload) {
    byte[] frame = new byte[9 + payload.length];
    frame[0] = (byte) (payload.length >>> 16);
    frame[1] = (byte) (payload.length >>> 8);
    frame[2] = (byte) payload.length;
    frame[3] = (byte) type;
    frame[4] = (byte) flags;
    frame[5] = (byte) (stream >>> 24);
    frame[6] = (byte) (stream >>> 16);
    frame[7] = (byte) (stream >>> 8);
    frame[8] = (byte) stream;
    System.arraycopy(payload, 0, frame, 9, payload.length);
    return frame;
  }
}
