package io.glassbox.server;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFactory;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Holds a server to {@link ConnectionLimits#maxConnections} open connections, so a flood of
 * connections costs the process no more than that many open files, and prefers connections that
 * have carried an authenticated call: at the limit, a new connection takes the place of the one
 * that has not and was accepted, or read a call, longest ago, and is itself closed as soon as it
 * is accepted, before a byte of it is read, only when every connection held has carried one. A
 * connection that merely carries no call is not closed here: a client channel may hold one ready
 * for minutes, and a close raced by its first call would fail that call; gRPC's idle GOAWAY
 * ({@link ConnectionLimits#maxConnectionIdle}) closes it gracefully. gRPC has no such limit of its
 * own (grpc-java #1886), so it sits in front of the server socket's acceptor
 * ({@link #channelFactory}); gRPC then needs the event loops from us too ({@link #eventLoops}).
 *
 * <p>What counts as carrying a call: a call to a guarded service that passed the API-key check
 * ({@link #authenticatedCalls}, placed right after {@link AuthInterceptor}; without keys every
 * such call passes). Health checks and reflection are not guarded and do not count, nor does a
 * call refused for its key: one cheap call per connection must not make a flood's connections
 * outlast a client's. A call of any kind is seen on the connection's own event loop as its
 * headers are read ({@link #callsArriving}), under the lock eviction takes, and puts its
 * connection last in line for eviction, so a probe's health check or a client's first call is cut
 * off by eviction only after every other connection without an authenticated call has been
 * replaced or has had a call read since (at the default limit of 1000, that many new connections
 * or calls in the milliseconds the call takes; a flood that keeps sending call headers on its
 * connections can do it, and then cuts a first call as a reconnecting flood did before). A call
 * in flight does not keep its connection from eviction outright: a flood whose connections each
 * open a health check and never end it would then hold every place (each call
 * waits for its request until {@code maxConnectionAge}), and no client could connect; the 100 ms
 * close after a GOAWAY ({@link #evict}) cuts such a call.
 */
@ChannelHandler.Sharable
final class ConnectionCap extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ConnectionCap.class);
  /** A flood refuses thousands a second: one warning a minute says how many. */
  private static final Duration WARNING_INTERVAL = Duration.ofMinutes(1);
  /** How long an evicted connection's graceful close may take; a flood's accepts meanwhile add files past the limit. */
  private static final Duration EVICTION_GRACE = Duration.ofMillis(100);
  static final String OPEN_GAUGE = "glassbox_connections_open";
  static final String REFUSED_COUNTER = "glassbox_connections_refused";
  static final String EVICTED_COUNTER = "glassbox_connections_evicted";
  /** The arrival of the current call, put in its context so {@link #authenticatedCalls} can find it. */
  private static final Context.Key<Arrival> ARRIVAL = Context.key("glassbox-connection-call");
  private static final ServerStreamTracer UNTRACKED = new ServerStreamTracer() {};
  /** Whether gRPC's own transport picks epoll here: the server socket and its event loops must agree. */
  private static final boolean EPOLL = Epoll.isAvailable();

  private final String server;
  /** The port it caps, as its metrics' {@code port} label says it. */
  private final String port;
  private final int maxConnections;
  /** Guards {@link #evictable}, {@link #open}, {@link #arrivals} and the fields of every {@link Held}. */
  private final Object lock = new Object();
  /**
   * Held connections with no authenticated call, by when they were accepted or last read a call,
   * longest ago first.
   */
  private final TreeMap<Long, Held> evictable = new TreeMap<>();
  private int open;
  /** Counts acceptances and calls read: the key of the next one in {@link #evictable}. */
  private long arrivals;
  /**
   * The connection whose bytes this event loop is reading now: gRPC reads a call's headers inside
   * that read, on the same thread, and tells {@link #callsArriving} without saying which connection.
   */
  private final ThreadLocal<Held> reading = new ThreadLocal<>();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong evicted = new AtomicLong();
  private final WarningLimiter warnings = new WarningLimiter(WARNING_INTERVAL);

  /** One connection held. */
  private static final class Held {
    final Channel connection;
    /** Its key in {@link #evictable}: when it was accepted or last read a call. */
    long order;
    /**
     * Turns true at its first authenticated call, once out of {@link #evictable} for good, and stays
     * so: its later calls have nothing to move or mark, and skip the lock.
     */
    volatile boolean called;
    /** Still counted in {@link #open}: false once closed or evicted. */
    boolean counted = true;

    Held(Channel connection, long order) {
      this.connection = connection;
      this.order = order;
    }
  }

  /** Caps the connections of {@code server}'s {@code port} (its client port, or its admin services' port). */
  ConnectionCap(String server, Role port, ConnectionLimits limits) {
    this.server = server;
    this.port = port.label();
    this.maxConnections = limits.maxConnections();
  }

  /** The name of the server it caps. */
  String server() {
    return server;
  }

  /** Server sockets of the transport gRPC itself picks (epoll where it runs, else NIO), capped. */
  ChannelFactory<ServerChannel> channelFactory() {
    return () -> {
      ServerChannel channel = EPOLL ? new EpollServerSocketChannel() : new NioServerSocketChannel();
      // Added before the bootstrap adds its acceptor, so every accepted connection passes here first.
      channel.pipeline().addLast(this);
      return channel;
    };
  }

  /**
   * Told of every call as gRPC reads its headers, on the connection's event loop: puts its
   * connection last in line for eviction.
   */
  ServerStreamTracer.Factory callsArriving() {
    return new ServerStreamTracer.Factory() {
      @Override
      public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        Held connection = reading.get();
        if (connection == null || connection.called) {
          return UNTRACKED;
        }
        synchronized (lock) {
          if (evictable.remove(connection.order, connection)) {
            connection.order = arrivals++;
            evictable.put(connection.order, connection);
          }
        }
        return new Arrival(connection);
      }
    };
  }

  /**
   * Marks the connection of every call that reaches it as one that has carried an authenticated
   * call, which keeps it from being evicted at the limit; goes right after {@link AuthInterceptor}.
   */
  static ServerInterceptor authenticatedCalls() {
    return AUTHENTICATED_CALLS;
  }

  /** Stateless (it reads the call's {@link #ARRIVAL}), so every server and service shares it. */
  private static final ServerInterceptor AUTHENTICATED_CALLS = new ServerInterceptor() {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      Arrival arrival = ARRIVAL.get();
      if (arrival != null) {
        arrival.authenticated();
      }
      return next.startCall(call, headers);
    }
  };

  /** One call on a held connection, from its headers read to its end. */
  private final class Arrival extends ServerStreamTracer {
    private final Held connection;

    Arrival(Held connection) {
      this.connection = connection;
    }

    @Override
    public Context filterContext(Context context) {
      return context.withValue(ARRIVAL, this);
    }

    void authenticated() {
      if (connection.called) {
        return;
      }
      synchronized (lock) {
        evictable.remove(connection.order, connection);
        connection.called = true;
      }
    }
  }

  /** Event loops matching {@link #channelFactory}, on {@code threads} daemon threads named after the server. */
  EventLoopGroup eventLoops(int threads) {
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(server + "-netty", true),
        EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  /**
   * {@value #OPEN_GAUGE}, {@value #REFUSED_COUNTER}{@code _total} and {@value #EVICTED_COUNTER}{@code _total}
   * on {@code /metrics}, each with a {@code port} label: one series per cap of {@code caps}, the caps
   * of a server's ports ({@link Role#label}: {@code client}, or {@code admin}), read at each scrape.
   */
  static void registerMetrics(PrometheusRegistry registry, Collection<ConnectionCap> caps) {
    GaugeWithCallback.builder().name(OPEN_GAUGE)
        .help("Client connections the server holds open now on each port, handshakes included")
        .labelNames("port")
        .callback(gauge -> caps.forEach(cap -> gauge.call(cap.openNow(), cap.port)))
        .register(registry);
    CounterWithCallback.builder().name(REFUSED_COUNTER)
        .help("Connections closed as soon as they were accepted, by port: the port held its limit of connections,"
            + " each of which had carried an authenticated call")
        .labelNames("port")
        .callback(counter -> caps.forEach(cap -> counter.call(cap.refused.get(), cap.port)))
        .register(registry);
    CounterWithCallback.builder().name(EVICTED_COUNTER)
        .help("Connections with no authenticated call, closed to make room for a new one at the limit, by port")
        .labelNames("port")
        .callback(counter -> caps.forEach(cap -> counter.call(cap.evicted.get(), cap.port)))
        .register(registry);
  }

  private int openNow() {
    synchronized (lock) {
      return open;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext context, Object message) {
    Channel connection = (Channel) message;
    SocketAddress client = connection.remoteAddress();
    Held taken;
    Held oldest = null;
    synchronized (lock) {
      if (open >= maxConnections) {
        Map.Entry<Long, Held> first = evictable.pollFirstEntry();
        if (first == null) {
          refused.incrementAndGet();
          // Not yet registered with an event loop: closed here, as Netty's acceptor closes one it cannot register.
          connection.unsafe().closeForcibly();
          warnings.log(log, Level.WARN, "{} closed a new connection from {}: it holds its limit of {} connections"
              + " ({}), each of which has carried an authenticated call", server, client, maxConnections,
              ConnectionLimits.MAX_CONNECTIONS_KEY);
          return;
        }
        oldest = first.getValue();
        // Its place is the new one's now, though it closes on its own event loop a moment later.
        oldest.counted = false;
        open--;
      }
      open++;
      taken = new Held(connection, arrivals++);
      evictable.put(taken.order, taken);
    }
    if (oldest != null) {
      evicted.incrementAndGet();
      evict(oldest.connection);
    }
    connection.closeFuture().addListener(closed -> {
      synchronized (lock) {
        evictable.remove(taken.order, taken);
        if (taken.counted) {
          taken.counted = false;
          open--;
        }
      }
    });
    // First in the connection's pipeline, before gRPC's handlers: every read passes through it.
    connection.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext connectionContext, Object bytes) {
        reading.set(taken);
        try {
          connectionContext.fireChannelRead(bytes);
        } finally {
          reading.remove();
        }
        // Its calls are no longer tracked once it has carried an authenticated one (see callsArriving);
        // closing is accounted by the close future above, not here.
        if (taken.called && !connectionContext.isRemoved()) {
          connectionContext.pipeline().remove(this);
        }
      }
    });
    context.fireChannelRead(connection);
  }

  /**
   * Sends a GOAWAY and closes gracefully, and closes outright whatever is still open
   * {@link #EVICTION_GRACE} later: gRPC's graceful close waits for every HTTP/2 stream to end, and a
   * stream whose client never ended its side (a call refused for its key, a health check opened and
   * never ended) held an evicted connection, and its file, open past the limit (20 s and more, measured).
   */
  private static void evict(Channel connection) {
    connection.close();
    // Its event loop is set as it is accepted, before registering it; it runs this after registering.
    connection.eventLoop().schedule(() -> {
      if (connection.isOpen()) {
        connection.unsafe().close(connection.unsafe().voidPromise());
      }
    }, EVICTION_GRACE.toMillis(), TimeUnit.MILLISECONDS);
  }
}
