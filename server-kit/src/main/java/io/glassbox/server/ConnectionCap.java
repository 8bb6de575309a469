package io.glassbox.server;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Holds a server to {@link ConnectionLimits#maxConnections} open connections, so a flood of
 * connections costs the process no more than that many open files, and prefers connections that
 * have carried a call: at the limit, a new connection takes the place of the oldest one that has
 * never carried a call, and is itself closed as soon as it is accepted, before a byte of it is
 * read, only when every connection held has carried one. A connection that merely carries no call
 * is not closed here: a client channel may hold one ready for minutes, and a close raced by its
 * first call would fail that call; gRPC's idle GOAWAY ({@link ConnectionLimits#maxConnectionIdle})
 * closes it gracefully. gRPC has no such limit of its own (grpc-java #1886), so it sits in front of
 * the server socket's acceptor ({@link #channelFactory}) and sees calls through
 * {@link #callsSeen}; gRPC then needs the event loops from us too ({@link #eventLoops}).
 */
@ChannelHandler.Sharable
final class ConnectionCap extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ConnectionCap.class);
  /** A flood refuses thousands a second: one warning a minute says how many. */
  private static final Duration WARNING_INTERVAL = Duration.ofMinutes(1);
  static final String OPEN_GAUGE = "glassbox_connections_open";
  static final String REFUSED_COUNTER = "glassbox_connections_refused";
  static final String EVICTED_COUNTER = "glassbox_connections_evicted";

  private final String server;
  private final int maxConnections;
  /** Every connection held, by its client's address (unique per connection to one listening port). */
  private final Map<SocketAddress, Held> held = new ConcurrentHashMap<>();
  /** Held connections that have not carried a call, oldest first; guarded by itself, as {@link #open} is. */
  private final LinkedHashMap<SocketAddress, Held> neverCalled = new LinkedHashMap<>();
  private int open;
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong evicted = new AtomicLong();
  private final WarningLimiter warnings = new WarningLimiter(WARNING_INTERVAL);

  /** One connection held; {@code called} turns true at its first call and stays so. */
  private static final class Held {
    final Channel connection;
    volatile boolean called;
    boolean counted = true;

    Held(Channel connection) {
      this.connection = connection;
    }
  }

  ConnectionCap(String server, ConnectionLimits limits) {
    this.server = server;
    this.maxConnections = limits.maxConnections();
  }

  /** The name of the server it caps. */
  String server() {
    return server;
  }

  /** Server sockets of the transport gRPC itself picks (epoll where it runs, else NIO), capped. */
  ChannelFactory<ServerChannel> channelFactory() {
    return () -> {
      ServerChannel channel = Epoll.isAvailable() ? new EpollServerSocketChannel() : new NioServerSocketChannel();
      // Added before the bootstrap adds its acceptor, so every accepted connection passes here first.
      channel.pipeline().addLast(this);
      return channel;
    };
  }

  /**
   * Marks the connection of every call the server receives as one that has carried a call, which
   * keeps it from being evicted at the limit. Any call counts, health checks and
   * calls then refused for their key included: the transport sees no further.
   */
  ServerInterceptor callsSeen() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        SocketAddress client = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        Held connection = client == null ? null : held.get(client);
        if (connection != null && !connection.called) {
          connection.called = true;
          synchronized (neverCalled) {
            neverCalled.remove(client);
          }
        }
        return next.startCall(call, headers);
      }
    };
  }

  /** Event loops matching {@link #channelFactory}, on {@code threads} daemon threads named after the server. */
  EventLoopGroup eventLoops(int threads) {
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(server + "-netty", true),
        Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  /** {@value #OPEN_GAUGE}, {@value #REFUSED_COUNTER}{@code _total} and {@value #EVICTED_COUNTER}{@code _total} on {@code /metrics}. */
  void registerMetrics(PrometheusRegistry registry) {
    GaugeWithCallback.builder().name(OPEN_GAUGE)
        .help("Client connections the server holds open now, handshakes included")
        .callback(gauge -> gauge.call(openNow()))
        .register(registry);
    CounterWithCallback.builder().name(REFUSED_COUNTER)
        .help("Connections closed as soon as they were accepted: the server held its limit of connections,"
            + " each of which had carried a call")
        .callback(counter -> counter.call(refused.get()))
        .register(registry);
    CounterWithCallback.builder().name(EVICTED_COUNTER)
        .help("Connections that had never carried a call, closed to make room for a new one at the limit")
        .callback(counter -> counter.call(evicted.get()))
        .register(registry);
  }

  private int openNow() {
    synchronized (neverCalled) {
      return open;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext context, Object message) {
    Channel connection = (Channel) message;
    SocketAddress client = connection.remoteAddress();
    Held accepted = new Held(connection);
    Held oldest = null;
    synchronized (neverCalled) {
      if (open >= maxConnections) {
        Iterator<Held> first = neverCalled.values().iterator();
        if (!first.hasNext()) {
          refused.incrementAndGet();
          // Not yet registered with an event loop: closed here, as Netty's acceptor closes one it cannot register.
          connection.unsafe().closeForcibly();
          warnings.log(log, Level.WARN, "{} closed a new connection from {}: it holds its limit of {} connections"
              + " ({}), each of which has carried a call", server, client, maxConnections,
              ConnectionLimits.MAX_CONNECTIONS_KEY);
          return;
        }
        oldest = first.next();
        first.remove();
        // Its place is the new one's now, though it closes on its own event loop a moment later.
        oldest.counted = false;
        open--;
      }
      open++;
      neverCalled.put(client, accepted);
    }
    held.put(client, accepted);
    if (oldest != null) {
      evicted.incrementAndGet();
      oldest.connection.close();
    }
    connection.closeFuture().addListener(closed -> {
      held.remove(client, accepted);
      synchronized (neverCalled) {
        neverCalled.remove(client, accepted);
        if (accepted.counted) {
          accepted.counted = false;
          open--;
        }
      }
    });
    context.fireChannelRead(connection);
  }
}
