package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import java.net.BindException;
import java.util.Optional;

/**
 * A server's port that another process holds, said so that the operator knows what to change:
 * "port 53512 (GLASSBOX_METRICS_PORT) on 127.0.0.1 is held by another process".
 */
public final class PortInUseException extends BindException {
  private final String withoutSetting;

  /**
   * {@code port} on {@code address} (its literal) is held, as {@code cause} says; {@code setting} is
   * the variable that chose the port, where one did.
   */
  public PortInUseException(int port, Optional<String> setting, String address, Throwable cause) {
    super("port " + port + requireNonNull(setting, "setting").map(key -> " (" + key + ")").orElse("")
        + " on " + requireNonNull(address, "address") + " is held by another process");
    this.withoutSetting = "port " + port + " on " + address + " is held by another process";
    initCause(cause);
  }

  /**
   * The message without the setting, for a caller that chose the port another way (the
   * launcher's {@code up --feature-port}), where the service's variable is not what to change.
   */
  public String withoutSetting() {
    return withoutSetting;
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
