package io.glassbox.server;

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
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Holds a server to {@link ConnectionLimits#maxConnections} open connections: a connection past
 * it is closed as soon as it is accepted, before a byte of it is read, so a flood of connections
 * costs the process no more than that many open files, and the connections already open keep
 * working. gRPC has no such limit of its own (grpc-java #1886), so it sits in front of the
 * server socket's acceptor; gRPC then needs the event loops from us too ({@link #eventLoops}).
 */
@ChannelHandler.Sharable
final class ConnectionCap extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ConnectionCap.class);
  /** A flood refuses thousands a second: one warning a minute says how many. */
  private static final Duration WARNING_INTERVAL = Duration.ofMinutes(1);
  static final String OPEN_GAUGE = "glassbox_connections_open";
  static final String REFUSED_COUNTER = "glassbox_connections_refused";

  private final String server;
  private final int maxConnections;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();
  private final WarningLimiter warnings = new WarningLimiter(WARNING_INTERVAL);

  ConnectionCap(String server, int maxConnections) {
    this.server = server;
    this.maxConnections = maxConnections;
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

  /** Event loops matching {@link #channelFactory}, on {@code threads} daemon threads named after the server. */
  EventLoopGroup eventLoops(int threads) {
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(server + "-netty", true),
        Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  /** {@value #OPEN_GAUGE} and {@value #REFUSED_COUNTER}{@code _total} on {@code /metrics}. */
  void registerMetrics(PrometheusRegistry registry) {
    GaugeWithCallback.builder().name(OPEN_GAUGE)
        .help("Client connections the server holds open now, handshakes included")
        .callback(gauge -> gauge.call(open.get()))
        .register(registry);
    CounterWithCallback.builder().name(REFUSED_COUNTER)
        .help("Connections closed as soon as they were accepted: the server held its limit of connections")
        .callback(counter -> counter.call(refused.get()))
        .register(registry);
  }

  @Override
  public void channelRead(ChannelHandlerContext context, Object message) {
    Channel connection = (Channel) message;
    if (open.incrementAndGet() > maxConnections) {
      open.decrementAndGet();
      refused.incrementAndGet();
      // Not yet registered with an event loop: closed here, as Netty's acceptor closes one it cannot register.
      connection.unsafe().closeForcibly();
      warnings.log(log, Level.WARN, "{} closed a new connection from {}: it holds its limit of {} connections ({})",
          server, connection.remoteAddress(), maxConnections, ConnectionLimits.MAX_CONNECTIONS_KEY);
      return;
    }
    connection.closeFuture().addListener(closed -> open.decrementAndGet());
    context.fireChannelRead(connection);
  }
}
