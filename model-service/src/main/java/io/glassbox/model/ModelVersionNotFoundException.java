package io.glassbox.model;

/** The requested version folder (or any version folder, for "newest") does not exist. */
public final class ModelVersionNotFoundException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelVersionNotFoundException(String message) {
    super(message);
  }
}
