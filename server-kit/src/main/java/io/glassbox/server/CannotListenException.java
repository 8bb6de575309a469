package io.glassbox.server;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A server's port that the operating system refused for a reason other than another process
 * holding it ({@link PortInUseException}), in the system's own words, with the port, the address
 * and the settings that chose them: "cannot listen on port 80 (GLASSBOX_METRICS_PORT) on 127.0.0.1:
 * Permission denied" (a port below 1024 to a user that is not root, as the containers run), or,
 * when the address is what is wrong, "cannot listen on 203.0.113.1 (GLASSBOX_ADMIN_BIND_ADDRESS),
 * port 50063 (GLASSBOX_MODEL_ADMIN_PORT): Cannot assign requested address".
 */
public final class CannotListenException extends ListenRefusedException {
  /** Where Linux says the first port a user that is not root may listen on (1024 where it says nothing). */
  private static final Path UNPRIVILEGED_PORT_START = Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start");
  /** What Netty's epoll transport puts before the system's words: "bind(..) failed with error(-13): ". */
  private static final Pattern NATIVE_PREFIX = Pattern.compile("^bind\\(\\.\\.\\) failed( with error\\(-?\\d+\\))?: ");

  private final String address;
  private final String addressSetting;
  private final Blame blame;

  private CannotListenException(int port, Optional<String> portSetting, String address, String addressSetting,
      Blame blame, Throwable cause) {
    super(message(port, portSetting, address, addressSetting, blame, systemsWords(cause)), port, portSetting, cause);
    this.address = address;
    this.addressSetting = addressSetting;
    this.blame = blame;
  }

  /** What a refusal is put down to. */
  private enum Blame { ADDRESS, PRIVILEGED_PORT, PORT }

  /**
   * What {@code failure}, listening on port {@code port} of {@code address} (a literal), is: a
   * {@link PortInUseException} or a {@link CannotListenException}, naming the settings that chose
   * them. It is decided from the address and the port, not from the system's words, which its
   * locale may translate: an address that is none of this host's is the address's fault; a port
   * below the first one a user that is not root may have (1024), to such a user, is refused for
   * that; any other bind failure is a port another process holds (the common case).
   */
  public static BindException of(IOException failure, String address, String addressSetting, int port,
      Optional<String> portSetting) {
    Blame blame;
    if (!ofThisHost(address)) {
      blame = Blame.ADDRESS;
    } else if (port > 0 && port < unprivilegedPortStart() && !root()) {
      blame = Blame.PRIVILEGED_PORT;
    } else if (ServiceStartup.addressInUse(failure) || isBindFailure(failure)) {
      return new PortInUseException(port, portSetting, address, failure);
    } else {
      blame = Blame.PORT;                  // not a bind failure: the system's words say what it is
    }
    return new CannotListenException(port, portSetting, address, addressSetting, blame, failure);
  }

  /** Whether {@code failure} or a cause is the JDK's or Netty's native transport's failure to bind. */
  private static boolean isBindFailure(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof BindException || (cause.getMessage() != null
          && NATIVE_PREFIX.matcher(cause.getMessage()).find())) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code address} (a literal) is the wildcard or one of this host's interfaces' addresses. */
  private static boolean ofThisHost(String address) {
    try {
      InetAddress inet = InetAddress.getByName(address);
      return inet.isAnyLocalAddress() || NetworkInterface.getByInetAddress(inet) != null;
    } catch (IOException e) {
      return true;                         // not known to be foreign: the port is blamed, as before
    }
  }

  private static int unprivilegedPortStart() {
    try {
      return Integer.parseInt(Files.readString(UNPRIVILEGED_PORT_START).trim());
    } catch (IOException | NumberFormatException e) {
      return 1024;
    }
  }

  private static boolean root() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /** {@inheritDoc} The address's setting stays, as nothing else chose it. */
  @Override
  public String withPortSetting(Optional<String> chosenBy) {
    return message(port(), chosenBy, address, addressSetting, blame, systemsWords(getCause()));
  }

  /** The port refused that {@code failure} or one of its causes is, if any. */
  public static Optional<CannotListenException> in(Throwable failure) {
    return in(failure, CannotListenException.class);
  }

  private static String message(int port, Optional<String> portSetting, String address, String addressSetting,
      Blame blame, String systemsWords) {
    String portSaid = portSaid(port, portSetting);
    return switch (blame) {
      case ADDRESS -> "cannot listen on " + address + " (" + addressSetting + "), " + portSaid + ": " + systemsWords;
      case PRIVILEGED_PORT -> "cannot listen on " + portSaid + " on " + address + ": " + systemsWords
          + " (ports below " + unprivilegedPortStart() + " need root)";
      case PORT -> "cannot listen on " + portSaid + " on " + address + ": " + systemsWords;
    };
  }

  /** The innermost message: the system's, below Netty's "Failed to bind to address ...". */
  private static String systemsWords(Throwable failure) {
    String words = String.valueOf(failure.getMessage());
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause.getMessage() != null) {
        words = cause.getMessage();
      }
    }
    return NATIVE_PREFIX.matcher(words).replaceFirst("");
  }
}
