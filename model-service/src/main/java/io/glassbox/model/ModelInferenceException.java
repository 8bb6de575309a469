package io.glassbox.model;

/** ONNX Runtime failed on a request that passed validation; a server-side fault. */
public final class ModelInferenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelInferenceException(String message, Throwable cause) {
    super(message, cause);
  }
}
