package io.glassbox.launcher;

import io.glassbox.server.ClientChannels;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Checks a {@code --target} the way the command's channel will read it, so that one gRPC cannot
 * read (a space, stray colons) is a usage error rather than the stack trace its URI parsing threw
 * when the command built that channel.
 */
final class TargetConverter implements CommandLine.ITypeConverter<String> {
  /** A target's port: the digits after the last colon of host:port, or of dns:///host:port's path. */
  private static final Pattern PORT = Pattern.compile(".*:(\\d+)");
  private static final int MAX_PORT = 65_535;

  @Override
  public String convert(String target) {
    try {
      // Building a channel parses the target; it connects to nothing until a call.
      ClientChannels.forTarget(target).shutdownNow();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException("'" + target
          + "' is not an address: give host:port (localhost:50051) or a gRPC target such as dns:///host:port");
    }
    // Building a channel does not read the port: 99999 failed only when resolved, with a stack
    // trace on a gRPC thread and a wait for a connection that could never be.
    String hostPort = target.startsWith("dns:") ? target.substring(target.lastIndexOf('/') + 1)
        : target.contains("/") ? "" : target;   // another scheme's target (unix:) has no port to check
    Matcher port = PORT.matcher(hostPort);
    if (!hostPort.isEmpty() && !port.matches()) {
      // gRPC takes one without a port for 443 (HTTPS's), which no server of the suite listens on.
      throw new CommandLine.TypeConversionException("'" + target + "' is not an address: it has no port;"
          + " give host:port (localhost:50051)");
    }
    // Leading zeros are the same port (localhost:000050051 is 50051): only the digits after them count.
    String digits = port.matches() ? port.group(1).replaceFirst("^0+(?=\\d)", "") : "";
    if (port.matches() && (digits.length() > 5 || Integer.parseInt(digits) < 1 || Integer.parseInt(digits) > MAX_PORT)) {
      throw new CommandLine.TypeConversionException("'" + target + "' is not an address: its port "
          + port.group(1) + " is not 1.." + MAX_PORT);
    }
    return target;
  }
}
