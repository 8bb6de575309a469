package io.glassbox.feature;

/**
 * An import stopped between two batches because its caller went away (its deadline passed, or it
 * cancelled) or the store filled up ({@link #storeFull}): the batches stored before stay, and the
 * same import again stores the rest (each row's event id comes from its content, an item is
 * replaced by itself), none twice. Or it stopped while its rows were still being checked, its
 * caller gone ({@link #checking}): nothing was stored.
 */
final class ImportStoppedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The rows of the file (those checked, when stopped checking), and what was stored of them before it stopped. */
  private final transient CsvImport.Result storedSoFar;
  private final boolean checking;

  ImportStoppedException(CsvImport.Result storedSoFar) {
    this((storedSoFar.stored() + storedSoFar.duplicates()) + " of " + storedSoFar.rows() + " rows handled",
        storedSoFar, false);
  }

  /** Stopped because the store filled up, {@code full}. */
  ImportStoppedException(CsvImport.Result storedSoFar, StoreFullException full) {
    this(storedSoFar);
    initCause(full);
  }

  private ImportStoppedException(String message, CsvImport.Result storedSoFar, boolean checking) {
    super(message);
    this.storedSoFar = storedSoFar;
    this.checking = checking;
  }

  /** Stopped, its caller gone, after checking {@code rows} rows of the file {@code name}: nothing was stored. */
  static ImportStoppedException checking(String name, long rows) {
    return new ImportStoppedException(rows + " rows of " + name + " checked, nothing stored",
        new CsvImport.Result(rows, 0, 0), true);
  }

  /** Whether the store filled up (else the caller went away). */
  boolean storeFull() {
    return getCause() instanceof StoreFullException;
  }

  /** Whether it stopped before storing anything, while the rows were checked. */
  boolean checking() {
    return checking;
  }

  CsvImport.Result storedSoFar() {
    return storedSoFar;
  }
}
