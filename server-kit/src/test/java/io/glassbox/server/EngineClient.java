package io.glassbox.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;

/**
 * A TLS client of its own engine over a blocking socket, for what an {@code SSLSocket} hides: it
 * takes a connection's end without a close_notify for one ({@code com.sun.net.ssl.requireCloseNotify}
 * is off by default), so only an engine tells whether the server sent it.
 */
final class EngineClient {
  private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

  private EngineClient() {}

  /** Does {@code engine}'s handshake over {@code socket}; returns what it read past it, unwrapped next. */
  static ByteBuffer handshake(SSLEngine engine, Socket socket) throws IOException {
    ByteBuffer fromServer = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.beginHandshake();
    finishHandshake(engine, socket, fromServer);
    return fromServer;
  }

  /**
   * Takes {@code engine}'s handshake, begun, to its end over {@code socket}; {@code fromServer}
   * holds what was read before and, after, what was read past the handshake.
   */
  static void finishHandshake(SSLEngine engine, Socket socket, ByteBuffer fromServer) throws IOException {
    ByteBuffer plain = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
    for (HandshakeStatus status = engine.getHandshakeStatus();
        status != HandshakeStatus.FINISHED && status != HandshakeStatus.NOT_HANDSHAKING;
        status = engine.getHandshakeStatus()) {
      switch (status) {
        case NEED_WRAP -> send(engine, socket, NOTHING);
        case NEED_TASK -> engine.getDelegatedTask().run();
        default -> {
          SSLEngineResult result = engine.unwrap(fromServer.flip(), plain);
          fromServer.compact();
          if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
            readMore(socket, fromServer);
          }
        }
      }
    }
  }

  /**
   * Sends {@code request} and, behind it in the same write, the hello of a renegotiation (TLS 1.2):
   * the server reads both at once. The renegotiation is then to be finished with {@link #finishHandshake}.
   */
  static void sendWithRenegotiation(SSLEngine engine, Socket socket, String request) throws IOException {
    ByteBuffer out = ByteBuffer.allocate(2 * engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.wrap(request.getBytes(ISO_8859_1)), out);
    engine.beginHandshake();
    engine.wrap(NOTHING, out);
    socket.getOutputStream().write(out.array(), 0, out.position());
    socket.getOutputStream().flush();
  }

  /** Sends {@code request}, wrapped. */
  static void send(SSLEngine engine, Socket socket, String request) throws IOException {
    send(engine, socket, ByteBuffer.wrap(request.getBytes(ISO_8859_1)));
  }

  /**
   * Reads and unwraps until the server's close_notify (then {@code engine.isInboundDone()}) or the
   * socket's end; what it read as text. {@code fromServer} holds what the handshake read past it.
   */
  static String readToEnd(SSLEngine engine, Socket socket, ByteBuffer fromServer) throws IOException {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    ByteBuffer plain = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
    try {
      while (!engine.isInboundDone()) {
        SSLEngineResult result = engine.unwrap(fromServer.flip(), plain.clear());
        fromServer.compact();
        text.write(plain.array(), 0, plain.position());
        if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
          readMore(socket, fromServer);
        }
      }
    } catch (EOFException end) {
      // The socket ended without a close_notify: the caller sees the engine's inbound still open.
    }
    return text.toString(ISO_8859_1);
  }

  private static void send(SSLEngine engine, Socket socket, ByteBuffer plaintext) throws IOException {
    do {
      ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
      engine.wrap(plaintext, out);
      socket.getOutputStream().write(out.array(), 0, out.position());
    } while (plaintext.hasRemaining());
    socket.getOutputStream().flush();
  }

  private static void readMore(Socket socket, ByteBuffer into) throws IOException {
    int read = socket.getInputStream().read(into.array(), into.arrayOffset() + into.position(), into.remaining());
    if (read < 0) {
      throw new EOFException("the server closed the connection");
    }
    into.position(into.position() + read);
  }
}
