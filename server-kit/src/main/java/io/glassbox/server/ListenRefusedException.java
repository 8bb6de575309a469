package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import java.net.BindException;
import java.util.Optional;

/**
 * A server's port that the operating system would not let it listen on, said with the setting
 * that chose the port: held by another process ({@link PortInUseException}), or refused for
 * another reason ({@link CannotListenException}).
 */
public abstract sealed class ListenRefusedException extends BindException
    permits CannotListenException, PortInUseException {
  private final int port;
  private final Optional<String> portSetting;

  ListenRefusedException(String message, int port, Optional<String> portSetting, Throwable cause) {
    super(message);
    this.port = port;
    this.portSetting = requireNonNull(portSetting, "portSetting");
    initCause(cause);
  }

  /** The port refused. */
  public int port() {
    return port;
  }

  /** The variable that chose the port, where one did. */
  public Optional<String> portSetting() {
    return portSetting;
  }

  /**
   * The message with {@code chosenBy} where the port's setting was, for a caller that chose the
   * port another way (the launcher's {@code up --metrics-port}), where the service's variable is
   * not what to change; empty names nothing.
   */
  public abstract String withPortSetting(Optional<String> chosenBy);

  /** "port 80 (GLASSBOX_METRICS_PORT)", or "port 80" where no setting chose it. */
  static String portSaid(int port, Optional<String> portSetting) {
    return "port " + port + requireNonNull(portSetting, "portSetting").map(key -> " (" + key + ")").orElse("");
  }

  /** The refusal of {@code kind} that {@code failure} or one of its causes is, if any. */
  static <T extends ListenRefusedException> Optional<T> in(Throwable failure, Class<T> kind) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (kind.isInstance(cause)) {
        return Optional.of(kind.cast(cause));
      }
    }
    return Optional.empty();
  }
}
