package io.glassbox.feature;

/**
 * An import stopped between two batches because its caller went away (its deadline passed, or it
 * cancelled): the batches stored before stay, and the same import again stores the rest (each
 * row's event id comes from its content, an item is replaced by itself), none twice.
 */
final class ImportStoppedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The rows of the file, and what was stored of them before it stopped. */
  private final transient CsvImport.Result storedSoFar;

  ImportStoppedException(CsvImport.Result storedSoFar) {
    super((storedSoFar.stored() + storedSoFar.duplicates()) + " of " + storedSoFar.rows() + " rows handled");
    this.storedSoFar = storedSoFar;
  }

  CsvImport.Result storedSoFar() {
    return storedSoFar;
  }
}
