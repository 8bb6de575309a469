package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What a failure to listen is put down to, from real binds: decided by the address and the port,
 * not by the system's words, which a locale other than English translates (LANG=zh_CN.UTF-8).
 */
class CannotListenExceptionTest {
  /** An address of TEST-NET-3 (RFC 5737), which no host running these tests has. */
  private static final String NOT_THIS_HOST = "203.0.113.1";
  /** The words glibc's zh_CN locale has for EADDRINUSE and EADDRNOTAVAIL. */
  private static final String IN_USE_TRANSLATED = "地址已在使用";
  private static final String NOT_ASSIGNABLE_TRANSLATED = "无法指定被请求的地址";

  @Test
  void of_aPortHeldByAnotherSocket_isInUse_whateverTheSystemsWords() throws IOException {
    try (ServerSocket held = heldPort()) {
      BindException real = assertThrows(BindException.class, () -> bindAgain(held.getLocalPort()));

      for (BindException failure : new BindException[] {real, new BindException(IN_USE_TRANSLATED)}) {
        BindException said = CannotListenException.of(failure, "127.0.0.1", "GLASSBOX_BIND_ADDRESS",
            held.getLocalPort(), Optional.of("ECHO_PORT"));

        assertInstanceOf(PortInUseException.class, said, said.getMessage());
        assertEquals("port " + held.getLocalPort() + " (ECHO_PORT) on 127.0.0.1 is held by another process",
            said.getMessage());
      }
    }
  }

  @Test
  void of_anAddressNotOfThisHost_blamesTheAddressInTheSystemsWords_whateverThoseAre() {
    BindException real = assertThrows(BindException.class, () -> {
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress(NOT_THIS_HOST, 53151));
      }
    });

    for (BindException failure : new BindException[] {real, new BindException(NOT_ASSIGNABLE_TRANSLATED)}) {
      BindException said = CannotListenException.of(failure, NOT_THIS_HOST, "GLASSBOX_BIND_ADDRESS", 53151,
          Optional.of("ECHO_PORT"));

      assertInstanceOf(CannotListenException.class, said, said.getMessage());
      assertEquals("cannot listen on " + NOT_THIS_HOST + " (GLASSBOX_BIND_ADDRESS), port 53151 (ECHO_PORT): "
          + failure.getMessage(), said.getMessage());
    }
  }

  private static void bindAgain(int port) throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", port));
    }
  }

  /** A loopback port held open by a real socket, from the block these tests may use. */
  private static ServerSocket heldPort() throws IOException {
    for (int port = 53152; port <= 53160; port++) {
      try {
        ServerSocket socket = new ServerSocket();
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        return socket;
      } catch (BindException taken) {
        // the next one
      }
    }
    throw new IOException("no free port in 53152-53160");
  }
}
