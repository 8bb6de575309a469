package io.glassbox.feature;

/** An import exceeds a size limit (rows, bytes, line length); nothing was stored. */
final class ImportTooLargeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ImportTooLargeException(String message) {
    super(message);
  }
}
