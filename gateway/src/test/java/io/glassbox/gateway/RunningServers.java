package io.glassbox.gateway;

import io.glassbox.server.ClientChannels;
import io.glassbox.server.GrpcServer;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;

/** The servers and channels a real-suite test started, closed together: channels, then servers, last first. */
final class RunningServers implements AutoCloseable {
  private final List<GrpcServer> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  GrpcServer keep(GrpcServer server) {
    servers.add(server);
    return server;
  }

  ManagedChannel channel(String target) {
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
