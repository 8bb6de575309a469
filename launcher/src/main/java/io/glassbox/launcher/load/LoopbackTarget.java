package io.glassbox.launcher.load;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The load tool only loads the machine it runs on: a target must be {@code host:port} or
 * {@code dns:///host:port} whose host resolves to loopback addresses only.
 */
public final class LoopbackTarget {
  private static final Pattern HOST_PORT = Pattern.compile("^(?:dns:///)?(\\[[0-9a-fA-F:.]+]|[^:/\\[\\]]+):(\\d{1,5})$");

  private LoopbackTarget() {}

  /** Returns {@code target} unchanged, or throws {@link IllegalArgumentException} saying why not. */
  public static String require(String target) {
    Matcher m = HOST_PORT.matcher(target);
    if (!m.matches()) {
      throw new IllegalArgumentException("target must be host:port or dns:///host:port, got '" + target + "'");
    }
    int port = Integer.parseInt(m.group(2));
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("target port must be 1 to 65535, got " + port);
    }
    String host = m.group(1).startsWith("[") ? m.group(1).substring(1, m.group(1).length() - 1) : m.group(1);
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("target host '" + host + "' does not resolve");
    }
    for (InetAddress address : addresses) {
      if (!address.isLoopbackAddress()) {
        throw new IllegalArgumentException("the load tool only targets this machine (loopback); '"
            + host + "' resolves to " + address.getHostAddress());
      }
    }
    return target;
  }
}
