package io.glassbox.model;

/** The batching queue is full; the call should be retried later (RESOURCE_EXHAUSTED). */
public final class ScoreQueueFullException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ScoreQueueFullException(String message) {
    super(message);
  }
}
