package io.glassbox.server;

/** A setting is missing or malformed; the message names the key and says what is expected. */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
