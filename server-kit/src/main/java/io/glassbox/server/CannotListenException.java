package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import java.net.BindException;
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
public final class CannotListenException extends BindException {
  /** Linux's and macOS's words for an address that is none of this host's (EADDRNOTAVAIL). */
  private static final Pattern NOT_THIS_HOSTS = Pattern.compile("(?i)(cannot|can't) assign requested address");
  /** What Netty's epoll transport puts before the system's words: "bind(..) failed with error(-13): ". */
  private static final Pattern NATIVE_PREFIX = Pattern.compile("^bind\\(\\.\\.\\) failed( with error\\(-?\\d+\\))?: ");

  private final String withoutPortSetting;

  CannotListenException(int port, Optional<String> portSetting, String address, String addressSetting, Throwable cause) {
    super(message(port, portSetting, address, addressSetting, systemsWords(cause)));
    this.withoutPortSetting = message(port, Optional.empty(), address, addressSetting, systemsWords(cause));
    initCause(cause);
  }

  /**
   * The message without the port's setting, for a caller that chose the port another way (the
   * launcher's {@code up --metrics-port}); the address's setting stays, as nothing else chose it.
   */
  public String withoutPortSetting() {
    return withoutPortSetting;
  }

  /** The port refused that {@code failure} or one of its causes is, if any. */
  public static Optional<CannotListenException> in(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof CannotListenException refused) {
        return Optional.of(refused);
      }
    }
    return Optional.empty();
  }

  private static String message(int port, Optional<String> portSetting, String address, String addressSetting,
      String systemsWords) {
    String portSaid = "port " + port + requireNonNull(portSetting, "portSetting").map(key -> " (" + key + ")").orElse("");
    return NOT_THIS_HOSTS.matcher(systemsWords).find()
        ? "cannot listen on " + address + " (" + addressSetting + "), " + portSaid + ": " + systemsWords
        : "cannot listen on " + portSaid + " on " + address + ": " + systemsWords;
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
