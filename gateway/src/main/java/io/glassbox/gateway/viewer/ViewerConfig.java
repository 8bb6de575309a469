package io.glassbox.gateway.viewer;

import static java.util.Objects.requireNonNull;

import com.google.common.net.InetAddresses;
import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.RequestChecks;
import java.net.InetAddress;
import java.util.List;

/**
 * Settings of the explanation viewer, read once at start. Defaults and validation live here.
 *
 * @param bindAddress the address the page listens on ({@value #BIND_ADDRESS_KEY}, default
 *     {@value #DEFAULT_BIND_ADDRESS}; the same address every Glassbox server binds)
 * @param port the page's TCP port ({@value #PORT_KEY}, default {@value #DEFAULT_PORT}); 0 disables
 *     the viewer (no HTTP listener at all)
 * @param exampleUsers user ids offered as one-click examples on the page
 *     ({@value #EXAMPLE_USERS_KEY}, comma-separated, at most {@value #MAX_EXAMPLE_USERS}; default:
 *     customers of the embedded dataset with long purchase histories)
 */
public record ViewerConfig(InetAddress bindAddress, int port, List<String> exampleUsers) {
  public static final String BIND_ADDRESS_KEY = "GLASSBOX_BIND_ADDRESS";
  public static final String PORT_KEY = "GLASSBOX_GATEWAY_HTTP_PORT";
  public static final String EXAMPLE_USERS_KEY = "GLASSBOX_VIEWER_EXAMPLE_USERS";

  public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  /** Real customers of the embedded UCI Online Retail data with long purchase histories. */
  public static final String DEFAULT_EXAMPLE_USERS = "12348,12347,14911,17841,13089";
  static final int MAX_EXAMPLE_USERS = 20;

  public ViewerConfig {
    requireNonNull(bindAddress, "bindAddress");
    exampleUsers = List.copyOf(exampleUsers);
    if (port < 0 || port > 65535) {
      throw new ConfigException(PORT_KEY + " must be 0..65535, got " + port);
    }
  }

  /** Whether the viewer listens at all ({@value #PORT_KEY} is not 0). */
  public boolean enabled() {
    return port != 0;
  }

  /** Reads the settings, applying the defaults above; fails with the key of a bad value. */
  public static ViewerConfig load(ConfigSource source) {
    return new ViewerConfig(
        address(source.getString(BIND_ADDRESS_KEY, DEFAULT_BIND_ADDRESS)),
        source.getPort(PORT_KEY, DEFAULT_PORT),
        exampleUsers(source.getList(EXAMPLE_USERS_KEY, DEFAULT_EXAMPLE_USERS)));
  }

  /** A literal IP address; host names are refused so that start-up never waits on DNS. */
  private static InetAddress address(String text) {
    try {
      return InetAddresses.forString(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(BIND_ADDRESS_KEY + " must be an IP address such as 127.0.0.1 or 0.0.0.0");
    }
  }

  private static List<String> exampleUsers(List<String> users) {
    if (users.size() > MAX_EXAMPLE_USERS) {
      throw new ConfigException(EXAMPLE_USERS_KEY + " must list at most " + MAX_EXAMPLE_USERS
          + " users, got " + users.size());
    }
    for (String user : users) {
      // The rule Recommend applies: an example it would refuse could never be shown.
      String problem = RequestChecks.idProblem(user);
      if (problem != null) {
        throw new ConfigException(EXAMPLE_USERS_KEY + ": each user id" + problem);
      }
    }
    return users;
  }
}
