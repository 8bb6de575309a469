package io.glassbox.launcher;

import io.glassbox.server.ClientChannels;
import io.grpc.NameResolverRegistry;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import picocli.CommandLine;

/**
 * Checks a {@code --target} the way the command's channel will read it, so that one gRPC cannot
 * read (a space, stray colons) is a usage error rather than the stack trace its URI parsing threw
 * when the command built that channel.
 */
final class TargetConverter implements CommandLine.ITypeConverter<String> {
  private static final String DNS_SCHEME = "dns";
  private static final int MAX_PORT = 65_535;

  @Override
  public String convert(String target) {
    try {
      // Building a channel parses the target; it connects to nothing until a call.
      ClientChannels.forTarget(target).shutdownNow();
    } catch (IllegalArgumentException e) {
      throw notAnAddress(target);
    }
    Optional<String> name = dnsName(target);
    if (name.isEmpty()) {
      return target;   // another scheme's target (unix:) has no port to check
    }
    // Building a channel does not read the port: 99999 failed only when resolved, with a stack
    // trace on a gRPC thread and a wait for a connection that could never be. Read as gRPC's DNS
    // resolver reads it, so that a path after it (localhost:99999/) hides nothing.
    URI hostPort;
    try {
      hostPort = URI.create("//" + name.get());
    } catch (IllegalArgumentException e) {
      throw notAnAddress(target);
    }
    if (hostPort.getPort() == -1) {
      // gRPC takes one without a port for 443 (HTTPS's), which no server of the suite listens on.
      throw new CommandLine.TypeConversionException("'" + target + "' is not an address: it has no port;"
          + " give host:port (localhost:50051)");
    }
    // Leading zeros are the same port (localhost:000050051 is 50051), as getPort reads it.
    if (hostPort.getPort() < 1 || hostPort.getPort() > MAX_PORT) {
      String authority = hostPort.getRawAuthority();
      throw new CommandLine.TypeConversionException("'" + target + "' is not an address: its port "
          + authority.substring(authority.lastIndexOf(':') + 1) + " is not 1.." + MAX_PORT);
    }
    return target;
  }

  /**
   * The host[:port] gRPC's DNS resolver reads in {@code target}: the path of dns:///name without its
   * leading "/", else the target itself (gRPC takes localhost:50051 as dns:///localhost:50051);
   * empty for the target of another scheme gRPC has a resolver for (unix:relative.sock, unix:///path;
   * unix only where Netty has epoll or kqueue), which gRPC reads as is. As gRPC tells them apart: by
   * the scheme of the target read as a URI, if one is registered.
   */
  static Optional<String> dnsName(String target) {
    URI uri;
    try {
      uri = new URI(target);
    } catch (URISyntaxException e) {
      return Optional.of(target);   // [::1]:50051 is no URI: gRPC takes it as a host name too
    }
    String scheme = uri.getScheme();
    if (scheme == null || NameResolverRegistry.getDefaultRegistry().getProviderForScheme(scheme) == null) {
      return Optional.of(target);   // localhost:50051 reads as scheme "localhost", which has no resolver
    }
    if (!scheme.equals(DNS_SCHEME)) {
      return Optional.empty();
    }
    String path = uri.getPath();
    return Optional.of(path == null ? uri.getSchemeSpecificPart() : path.replaceFirst("^/", ""));
  }

  private static CommandLine.TypeConversionException notAnAddress(String target) {
    return new CommandLine.TypeConversionException("'" + target
        + "' is not an address: give host:port (localhost:50051) or a gRPC target such as dns:///host:port");
  }
}
