package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.glassbox.server.ConfigSource;
import io.grpc.Deadline;
import io.grpc.Status;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a command says of a connection gRPC closed under a call, and whether it asks the server how
 * it speaks first (TlsProbe, up to 2 s): only where the answer could change what is said.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClosedUnderTheCallTest {
  /** A keepalive that went unanswered says what closed the connection: asking the server held the command up to 2 s more. */
  @Test
  void tell_keepaliveFailed_asksTheServerNothing() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String target = "localhost:" + silent.getLocalPort();

      CallHints.Told told = CallHints.tell(Status.UNAVAILABLE.withDescription("Keepalive failed. The connection is likely"
          + " gone").asRuntimeException(), target, ConfigSource.of(Map.of()), Deadline.after(10, TimeUnit.SECONDS));

      assertEquals(Optional.of("the connection to " + target + " was closed under the call (Keepalive failed. The"
          + " connection is likely gone)"), told.whatFailed());
      assertEquals(Optional.of("a retry may work; if it keeps failing, look in the log of the server at " + target + "."),
          told.hint());
      // A probe would have connected before tell returned: its connection would wait here to be taken.
      silent.setSoTimeout(200);
      assertThrows(SocketTimeoutException.class, silent::accept);
    }
  }

  /**
   * A connection closed without a word is also how a TLS server hangs up on a plaintext client;
   * where asking the server could not say (here it accepts and says nothing), the hint keeps the
   * TLS files beside the retry, as it did before ce41d35.
   */
  @Test
  void tell_networkClosedAndTheServerCannotSay_hintKeepsTheTlsFiles() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String target = "localhost:" + silent.getLocalPort();

      CallHints.Told told = CallHints.tell(Status.UNAVAILABLE.withDescription("Network closed for unknown reason")
          .asRuntimeException(), target, ConfigSource.of(Map.of()), Deadline.after(300, TimeUnit.MILLISECONDS));

      assertEquals(Optional.of("the connection to " + target + " was closed under the call"), told.whatFailed());
      assertEquals(Optional.of("a retry may work; if it keeps failing, look in the log of the server at " + target + "."
          + " If the suite speaks TLS, set GLASSBOX_TLS_CA_FILE (and GLASSBOX_TLS_CERT_FILE and GLASSBOX_TLS_KEY_FILE"
          + " where the suite wants mutual TLS) to the files the suite uses."), told.hint());
    }
  }
}
