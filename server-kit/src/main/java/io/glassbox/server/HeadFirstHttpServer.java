package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import com.google.common.util.concurrent.Uninterruptibles;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * A small HTTP/1.1 server that hands a request to its handler only once the request's head (the
 * request line and headers) has fully arrived, for ports that must answer beside slow or hostile
 * clients: the metrics port, whose {@code /live} a kubelet asks, and the gateway's viewer page.
 *
 * <p>The JDK's {@code HttpServer} gives a connection a thread at its first byte, and the thread
 * reads the rest blocking: with a bound on threads, a few hundred clients that each sent a byte and
 * stalled took every thread, and most liveness probes failed (26 of 29 beside 100 such clients).
 * Here one selector thread accepts every connection and reads every head, without blocking;
 * {@code threads} workers run only complete requests, each answer collected in memory; the selector
 * writes it, without blocking. A stalled connection costs a socket and a buffer, no thread:
 *
 * <ul>
 *   <li>a connection has {@code headLimit} for its head, from when it was accepted or its last
 *       answer was sent; {@code answerLimit} for its request to be handled, queued time included
 *       (past it, a queued request is dropped and a running handler interrupted); and {@code
 *       answerLimit} again for its answer to be written; then it is closed;
 *   <li>at most {@code connections} are open: a new one beyond closes the oldest still waiting for
 *       its head (a well-behaved client sends its head at once: it is never the oldest waiting), or,
 *       with none, the one whose answer has waited longest unread (a client that reads its answer,
 *       however slowly, is not it); connections with a worker are never closed for it;
 *   <li>the answers being written hold at most {@code heldBytes} together (what is sent of each is let
 *       go, a chunk at a time): an answer that would pass it, a probe's included, first closes the
 *       connections whose answers have waited longest, unread, until it fits ({@link #answersDropped});
 *       an answer larger than the bound alone is still sent. Unbounded, 120 clients that asked for a
 *       4 MiB scrape and read nothing held 219 MiB of the heap until the answer limit. The kernel
 *       queues at most about 128 KiB of each connection's answer besides ({@link #SEND_BUFFER_BYTES}),
 *       which also bounds what is in flight over a long link: 128 KiB a round trip, so a 16 MiB
 *       answer passes a 10 s answer limit from a 78 ms round trip (within a cluster, under 1 ms);
 *   <li>a head over {@code headBytes} is closed unanswered ({@link MessageLimits#MAX_HTTP_HEADER_BYTES});
 *   <li>a request with a body (none of the metrics port's has one) gets its answer, unread, and
 *       then its connection is closed; one whose body's length could be read two ways (two lengths,
 *       a length beside chunks) is refused, as the JDK's server refuses it.
 * </ul>
 *
 * <p>Over TLS ({@link #start(String, InetSocketAddress, HttpHandler, Limits, SSLContext, SSLParameters)})
 * the selector thread also does each connection's handshake, and unwraps what it reads and wraps
 * what it writes, without blocking ({@link TlsTransport}); the handshake's tasks run on threads of
 * their own. Every bound above holds: the head limit counts from the connection's first byte, its
 * handshake included (a client that stalls mid-handshake is closed then, having held no thread);
 * {@code heldBytes} counts the answers' plaintext; a connection it closes gets a close_notify.
 *
 * <p>Handlers are the JDK's {@link HttpHandler}s, called with a {@link BufferedExchange}. The answers
 * are the JDK server's byte for byte (but the date) for the requests {@code HeadFirstHttpServerTest}
 * compares, its refusals of untrustworthy framing included; not where a request has a body (closed
 * after the answer here, kept open there) or a handler flushes mid-chunk. A client that resets its connection while its answer is
 * on the way is one DEBUG line, not an error. Every thread is a daemon: a port never closed does
 * not keep the JVM alive.
 */
public final class HeadFirstHttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HeadFirstHttpServer.class);
  /** How the JDK words a connection the peer reset or closed under a write (Linux, macOS, Windows). */
  private static final Pattern CLIENT_GONE =
      Pattern.compile("connection reset|broken pipe|connection was aborted", Pattern.CASE_INSENSITIVE);
  /** How often the selector looks for connections past their limits. */
  private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private static final int FIRST_BUFFER_BYTES = 1024;
  /**
   * The kernel's send buffer of each connection (Linux keeps twice this). Left to the kernel, it
   * grew to about 3 MB for a client that read nothing (50 such connections took 199 MiB of kernel
   * memory, which cgroup v2 charges to the container), outside {@link Limits#heldBytes}. 128 KiB in
   * flight sends an answer at 128 KiB a round trip: a 4 MiB answer takes 32, about 1 s at a 30 ms
   * round trip and 3.2 s at 100 ms, and a 16 MiB one passes the 10 s answer limit from about 78 ms
   * (a scrape within a cluster, under 1 ms a round trip, is not slowed).
   */
  static final int SEND_BUFFER_BYTES = 64 * 1024;
  /** How long {@link #close} waits for the selector to close the port and its connections. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
  private static final WarningLimiter acceptFailures = new WarningLimiter(Duration.ofMinutes(1));
  private static final WarningLimiter connectionFailures = new WarningLimiter(Duration.ofMinutes(1));
  /** What a complete request gets, with 503, when every worker is busy and the queue is full. */
  static final String BUSY = "every worker is busy and the queue of requests waiting for one is full: try again";

  /**
   * The bounds of one server: {@code connections} open at once, {@code headLimit} and
   * {@code headBytes} for a request's head, {@code answerLimit} to write its answer, {@code threads}
   * running handlers and {@code queued} complete requests waiting for one (beyond, a 503 that says
   * so, and the connection closed), and
   * {@code heldBytes} of answers held for writing at once, all connections together.
   */
  public record Limits(int connections, Duration headLimit, int headBytes, Duration answerLimit, int threads,
      int queued, long heldBytes) {
    /**
     * 16 MiB of answers held for writing: four 4 MiB scrapes whose clients stopped reading, under a
     * tenth of the smallest service heap (192 MiB). Without a bound, 120 connections that asked for a
     * 4 MiB {@code /metrics} and read nothing held 219 MiB of the heap until the answer limit; 512
     * could hold about 2 GiB.
     */
    static final long DEFAULT_HELD_BYTES = 16L << 20;

    /**
     * Checked here, before any port is bound: a zero or negative bound used to pass until the
     * workers were made, after the port was bound, and left it bound; or started a server that
     * closed or refused every connection.
     */
    public Limits {
      positive("connections", connections);
      positive("headLimit", requireNonNull(headLimit, "headLimit"));
      positive("headBytes", headBytes);
      positive("answerLimit", requireNonNull(answerLimit, "answerLimit"));
      positive("threads", threads);
      positive("queued", queued);
      positive("heldBytes", heldBytes);
    }

    private static void positive(String name, Duration value) {
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + value);
      }
    }

    private static void positive(String name, long value) {
      if (value <= 0) {
        throw new IllegalArgumentException(name + " must be positive, got " + value);
      }
    }

    /** Limits holding at most {@link #DEFAULT_HELD_BYTES} of answers for writing. */
    public Limits(int connections, Duration headLimit, int headBytes, Duration answerLimit, int threads, int queued) {
      this(connections, headLimit, headBytes, answerLimit, threads, queued, DEFAULT_HELD_BYTES);
    }
  }

  /** What the server serves (metrics), for its threads' names and its log. */
  private final String name;
  private final HttpHandler handler;
  /** The requests the selector thread answers itself, at once (their handling never blocks). */
  private final Predicate<RequestHead> atOnce;
  private final Limits limits;
  /** How each connection's bytes cross its socket: as they are, or through TLS. */
  private final Transport.Factory transports;
  private final ServerSocketChannel listener;
  private final Selector selector;
  private final ThreadPoolExecutor workers;
  private final Thread selectorThread;
  /** Open connections; the selector thread's only. */
  private final Set<Connection> open = new HashSet<>();
  /** Connections waiting for their head, the longest waiting first; the selector thread's only. */
  private final LinkedHashSet<Connection> waiting = new LinkedHashSet<>();
  /**
   * Connections whose answer is being written, the one that has waited longest unread (since its
   * answer began, or the client last took some of it) first; the selector thread's only.
   */
  private final LinkedHashSet<Connection> writing = new LinkedHashSet<>();
  /**
   * Connections answered with a next request already read behind the last (pipelined), taken at
   * the selector's next pass, after the others; the selector thread's only.
   */
  private final LinkedHashSet<Connection> pipelined = new LinkedHashSet<>();
  /** Connections whose transport has computed what it waited for (TLS tasks), for the selector to read on. */
  private final Queue<Connection> computed = new ConcurrentLinkedQueue<>();
  /** Answers the workers finished, for the selector to write. */
  private final Queue<Answer> answers = new ConcurrentLinkedQueue<>();
  /** The bytes of the answers being written not yet sent; written by the selector thread only. */
  private volatile long held;
  /** Answers dropped unsent for {@link Limits#heldBytes}; written by the selector thread only. */
  private volatile long dropped;
  private volatile boolean closed;
  /** Set by {@link #close(Duration)}: no new connection or request; those being answered finish. */
  private volatile boolean draining;
  /** Counted down once draining has left no connection open, or the selector stopped. */
  private final CountDownLatch drained = new CountDownLatch(1);

  private HeadFirstHttpServer(String name, HttpHandler handler, Predicate<RequestHead> atOnce, Limits limits,
      Transport.Factory transports, ServerSocketChannel listener, Selector selector) {
    this.name = name;
    this.handler = handler;
    this.atOnce = atOnce;
    this.limits = limits;
    this.transports = transports;
    this.listener = listener;
    this.selector = selector;
    workers = new ThreadPoolExecutor(limits.threads(), limits.threads(), 0, TimeUnit.NANOSECONDS,
        new ArrayBlockingQueue<>(limits.queued()), daemonThreads(name + "-http-%d"));
    selectorThread = daemonThreads(name + "-http-selector").newThread(this::run);
  }

  /** Listens on {@code address} (port 0 picks a free one) and serves every request with {@code handler}. */
  public static HeadFirstHttpServer start(String name, InetSocketAddress address, HttpHandler handler, Limits limits)
      throws IOException {
    return start(name, address, handler, request -> false, limits);
  }

  /**
   * As {@link #start(String, InetSocketAddress, HttpHandler, Limits)}, but the requests that
   * {@code atOnce} picks are handled on the selector thread as they arrive, never queued behind the
   * workers' requests: for answers that must come even while every worker is busy (probes), from a
   * handler that never blocks and takes microseconds, since the selector serves every connection.
   */
  static HeadFirstHttpServer start(String name, InetSocketAddress address, HttpHandler handler,
      Predicate<RequestHead> atOnce, Limits limits) throws IOException {
    return start(name, address, handler, atOnce, limits, (channel, resume) -> Transport.plain(channel));
  }

  /**
   * As {@link #start(String, InetSocketAddress, HttpHandler, Limits)}, over TLS: each connection
   * gets an engine of {@code context} in server mode with {@code parameters} (client certificates
   * wanted or needed, protocols), and the selector thread does its handshake, reads and writes
   * without blocking ({@link TlsTransport}). Every bound holds as over plain HTTP: the head limit
   * covers the handshake (a client that stalls in it is closed then, and held no thread), and
   * {@code heldBytes} counts the plaintext of the answers held.
   */
  public static HeadFirstHttpServer start(String name, InetSocketAddress address, HttpHandler handler, Limits limits,
      SSLContext context, SSLParameters parameters) throws IOException {
    return start(name, address, handler, request -> false, limits,
        new TlsTransport.Connections(name, requireNonNull(context, "context"), requireNonNull(parameters, "parameters"),
            limits.connections()));
  }

  private static HeadFirstHttpServer start(String name, InetSocketAddress address, HttpHandler handler,
      Predicate<RequestHead> atOnce, Limits limits, Transport.Factory transports) throws IOException {
    Selector selector = Selector.open();
    ServerSocketChannel listener;
    try {
      listener = ServerSocketChannel.open();
    } catch (IOException e) {
      selector.close();
      throw e;
    }
    try {
      listener.bind(address, limits.connections());
      listener.configureBlocking(false);
      listener.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException | RuntimeException e) {
      closeQuietly(listener);
      closeQuietly(selector);
      throw e;
    }
    HeadFirstHttpServer server =
        new HeadFirstHttpServer(name, handler, atOnce, limits, transports, listener, selector);
    server.selectorThread.start();
    return server;
  }

  /** The port it listens on. */
  public int port() {
    return listener.socket().getLocalPort();
  }

  /**
   * Stops listening and closes every connection (the port is free when this returns); handlers
   * running finish, their answers unsent.
   */
  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    workers.shutdown();
    if (Thread.currentThread() != selectorThread) {
      Uninterruptibles.joinUninterruptibly(selectorThread, CLOSE_WAIT);
    }
  }

  /**
   * Stops listening at once (the port is free) and closes the connections with no request in
   * progress; lets the requests in progress be handled and their answers written, for up to {@code
   * drain}; then closes as {@link #close()}.
   */
  public void close(Duration drain) {
    draining = true;
    selector.wakeup();
    if (Thread.currentThread() != selectorThread) {
      Uninterruptibles.awaitUninterruptibly(drained, drain);
    }
    close();
  }

  /** The bytes of the answers held for writing now, not yet sent. */
  long heldBytes() {
    return held;
  }

  /** How many answers were dropped unsent, their connections closed, to keep {@link #heldBytes} within its bound. */
  long answersDropped() {
    return dropped;
  }

  /** Its TLS connections' handshake tasks, or null over plain HTTP: for tests. */
  TlsTransport.Connections tlsConnections() {
    return transports instanceof TlsTransport.Connections tls ? tls : null;
  }

  /** Whether {@code e} says the client reset or closed its connection while it was written to. */
  static boolean clientGone(IOException e) {
    return e.getMessage() != null && CLIENT_GONE.matcher(e.getMessage()).find();
  }

  private void run() {
    long nextSweep = System.nanoTime() + SWEEP_NANOS;
    try {
      while (!closed) {
        if (pipelined.isEmpty()) {
          selector.select(TimeUnit.NANOSECONDS.toMillis(SWEEP_NANOS));
        } else {
          selector.selectNow();
        }
        if (draining && listener.isOpen()) {
          stopListening();
        }
        for (SelectionKey key : selector.selectedKeys()) {
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            acceptAll();
          } else {
            Connection connection = (Connection) key.attachment();
            serve(connection, () -> {
              if (key.isReadable()) {
                connection.read();
              } else if (key.isWritable()) {
                connection.writable();
              }
            });
          }
        }
        selector.selectedKeys().clear();
        // One request per connection per pass: only the answers queued by now, and a pipelined
        // request once; an answer sent here queues no other. A client streaming pipelined probes and
        // reading their answers held the selector in this loop, and every other connection waited.
        for (int queued = answers.size(); queued > 0; queued--) {
          Answer next = answers.poll();
          serve(next.connection, () -> next.connection.send(next));
        }
        for (Connection connection = computed.poll(); connection != null; connection = computed.poll()) {
          if (waiting.contains(connection)) {
            serve(connection, connection::read);
          } else if (open.contains(connection)) {
            // With a worker, or its answer being written: read on once its answer is sent, never
            // beside it (a second request would run beside the first, and one answer be lost).
            connection.computedMeanwhile = true;
          }
        }
        for (Connection connection : List.copyOf(pipelined)) {
          pipelined.remove(connection);
          serve(connection, connection::takePipelined);
        }
        long now = System.nanoTime();
        if (now - nextSweep >= 0) {
          nextSweep = now + SWEEP_NANOS;
          closeOverdue(now);
        }
        if (draining && open.isEmpty()) {
          drained.countDown();
        }
      }
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        log.error("{}: the HTTP port stopped", name, e);
      }
    } finally {
      for (Connection connection : List.copyOf(open)) {
        connection.close();
      }
      closeQuietly(listener);
      closeQuietly(selector);
      workers.shutdown();
      closeQuietly(transports);
      // Nothing is left to drain: a close with a drain, now or later, need not wait it out.
      drained.countDown();
    }
  }

  /**
   * Runs {@code step} of {@code connection}; a failure of one connection (a bug, a request no check
   * foresaw) closes that connection, not the port: leaving the loop closed every connection and the
   * listener, and the probes were refused while the process lived on.
   */
  private void serve(Connection connection, Runnable step) {
    try {
      step.run();
    } catch (CancelledKeyException e) {
      connection.close();
    } catch (RuntimeException e) {
      connectionFailures.log(log, Level.WARN, "{}: closing a connection that failed: {}", name, e.toString());
      log.debug("{}: the connection's failure", name, e);
      connection.close();
    }
  }

  /** Closes the port, and every connection waiting for a request: draining, only answers go out. */
  private void stopListening() throws IOException {
    // A registered channel's close waits for its key to go, at the next select: the port is freed now.
    listener.keyFor(selector).cancel();
    selector.selectNow();
    closeQuietly(listener);
    for (Connection connection : List.copyOf(waiting)) {
      connection.close();
    }
  }

  private void acceptAll() {
    while (true) {
      SocketChannel channel;
      try {
        channel = listener.accept();
      } catch (IOException e) {
        // Out of file descriptors, most likely: the connection waits in the backlog for one.
        acceptFailures.log(log, Level.WARN, "{}: cannot accept a connection: {}", name, e.getMessage());
        return;
      }
      if (channel == null) {
        return;
      }
      if (open.size() >= limits.connections() && !(waiting.isEmpty() && writing.isEmpty())) {
        // A stalled client is the oldest waiting for its head, or else the oldest not reading its answer.
        boolean head = !waiting.isEmpty();
        log.debug("{}: {} connections open, closing the one longest waiting for its {}", name, open.size(),
            head ? "request" : "answer to be read");
        (head ? waiting : writing).iterator().next().close();
      }
      if (open.size() >= limits.connections()) {
        // Every connection is with a worker: the newest is refused.
        closeQuietly(channel);
        continue;
      }
      Connection connection = new Connection(channel);
      try {
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.SO_SNDBUF, SEND_BUFFER_BYTES);
        connection.key = channel.register(selector, SelectionKey.OP_READ, connection);
      } catch (IOException e) {
        log.debug("{}: a connection failed as it was accepted ({})", name, e.getMessage());
        closeQuietly(channel);
        continue;
      }
      open.add(connection);
      connection.awaitHead();
      // Its request is most likely here already.
      serve(connection, connection::read);
    }
  }

  private void closeOverdue(long now) {
    List<Connection> overdue = new ArrayList<>();
    for (Connection connection : open) {
      if (now - connection.deadline >= 0) {
        overdue.add(connection);
      }
    }
    for (Connection connection : overdue) {
      boolean waitingForHead = connection.answer == null && connection.handling == null;
      log.debug("{}: closing a connection that took more than {} ms for its {}", name,
          waitingForHead ? limits.headLimit().toMillis() : limits.answerLimit().toMillis(),
          waitingForHead ? "request" : connection.answer == null ? "handler" : "answer");
      connection.close();
    }
  }

  /**
   * Closes the connections whose answers have waited longest, unread, until {@code bytes} more fit
   * within {@link Limits#heldBytes}, or none is left: an answer larger than the bound is sent alone.
   */
  private void makeRoom(long bytes) {
    while (held + bytes > limits.heldBytes() && !writing.isEmpty()) {
      log.debug("{}: {} bytes of answers held for writing, closing the connection whose answer has waited longest",
          name, held);
      dropped++;
      writing.iterator().next().close();
    }
  }

  /**
   * A worker's finished answer: the bytes to send, in chunks (none: close the connection), and
   * whether the connection closes after them. Each chunk is let go as soon as it is sent, so a
   * client that has read most of a large answer no longer holds it.
   */
  record Answer(Connection connection, ByteBuffer[] chunks, boolean closeAfter) {
    /** An answer of {@code bytes}, in one chunk. */
    static Answer of(Connection connection, byte[] bytes, boolean closeAfter) {
      return new Answer(connection, new ByteBuffer[] {ByteBuffer.wrap(bytes)}, closeAfter);
    }

    private long remaining() {
      long remaining = 0;
      for (ByteBuffer chunk : chunks) {
        remaining += chunk == null ? 0 : chunk.remaining();
      }
      return remaining;
    }
  }

  /** Called by a worker's exchange when its answer is complete, or with none to close the connection. */
  void answer(Answer answer) {
    answers.add(answer);
    selector.wakeup();
  }

  /** One client connection: waiting for its head, being answered by a worker, or being written to. */
  final class Connection {
    private final SocketChannel channel;
    private final Transport transport;
    private SelectionKey key;
    private ByteBuffer in = ByteBuffer.allocate(FIRST_BUFFER_BYTES);
    private final RequestHead.EndFinder headEnd = new RequestHead.EndFinder();
    /** The answer being written, or null. */
    private Answer answer;
    /** How many chunks of {@link #answer} are sent. */
    private int sentChunks;
    /** Its request, queued for a worker or being handled by one, or null. */
    private Handling handling;
    /** When its current limit ends (System.nanoTime). */
    private long deadline;
    /** Whether its transport computed (TLS tasks) while it was being answered: read on after the answer. */
    private boolean computedMeanwhile;

    Connection(SocketChannel channel) {
      this.channel = channel;
      this.transport = transports.open(channel, () -> {
        computed.add(this);
        selector.wakeup();
      });
    }

    private void awaitHead() {
      deadline = System.nanoTime() + limits.headLimit().toNanos();
      waiting.add(this);
      key.interestOps(SelectionKey.OP_READ);
    }

    private void read() {
      try {
        while (true) {
          if (!in.hasRemaining()) {
            if (in.capacity() >= limits.headBytes()) {
              log.debug("{}: closing a connection whose request head passed {} bytes", name, limits.headBytes());
              close();
              return;
            }
            in = ByteBuffer.allocate(Math.min(in.capacity() * 2, limits.headBytes())).put(in.flip());
          }
          int read = transport.read(in);
          if (read < 0) {
            close();
            return;
          }
          if (read == 0) {
            // Over TLS: nothing read while its handshake's tasks run; its messages the client has
            // not taken yet are sent as the client takes them.
            key.interestOps(transport.computing() ? 0
                : transport.flush() ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            return;
          }
          if (takeRequest()) {
            return;
          }
        }
      } catch (IOException e) {
        log.debug("{}: a connection failed while its request was read ({})", name, e.getMessage());
        close();
      }
    }

    /** Hands a complete head to a worker; false while the head is still incomplete. */
    private boolean takeRequest() {
      int end = headEnd.find(in.array(), in.position());
      if (end < 0) {
        return false;
      }
      byte[] head = new byte[end];
      in.flip().get(head).compact();
      headEnd.reset();
      waiting.remove(this);
      // The handler's limit starts as the request is handed over: queued time counts.
      deadline = System.nanoTime() + limits.answerLimit().toNanos();
      key.interestOps(0);
      RequestHead request;
      try {
        request = RequestHead.parse(head);
      } catch (RequestHead.Refused e) {
        send(Answer.of(this, BufferedExchange.rejection(e.code(), e.getMessage()), true));
        return true;
      }
      BufferedExchange exchange = new BufferedExchange(request, channel.socket(), this, HeadFirstHttpServer.this);
      if (atOnce.test(request)) {
        exchange.run(handler);
        return true;
      }
      Handling next = new Handling(exchange);
      try {
        workers.execute(next);
        handling = next;
      } catch (RejectedExecutionException e) {
        log.debug("{}: every worker busy, answering 503", name);
        send(Answer.of(this, BufferedExchange.rejection(503, BUSY), true));
      }
      return true;
    }

    /** Starts writing {@code next}; with no bytes, closes. */
    private void send(Answer next) {
      if (!channel.isOpen()) {
        return;
      }
      if (answer != null) {
        // A second answer while one is written: a bug. Written over the first, the rest of the first
        // stayed counted in the held bytes for good; the client could not tell which answer is whose.
        log.warn("{}: a second answer came while one was being written; closing the connection", name);
        close();
        return;
      }
      handling = null;
      if (next.chunks() == null) {
        close();
        return;
      }
      long size = next.remaining();
      makeRoom(size);
      answer = next;
      sentChunks = 0;
      held += size;
      writing.add(this);
      deadline = System.nanoTime() + limits.answerLimit().toNanos();
      key.interestOps(SelectionKey.OP_WRITE);
      write();
    }

    /** Writes its answer on; with none, sends the TLS handshake's messages held back and reads on. */
    private void writable() {
      if (answer != null) {
        write();
      } else {
        read();
      }
    }

    private void write() {
      ByteBuffer[] chunks = answer.chunks();
      try {
        // A chunk at a time: the JDK copies what it is given into a direct buffer of that size.
        while (sentChunks < chunks.length) {
          ByteBuffer chunk = chunks[sentChunks];
          int unsent = chunk.remaining();
          try {
            transport.write(chunk);
          } finally {
            // What it took, even where the write then failed (over TLS, a record wrapped, unsent).
            held -= unsent - chunk.remaining();
          }
          if (chunk.remaining() < unsent && writing.remove(this)) {
            // Its client reads: the last to close for room, however long ago its answer began.
            writing.add(this);
          }
          if (chunk.hasRemaining()) {
            return;
          }
          chunks[sentChunks++] = null;
        }
        if (!transport.flush()) {
          // Over TLS, the end of the answer's last record is still to go.
          return;
        }
      } catch (IOException e) {
        if (clientGone(e)) {
          log.debug("{}: the client closed its connection before its answer was sent ({})", name, e.getMessage());
        } else {
          log.warn("{}: an answer could not be sent ({})", name, e.getMessage());
        }
        close();
        return;
      }
      boolean closeAfter = answer.closeAfter();
      answer = null;
      writing.remove(this);
      if (closeAfter || draining) {
        close();
        return;
      }
      awaitHead();
      // A client may have sent its next request behind the last one: taken at the next pass, so
      // that others are served between two of its requests; else the selector reports its bytes.
      if (in.position() > 0 || transport.holdsInput() || computedMeanwhile) {
        computedMeanwhile = false;
        pipelined.add(this);
      }
    }

    /** Takes the request read behind the last, or reads on for the rest of its head. */
    private void takePipelined() {
      if (!takeRequest()) {
        read();
      }
    }

    void close() {
      open.remove(this);
      waiting.remove(this);
      writing.remove(this);
      if (answer != null) {
        held -= answer.remaining();
        answer = null;
      }
      pipelined.remove(this);
      if (handling != null) {
        // Out of the queue, so that a request no one waits for takes no worker; or interrupted.
        workers.remove(handling);
        handling.cancel();
        handling = null;
      }
      key.cancel();
      transport.close();
    }
  }

  /**
   * A request handed to the workers: run unless cancelled first (its connection closed while it
   * was queued); interrupted if cancelled while it runs, so that a handler past its limit gives its
   * worker back if it heeds interrupts.
   */
  private final class Handling implements Runnable {
    private final BufferedExchange exchange;
    /** The worker running it, while it runs; guarded by this. */
    private Thread runner;
    /** Guarded by this. */
    private boolean cancelled;

    Handling(BufferedExchange exchange) {
      this.exchange = exchange;
    }

    @Override
    public void run() {
      synchronized (this) {
        if (cancelled) {
          return;
        }
        runner = Thread.currentThread();
      }
      try {
        exchange.run(handler);
      } finally {
        synchronized (this) {
          runner = null;
        }
        // An interrupt that came as the handler returned is not the next request's.
        Thread.interrupted();
      }
    }

    synchronized void cancel() {
      cancelled = true;
      if (runner != null) {
        runner.interrupt();
      }
    }
  }

  private static void closeQuietly(AutoCloseable resource) {
    try {
      resource.close();
    } catch (Exception e) {
      log.debug("close failed", e);
    }
  }

  private static ThreadFactory daemonThreads(String nameFormat) {
    return new ThreadFactoryBuilder().setNameFormat(nameFormat).setDaemon(true).build();
  }
}
