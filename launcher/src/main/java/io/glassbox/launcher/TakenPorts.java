package io.glassbox.launcher;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.Retries;
import io.glassbox.server.ServiceStartup;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The ports {@code up} will listen on that another process already holds, found before anything
 * starts: the suite loads its data and model before the gateway binds its port, so a taken
 * gateway port was else found only after all of that, and said as if the suite were up there.
 */
final class TakenPorts {
  /** How long a taken gateway port is given to say that it is a Glassbox gateway. */
  private static final long PROBE_SECONDS = 3;

  private TakenPorts() {}

  /**
   * A port {@code up} will listen on: {@code port} on {@code address} (a literal), chosen by
   * {@code chosenBy} (an option of up's, or the variable that set it).
   */
  record Wanted(int port, String address, String chosenBy) {}

  /**
   * Those of {@code wanted} that cannot be listened on because another process holds them, in
   * order; a port of 0 (any free one) is never taken. A port refused for another reason (an
   * address not of this host, a port below 1024) is not one: the service that binds it says why.
   */
  static List<Wanted> of(List<Wanted> wanted) {
    List<Wanted> taken = new ArrayList<>();
    for (Wanted port : wanted) {
      if (port.port() != 0 && held(port)) {
        taken.add(port);
      }
    }
    return taken;
  }

  private static boolean held(Wanted port) {
    // As the suite's servers bind: the JDK's HTTP servers and Netty reuse an address, so a port
    // of a closed connection still waiting (TIME_WAIT) is free to them, and so to this check.
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(port.address()), port.port()), 1);
      return false;
    } catch (IOException | RuntimeException e) {
      return ServiceStartup.addressInUse(e);
    }
  }

  /**
   * Whether a Glassbox gateway answers on {@code port} of localhost, asked with the suite's own
   * client settings (its key and TLS files): its server reflection lists the Gateway service.
   */
  static boolean glassboxGatewayAt(int port, ClientSettings settings) throws InterruptedException {
    ManagedChannel channel = ClientChannels.forTarget("localhost:" + port, settings, Retries.none());
    try {
      Optional<List<String>> services = new ReflectedServices(channel,
          Deadline.after(PROBE_SECONDS, TimeUnit.SECONDS)).list();
      return services.map(names -> names.contains(GatewayGrpc.SERVICE_NAME)).orElse(false);
    } catch (StatusRuntimeException notOne) {
      return false;
    } finally {
      channel.shutdownNow();
    }
  }

  /** "port 50051 (--gateway-port) on 127.0.0.1", as a taken port is said. */
  static String said(Wanted port) {
    return "port " + port.port() + " (" + port.chosenBy() + ") on " + port.address();
  }
}
