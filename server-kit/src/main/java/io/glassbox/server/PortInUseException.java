package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import java.net.BindException;
import java.util.Optional;

/**
 * A server's port that another process holds, said so that the operator knows what to change:
 * "port 53512 (GLASSBOX_METRICS_PORT) on 127.0.0.1 is held by another process".
 */
public final class PortInUseException extends BindException {
  private final int port;
  private final Optional<String> setting;
  private final String address;

  /**
   * {@code port} on {@code address} (its literal) is held, as {@code cause} says; {@code setting} is
   * the variable that chose the port, where one did.
   */
  public PortInUseException(int port, Optional<String> setting, String address, Throwable cause) {
    super(message(port, setting, address));
    this.port = port;
    this.setting = setting;
    this.address = address;
    initCause(cause);
  }

  /** The port held. */
  public int port() {
    return port;
  }

  /** The variable that chose the port, where one did. */
  public Optional<String> setting() {
    return setting;
  }

  /**
   * The message with {@code chosenBy} where the setting was, for a caller that chose the port
   * another way (the launcher's {@code up --metrics-port}), where the service's variable is not
   * what to change; empty names nothing.
   */
  public String withSetting(Optional<String> chosenBy) {
    return message(port, chosenBy, address);
  }

  private static String message(int port, Optional<String> setting, String address) {
    return "port " + port + requireNonNull(setting, "setting").map(key -> " (" + key + ")").orElse("")
        + " on " + requireNonNull(address, "address") + " is held by another process";
  }

  /** The port in use that {@code failure} or one of its causes is, if any. */
  public static Optional<PortInUseException> in(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof PortInUseException inUse) {
        return Optional.of(inUse);
      }
    }
    return Optional.empty();
  }
}
