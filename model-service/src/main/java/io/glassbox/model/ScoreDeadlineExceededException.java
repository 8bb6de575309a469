package io.glassbox.model;

/** The call's deadline passed before its inference ran or finished (DEADLINE_EXCEEDED). */
public final class ScoreDeadlineExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ScoreDeadlineExceededException(String message) {
    super(message);
  }
}
