package io.glassbox.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A slowloris: {@code count} connections to a port, each of which sends one byte of a request and
 * stalls, and is opened again at once when the server closes it. One thread drives them all.
 */
final class StallingClients implements AutoCloseable {
  private final InetSocketAddress target;
  private final int count;
  private final Selector selector;
  private final Thread thread;
  private final AtomicInteger opened = new AtomicInteger();
  private volatile boolean stopped;

  private StallingClients(InetSocketAddress target, int count) throws IOException {
    this.target = target;
    this.count = count;
    selector = Selector.open();
    thread = new Thread(this::run, "stalling-clients");
    thread.setDaemon(true);
  }

  /** Opens {@code count} stalled connections to {@code target} and keeps them open until closed. */
  static StallingClients start(InetSocketAddress target, int count) throws IOException {
    StallingClients clients = new StallingClients(target, count);
    clients.thread.start();
    return clients;
  }

  /** The connections opened so far, reopened ones included. */
  int opened() {
    return opened.get();
  }

  private void run() {
    try {
      ByteBuffer sink = ByteBuffer.allocate(4096);
      while (!stopped) {
        for (int open = selector.keys().size(); open < count && open(); open++) {
          // Opened one more.
        }
        selector.select(100);
        for (SelectionKey key : selector.selectedKeys()) {
          SocketChannel channel = (SocketChannel) key.channel();
          int read;
          try {
            read = channel.read(sink.clear());
          } catch (IOException reset) {
            read = -1;
          }
          if (read < 0) {
            key.cancel();
            channel.close();
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException e) {
      if (!stopped) {
        throw new IllegalStateException(e);
      }
    } finally {
      for (SelectionKey key : selector.keys()) {
        closeQuietly(key.channel());
      }
      closeQuietly(selector);
    }
  }

  /** Opens one more stalled connection; false when the server refused it (tried again next round). */
  private boolean open() throws IOException {
    SocketChannel channel = SocketChannel.open();
    try {
      channel.connect(target);
      channel.write(ByteBuffer.wrap(new byte[] {'G'}));
    } catch (IOException refused) {
      channel.close();
      return false;
    }
    opened.incrementAndGet();
    channel.configureBlocking(false);
    channel.register(selector, SelectionKey.OP_READ);
    return true;
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    selector.wakeup();
    thread.join();
  }

  private static void closeQuietly(AutoCloseable resource) {
    try {
      resource.close();
    } catch (Exception ignored) {
      // Closing a test's own client sockets.
    }
  }
}
