package io.glassbox.model;

/** No model version is serving yet (or any more, after shutdown). */
public final class ModelNotLoadedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelNotLoadedException() {
    super("no model is loaded yet");
  }
}
