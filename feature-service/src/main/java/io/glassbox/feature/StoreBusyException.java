package io.glassbox.feature;

/**
 * A write waited its bound for one of the slots that bound this replica's writes in the store's
 * backend at once, and got none: the backend is busy with this replica's other writes. Nothing was
 * sent, so nothing was stored; resending later is safe.
 */
public final class StoreBusyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreBusyException(String message) {
    super(message);
  }
}
