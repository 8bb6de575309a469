package io.glassbox.model;

/** Recent-purchase counts were taken over another window than the version's trend term uses. */
public final class TrendWindowMismatchException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TrendWindowMismatchException(String message) {
    super(message);
  }
}
