package io.glassbox.launcher;

import io.glassbox.feature.DatasetReader;
import io.glassbox.feature.LocalTimeZone;
import java.nio.file.Path;
import java.util.List;

/**
 * The example customers of a data folder: those of its first {@value #SCAN_ROWS} interactions
 * whose answers show every kind of reason ({@link DatasetReader#exampleUsers}). {@code up} gives
 * them to the viewer ({@link UpCommand#examplesFromOwnData}); {@code train} prints them for a
 * container's gateway, which does not see the data.
 */
final class ExampleCustomers {
  static final int COUNT = 5;
  static final int SCAN_ROWS = 50_000;

  private ExampleCustomers() {}

  /**
   * Each one the viewer's comma-separated setting can list (the reader refuses a folder with an id
   * no request would take); none when the folder cannot be read. {@code timeZone}: the name of the
   * zone of the folder's times without an offset ({@value LocalTimeZone#DATA_FOLDER_SETTING}), or
   * empty.
   */
  static List<String> of(Path dataDir, String timeZone) {
    try {
      return new DatasetReader(dataDir, LocalTimeZone.named(timeZone, LocalTimeZone.DATA_FOLDER_SETTING))
          .exampleUsers(COUNT, SCAN_ROWS).stream()
          .filter(user -> !user.contains(","))
          .toList();
    } catch (RuntimeException unreadable) {
      return List.of();
    }
  }
}
