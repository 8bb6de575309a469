package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How a --target's port is read: as gRPC reads it, and never left out. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TargetPortTest {
  /** Without a port gRPC called 443, where no server of the suite listens, and said nothing answered. */
  @Test
  void target_withoutAPort_isAUsageError() {
    for (String target : List.of("localhost", "dns:///localhost", "[::1]", "localhost:")) {
      CliRun run = CliRun.of("health", "--target", target);

      assertEquals(2, run.exit(), target + ": " + run.err());
      assertTrue(run.err().startsWith("Invalid value for option '--target': '" + target + "' is not an address:"
          + " it has no port; give host:port (localhost:50051)\n"), run.err());
    }
  }

  /**
   * A path after the address (localhost:99999/, dns:///localhost/) hid it from the checks: gRPC
   * then read the target itself, printed a stack trace for port 99999 and waited 10 s for a
   * connection, or called 443 for none and said nothing answered.
   */
  @Test
  void target_withAPath_hasItsPortChecked() {
    for (String target : List.of("localhost:99999/", "dns:///localhost:99999/", "127.0.0.1:0/x")) {
      CliRun run = CliRun.of("health", "--target", target);

      assertEquals(2, run.exit(), target + ": " + run.err());
      assertTrue(run.err().startsWith("Invalid value for option '--target': '" + target + "' is not an address:"
          + " its port " + target.replaceAll(".*:(\\d+).*", "$1") + " is not 1..65535\n"), run.err());
    }
    for (String target : List.of("localhost/", "dns:///localhost/", "dns:///localhost:/")) {
      CliRun run = CliRun.of("health", "--target", target);

      assertEquals(2, run.exit(), target + ": " + run.err());
      assertTrue(run.err().startsWith("Invalid value for option '--target': '" + target + "' is not an address:"
          + " it has no port; give host:port (localhost:50051)\n"), run.err());
    }
  }

  /**
   * A target of another scheme gRPC resolves, such as unix:relative.sock, has no port to check. It
   * was refused as "it has no port; give host:port", though gRPC connects to it.
   */
  @Test
  void target_unixSocketRelativePath_isTakenAsIs() throws IOException, InterruptedException {
    Path socket = Files.createTempDirectory(Path.of("target"), "uds").resolve("health.sock");
    EventLoopGroup loop = new EpollEventLoopGroup(1);
    HealthStatusManager health = new HealthStatusManager();
    Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(loop).workerEventLoopGroup(loop)
        .addService(health.getHealthService()).build().start();
    try {
      String target = "unix:" + socket;

      CliRun run = CliRun.of("health", "--target", target);

      assertEquals(0, run.exit(), run.err());
      assertEquals(target + " is SERVING\n", run.out());
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      loop.shutdownGracefully().await(5, TimeUnit.SECONDS);
      Files.deleteIfExists(socket);
      Files.delete(socket.getParent());
    }
  }

  /** Leading zeros are the same port, as gRPC reads it: localhost:000050051 was refused as "not 1..65535". */
  @Test
  void target_portWithLeadingZeros_isThatPort() throws IOException, InterruptedException {
    HealthStatusManager health = new HealthStatusManager();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(health.getHealthService()).build().start();
    try {
      String target = "localhost:0000" + server.getPort();

      CliRun run = CliRun.of("health", "--target", target);

      assertEquals(0, run.exit(), run.err());
      assertEquals(target + " is SERVING\n", run.out());
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
