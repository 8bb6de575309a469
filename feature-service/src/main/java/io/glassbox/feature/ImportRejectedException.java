package io.glassbox.feature;

import java.util.List;

/** An import file has invalid rows (or is not a valid CSV); nothing was stored. */
final class ImportRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Problems named one by one, at most this many. */
  static final int MAX_NAMED = 20;

  ImportRejectedException(String file, long invalidRows, List<String> named) {
    super(describe(file, invalidRows, named));
  }

  private static String describe(String file, long invalidRows, List<String> named) {
    StringBuilder text = new StringBuilder()
        .append(file).append(": ").append(invalidRows).append(invalidRows == 1 ? " row is" : " rows are")
        .append(" invalid, nothing was stored: ").append(String.join("; ", named));
    if (invalidRows > named.size()) {
      text.append("; and ").append(invalidRows - named.size()).append(" more");
    }
    return text.toString();
  }
}
