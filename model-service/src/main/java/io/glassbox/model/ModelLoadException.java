package io.glassbox.model;

/**
 * A version folder exists but does not hold a loadable model. The message says why in words an
 * operator can act on, without internal paths (a client of ReloadModel sees it). At start it names
 * the folder and how to start anyway: the operator reads it (see
 * {@link ModelRegistry#loadConfiguredVersion}).
 */
public final class ModelLoadException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
