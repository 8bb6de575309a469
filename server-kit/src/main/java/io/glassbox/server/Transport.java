package io.glassbox.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * How a {@link HeadFirstHttpServer} connection's bytes cross its socket: as they are, or through
 * TLS ({@link TlsTransport}). Used by the selector thread only; never blocks.
 */
interface Transport {
  /**
   * Moves what the client sent, as plaintext, into {@code plaintext}, as much as is here and fits:
   * the count, 0 when nothing is here yet, -1 at the client's end.
   */
  int read(ByteBuffer plaintext) throws IOException;

  /**
   * Takes what it can of {@code plaintext} to send now (none when the socket is full); its position
   * moves past what it took, even when it then fails.
   */
  void write(ByteBuffer plaintext) throws IOException;

  /** Sends what it took and holds back for a full socket; true once nothing is held back. */
  boolean flush() throws IOException;

  /** Whether {@link #read} has something to say that the socket will not signal: bytes it holds, an end. */
  boolean holdsInput();

  /** Closes the socket (over TLS, with a close_notify first where the socket takes it at once). */
  void close();

  /**
   * Whether it computes elsewhere (a TLS handshake's tasks) and reads nothing meanwhile: the
   * connection waits, not reading, until the resume it was opened with is called.
   */
  boolean computing();

  /** Makes the transport of each connection a server accepts; closed with the server. */
  interface Factory extends AutoCloseable {
    /** The transport of {@code channel}; {@code resume}, from any thread, has the selector read it on. */
    Transport open(SocketChannel channel, Runnable resume);

    @Override
    default void close() {}
  }

  /** The socket's bytes as they are. */
  static Transport plain(SocketChannel channel) {
    return new Transport() {
      @Override
      public int read(ByteBuffer plaintext) throws IOException {
        return channel.read(plaintext);
      }

      @Override
      public void write(ByteBuffer plaintext) throws IOException {
        channel.write(plaintext);
      }

      @Override
      public boolean flush() {
        return true;
      }

      @Override
      public boolean holdsInput() {
        return false;
      }

      @Override
      public boolean computing() {
        return false;
      }

      @Override
      public void close() {
        try {
          channel.close();
        } catch (IOException e) {
          // Closing a socket that failed: nothing is left to do with it.
        }
      }
    };
  }
}
