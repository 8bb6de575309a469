package io.glassbox.launcher;

import io.glassbox.server.ClientChannels;
import picocli.CommandLine;

/**
 * Checks a {@code --target} the way the command's channel will read it, so that one gRPC cannot
 * read (a space, stray colons) is a usage error rather than the stack trace its URI parsing threw
 * when the command built that channel.
 */
final class TargetConverter implements CommandLine.ITypeConverter<String> {
  @Override
  public String convert(String target) {
    try {
      // Building a channel parses the target; it connects to nothing until a call.
      ClientChannels.forTarget(target).shutdownNow();
      return target;
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException("'" + target
          + "' is not an address: give host:port (localhost:50051) or a gRPC target such as dns:///host:port");
    }
  }
}
