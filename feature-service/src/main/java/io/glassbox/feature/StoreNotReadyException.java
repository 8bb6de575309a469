package io.glassbox.feature;

/** The store has not finished loading its dataset; callers should retry later. */
public final class StoreNotReadyException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public StoreNotReadyException() {
    super("the feature store is still loading its dataset");
  }
}
