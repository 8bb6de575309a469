package io.glassbox.server;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's TLS, on a {@link HeadFirstHttpServer}'s selector thread, without blocking: the
 * handshake, the unwrapping of what the client sends and the wrapping of the answer are done as the
 * socket's bytes come and go, so a client that stalls mid-handshake holds a socket and a few bytes,
 * no thread, and is closed at the head limit as a stalled request is.
 *
 * <p>The engine's delegated tasks (the handshake's key exchange and signature, a client
 * certificate's check: CPU, no I/O) run on threads of their own, one per processor, while the
 * connection waits unread; then the selector reads it on. Not inline on the selector: it serves
 * every connection, and a JVM not yet warm, or a loaded machine, spent 50 to 250 ms on one
 * handshake's tasks, so 25 page loads at once waited seconds behind each other's handshakes, even
 * those on connections already open. Not on the server's workers either: they are kept for
 * complete requests, and a flood of client hellos would queue page loads behind handshakes or have
 * them answered 503. The queue of tasks holds only open connections' batches, one each at most: a
 * connection closed (at the head limit, or for a newer one past the connection bound) takes its
 * batch out of the queue, and a batch whose connection closed as it was taken runs none of its
 * tasks. Before, a batch ran for a connection long gone: 1,500 client hellos each closed at once
 * queued 1.5 s of handshakes ahead of a normal request's, 4,000 queued 3.2 s. The queue is also
 * bounded to the connection bound, a check: past it, the newest handshake is refused.
 *
 * <p>Memory: every connection works in one set of buffers of record size that the selector thread
 * shares; a connection keeps only what is left between two reads or writes: part of a record read,
 * plaintext read beyond what its request buffer takes, and ciphertext its socket has not taken (at
 * most one record, about 16 KiB, besides the plaintext answer counted in {@code heldBytes}).
 */
final class TlsTransport implements Transport {
  private static final Logger log = LoggerFactory.getLogger(TlsTransport.class);
  private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

  private final SocketChannel channel;
  private final SSLEngine engine;
  private final Buffers buffers;
  private final Connections connections;
  /** Has the selector read it on, once its tasks have run. */
  private final Runnable resume;
  /** Whether its handshake's tasks are running; the engine waits for them. */
  private volatile boolean computing;
  /** Its batch of tasks queued or running, or null; the selector thread's only. */
  private Runnable batch;
  /** Ciphertext read, not yet unwrapped (part of a record), or null. */
  private ByteBuffer netIn;
  /** Plaintext unwrapped, not yet given to {@link #read}, or null. */
  private ByteBuffer plainIn;
  /** Ciphertext wrapped, not yet taken by the socket, or null. */
  private ByteBuffer netOut;
  /** Whether the client sent its close_notify. */
  private boolean inboundDone;
  /** Whether its first handshake has finished: a handshake after it is a renegotiation. */
  private boolean established;

  private TlsTransport(SocketChannel channel, SSLEngine engine, Connections connections, Runnable resume) {
    this.channel = channel;
    this.engine = engine;
    this.buffers = connections.buffers;
    this.connections = connections;
    this.resume = resume;
  }

  /**
   * The TLS of one server's connections: an engine of {@code context} in server mode with {@code
   * parameters} (protocols, cipher suites, client certificates wanted or needed) for each.
   */
  static final class Connections implements Transport.Factory {
    private final SSLContext context;
    private final SSLParameters parameters;
    private final Buffers buffers = new Buffers();
    private final ThreadPoolExecutor tasks;
    /** Handshakes refused for a full queue of tasks: none while only open connections' batches are queued. */
    private final LongAdder refused = new LongAdder();
    private final AtomicInteger mostQueued = new AtomicInteger();

    /**
     * {@code name}: the server's, for its threads' names; {@code connections}: its bound on
     * connections open, each with one batch of tasks at most, so the bound of the tasks' queue.
     */
    Connections(String name, SSLContext context, SSLParameters parameters, int connections) {
      this.context = context;
      this.parameters = parameters;
      int threads = Runtime.getRuntime().availableProcessors();
      tasks = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.NANOSECONDS, new ArrayBlockingQueue<>(connections),
          new ThreadFactoryBuilder().setNameFormat(name + "-tls-%d").setDaemon(true).build());
    }

    /** Handshakes refused because the queue of tasks was full. */
    long handshakesRefused() {
      return refused.sum();
    }

    /** The most batches of tasks queued at once, not yet begun. */
    int mostBatchesQueued() {
      return mostQueued.get();
    }

    /** The TLS of a connection just accepted; its handshake begins with the client's hello. */
    @Override
    public TlsTransport open(SocketChannel channel, Runnable resume) {
      SSLEngine engine = context.createSSLEngine();
      engine.setUseClientMode(false);
      engine.setSSLParameters(parameters);
      return new TlsTransport(channel, engine, this, resume);
    }

    @Override
    public void close() {
      tasks.shutdownNow();
    }
  }

  /** The buffers every connection of a server works in, one at a time: the selector thread's only. */
  private static final class Buffers {
    private ByteBuffer net = ByteBuffer.allocate(0);
    private ByteBuffer plain = ByteBuffer.allocate(0);
    private ByteBuffer out = ByteBuffer.allocate(0);

    ByteBuffer net(int bytes) {
      if (net.capacity() < bytes) {
        net = ByteBuffer.allocate(bytes);
      }
      return net.clear();
    }

    ByteBuffer plain(int bytes) {
      if (plain.capacity() < bytes) {
        plain = ByteBuffer.allocate(bytes);
      }
      return plain.clear();
    }

    ByteBuffer out(int bytes) {
      if (out.capacity() < bytes) {
        out = ByteBuffer.allocate(bytes);
      }
      return out.clear();
    }
  }

  @Override
  public int read(ByteBuffer plaintext) throws IOException {
    if (computing) {
      return 0;
    }
    int given = give(plaintext);
    if (plainIn != null || !flush()) {
      // Its buffer is full; or the client has not taken the handshake's last messages: on once it has.
      return given;
    }
    ByteBuffer net = buffers.net(engine.getSession().getPacketBufferSize());
    if (netIn != null) {
      net.put(netIn);
      netIn = null;
    }
    int read = channel.read(net);
    net.flip();
    try {
      while (plainIn == null && !inboundDone) {
        HandshakeStatus handshake = engine.getHandshakeStatus();
        if (handshake == HandshakeStatus.NEED_TASK) {
          runDelegatedTasks();
          break;
        } else if (handshake == HandshakeStatus.NEED_WRAP) {
          if (!wrapAndSend(NOTHING)) {
            break;
          }
        } else if (!unwrap(net)) {
          break;
        } else {
          given += give(plaintext);
        }
      }
    } finally {
      if (net.hasRemaining()) {
        netIn = copy(net);
      }
    }
    return given == 0 && (read < 0 || inboundDone) ? -1 : given;
  }

  /** Unwraps one record of {@code net} into {@link #plainIn}; false when {@code net} holds none whole. */
  private boolean unwrap(ByteBuffer net) throws SSLException {
    ByteBuffer plain = buffers.plain(engine.getSession().getApplicationBufferSize());
    SSLEngineResult result = engine.unwrap(net, plain);
    refuseRenegotiation(result.getHandshakeStatus());
    if (plain.flip().hasRemaining()) {
      plainIn = copy(plain);
    }
    return switch (result.getStatus()) {
      // On while it got somewhere, or has a task or a message of its own to do first.
      case OK -> result.bytesConsumed() > 0 || result.bytesProduced() > 0
          || result.getHandshakeStatus() == HandshakeStatus.NEED_TASK
          || result.getHandshakeStatus() == HandshakeStatus.NEED_WRAP;
      case CLOSED -> {
        inboundDone = true;
        yield false;
      }
      // Buffers of the session's sizes hold any record; a session's sizes grow only before it starts.
      case BUFFER_OVERFLOW -> plain.capacity() < engine.getSession().getApplicationBufferSize();
      case BUFFER_UNDERFLOW -> false;
    };
  }

  /**
   * Notes the end of the first handshake; after it, a TLS 1.2 handshake status other than none is a
   * renegotiation the client began, and fails the connection. A renegotiation hello read behind a
   * request started the engine's tasks while that request was with a worker; done, they had the
   * connection read on, so a second request ran beside the first and the first's answer was lost.
   * The server never asks for one, and HTTP/1.1 needs none. Refused here, per engine, not with
   * {@code jdk.tls.rejectClientInitiatedRenegotiation}: that property is the whole JVM's (every
   * other TLS client and server in it), read once when the JDK's TLS is loaded, so setting it as a
   * server starts may come too late. TLS 1.3 has no renegotiation; its post-handshake messages (a
   * key update) are the engine's.
   */
  private void refuseRenegotiation(HandshakeStatus status) throws SSLException {
    if (status == HandshakeStatus.FINISHED) {
      established = true;
    } else if (established && status != HandshakeStatus.NOT_HANDSHAKING
        && !"TLSv1.3".equals(engine.getSession().getProtocol())) {
      throw new SSLException("a renegotiation begun by the client is refused");
    }
  }

  /** Moves what it can of {@link #plainIn} into {@code plaintext}. */
  private int give(ByteBuffer plaintext) {
    if (plainIn == null) {
      return 0;
    }
    int count = Math.min(plainIn.remaining(), plaintext.remaining());
    plaintext.put(plainIn.slice(plainIn.position(), count));
    plainIn.position(plainIn.position() + count);
    if (!plainIn.hasRemaining()) {
      plainIn = null;
    }
    return count;
  }

  @Override
  public void write(ByteBuffer plaintext) throws IOException {
    while (plaintext.hasRemaining() && flush()) {
      wrapAndSend(plaintext);
    }
  }

  /**
   * Wraps what it can of {@code plaintext} (nothing: the handshake's messages) into one record and
   * sends it; false when the socket did not take all of it (the rest kept for {@link #flush}).
   */
  private boolean wrapAndSend(ByteBuffer plaintext) throws IOException {
    ByteBuffer out = buffers.out(engine.getSession().getPacketBufferSize());
    SSLEngineResult result = engine.wrap(plaintext, out);
    if (result.getHandshakeStatus() == HandshakeStatus.FINISHED) {
      established = true;
    }
    if (result.getStatus() == Status.CLOSED) {
      throw new SSLException("the TLS session is closed");
    }
    if (result.bytesConsumed() == 0 && result.bytesProduced() == 0
        && result.getStatus() != Status.BUFFER_OVERFLOW) {
      // The engine wants to read before it writes again (a handshake the client began mid-answer).
      throw new SSLException("the TLS session sends nothing more (" + result.getHandshakeStatus() + ")");
    }
    channel.write(out.flip());
    if (out.hasRemaining()) {
      netOut = copy(out);
      return false;
    }
    return true;
  }

  /**
   * Runs the engine's tasks on the tasks' threads, none if its connection closed before they
   * began; then has the selector read on.
   */
  private void runDelegatedTasks() throws SSLException {
    computing = true;
    Runnable next = () -> {
      try {
        if (!channel.isOpen()) {
          // Closed as it was taken from the queue: no key exchange for a connection gone.
          return;
        }
        for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
          task.run();
        }
      } finally {
        computing = false;
        resume.run();
      }
    };
    try {
      connections.tasks.execute(next);
      batch = next;
      connections.mostQueued.accumulateAndGet(connections.tasks.getQueue().size(), Math::max);
    } catch (RejectedExecutionException refused) {
      computing = false;
      if (!connections.tasks.isShutdown()) {
        connections.refused.increment();
      }
      throw new SSLException(connections.tasks.isShutdown() ? "the server is closing"
          : "too many handshakes queued (" + connections.tasks.getQueue().size() + ")", refused);
    }
  }

  @Override
  public boolean computing() {
    return computing;
  }

  @Override
  public boolean flush() throws IOException {
    if (netOut != null) {
      channel.write(netOut);
      if (!netOut.hasRemaining()) {
        netOut = null;
      }
    }
    return netOut == null;
  }

  /** Bytes it holds, or the client's close_notify (which may come with its socket left open). */
  @Override
  public boolean holdsInput() {
    return netIn != null || plainIn != null || inboundDone;
  }

  /**
   * Sends a close_notify if the socket takes it at once (never after part of a record, which the
   * client could not read past), then closes the socket.
   */
  @Override
  public void close() {
    if (batch != null) {
      // Out of the queue if not yet begun: queued work stays that of connections open.
      connections.tasks.remove(batch);
      batch = null;
    }
    try {
      if (netOut == null && !computing && channel.isOpen()) {
        engine.closeOutbound();
        ByteBuffer out = buffers.out(engine.getSession().getPacketBufferSize());
        engine.wrap(NOTHING, out);
        channel.write(out.flip());
      }
    } catch (IOException | RuntimeException e) {
      log.debug("no close_notify sent ({})", e.toString());
    } finally {
      try {
        channel.close();
      } catch (IOException e) {
        log.debug("close failed", e);
      }
    }
  }

  private static ByteBuffer copy(ByteBuffer bytes) {
    ByteBuffer copy = ByteBuffer.allocate(bytes.remaining()).put(bytes);
    return copy.flip();
  }
}
