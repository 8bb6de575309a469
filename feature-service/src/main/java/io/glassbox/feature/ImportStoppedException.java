package io.glassbox.feature;

/**
 * An import stopped between two batches because its caller went away (its deadline passed, or it
 * cancelled) or the store filled up ({@link #storeFull}): the batches stored before stay, and the
 * same import again stores the rest (each row's event id comes from its content, an item is
 * replaced by itself), none twice.
 */
final class ImportStoppedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The rows of the file, and what was stored of them before it stopped. */
  private final transient CsvImport.Result storedSoFar;

  ImportStoppedException(CsvImport.Result storedSoFar) {
    super((storedSoFar.stored() + storedSoFar.duplicates()) + " of " + storedSoFar.rows() + " rows handled");
    this.storedSoFar = storedSoFar;
  }

  /** Stopped because the store filled up, {@code full}. */
  ImportStoppedException(CsvImport.Result storedSoFar, StoreFullException full) {
    this(storedSoFar);
    initCause(full);
  }

  /** Whether the store filled up (else the caller went away). */
  boolean storeFull() {
    return getCause() instanceof StoreFullException;
  }

  CsvImport.Result storedSoFar() {
    return storedSoFar;
  }
}
