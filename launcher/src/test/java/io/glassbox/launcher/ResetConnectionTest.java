package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.server.ConfigSource;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Something at the target took the connection, then reset it: the status line says so, and the
 * hint said "start the suite with `bin/glassbox up`", as if nothing had answered. Whether a
 * command's call reads the reset, or a close without a word first, is a race, so the reset is
 * given as gRPC gives it (in the JDK's words and in those of Netty's native transport), at a real
 * server that resets each connection, which the command asks how it speaks.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResetConnectionTest {
  @Test
  void tell_aConnectionReset_saysSomethingListensThere() throws Exception {
    try (ServerSocket resetting = resettingServer()) {
      String target = "localhost:" + resetting.getLocalPort();
      for (IOException reset : List.of(new SocketException("Connection reset"),
          new IOException("recvAddress(..) failed: Connection reset by peer"))) {
        StatusRuntimeException failure = Status.UNAVAILABLE.withDescription("io exception").withCause(reset)
            .asRuntimeException();

        CallHints.Told told = CallHints.tell(failure, target, ConfigSource.of(Map.of()),
            Deadline.after(30, TimeUnit.SECONDS));

        assertEquals(Optional.of("the connection to " + target + " failed (connection reset)"), told.whatFailed(),
            reset.toString());
        assertEquals(Optional.of("something listens at " + target + ": if it is a server of the suite, look in its"
            + " log; if not, name one with --target: " + HttpPortTargetTest.UP_GRPC_SERVERS), told.hint(),
            reset.toString());
      }
    }
  }

  /**
   * A loopback server on a free port that reads what each client sends first, then resets the
   * connection (a close with a zero linger time sends RST), until closed.
   */
  private static ServerSocket resettingServer() throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    CompletableFuture.runAsync(() -> {
      while (!server.isClosed()) {
        try (Socket connection = server.accept()) {
          connection.getInputStream().read(new byte[24]);
          connection.setSoLinger(true, 0);
        } catch (IOException closed) {
          // the client hung up first, or the test closed the server
        }
      }
    });
    return server;
  }
}
