package io.glassbox.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A dependency that is down, observably: its port accepts TCP connections and closes them at
 * once, counting them, so a test sees every reconnection attempt a client makes.
 */
public final class RefusingPort implements AutoCloseable {
  private final ServerSocket socket;
  private final AtomicInteger attempts = new AtomicInteger();
  private final Thread acceptor;

  public RefusingPort(int port) throws IOException {
    socket = new ServerSocket();
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress("127.0.0.1", port));
    acceptor = new Thread(() -> {
      while (!socket.isClosed()) {
        try (Socket connection = socket.accept()) {
          attempts.incrementAndGet();
        } catch (IOException closed) {
          return;
        }
      }
    }, "refusing-port");
    acceptor.start();
  }

  /** Connections accepted (and dropped) so far. */
  public int attempts() {
    return attempts.get();
  }

  @Override
  public void close() throws IOException, InterruptedException {
    socket.close();
    acceptor.join();
  }
}
