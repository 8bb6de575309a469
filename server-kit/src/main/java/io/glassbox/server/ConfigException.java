package io.glassbox.server;

import java.io.IOException;

/** A setting is missing or malformed; the message names the key and says what is expected. */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  /** The file a setting names cannot be read: {@code KEY=file cannot be read: file: no such file}. */
  static ConfigException unreadable(String key, Object file, IOException e) {
    return new ConfigException(key + "=" + file + " cannot be read: " + ReadFailures.describe(e));
  }
}
