package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * A server's port that another process holds, said so that the operator knows what to change:
 * "port 53512 (GLASSBOX_METRICS_PORT) on 127.0.0.1 is held by another process".
 */
public final class PortInUseException extends ListenRefusedException {
  private final String address;

  /**
   * {@code port} on {@code address} (its literal) is held, as {@code cause} says; {@code portSetting}
   * is the variable that chose the port, where one did.
   */
  public PortInUseException(int port, Optional<String> portSetting, String address, Throwable cause) {
    super(message(port, portSetting, address), port, portSetting, cause);
    this.address = address;
  }

  @Override
  public String withPortSetting(Optional<String> chosenBy) {
    return message(port(), chosenBy, address);
  }

  private static String message(int port, Optional<String> portSetting, String address) {
    return portSaid(port, portSetting) + " on " + requireNonNull(address, "address") + " is held by another process";
  }

  /** The port in use that {@code failure} or one of its causes is, if any. */
  public static Optional<PortInUseException> in(Throwable failure) {
    return in(failure, PortInUseException.class);
  }
}
