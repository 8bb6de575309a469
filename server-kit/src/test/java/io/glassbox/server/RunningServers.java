package io.glassbox.server;

import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The servers and channels a test started, closed together: the channels, then the servers, last
 * started first (so a service stops before the ones it calls).
 */
public final class RunningServers implements AutoCloseable {
  private final List<GrpcServer> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  /** Registers {@code server}; returns it. */
  public GrpcServer keep(GrpcServer server) {
    servers.add(server);
    return server;
  }

  /** A channel to {@code target} (as {@link ClientChannels#forTarget}), closed with the servers. */
  public ManagedChannel channel(String target) {
    ManagedChannel channel = ClientChannels.forTarget(target);
    channels.add(channel);
    return channel;
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    for (int i = servers.size() - 1; i >= 0; i--) {
      servers.get(i).close();
    }
  }
}
