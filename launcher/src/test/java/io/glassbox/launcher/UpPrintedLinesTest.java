package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.server.ConfigSource;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lines {@code up} prints for a person to act on: the command to try runs from the folder up
 * was started in.
 */
class UpPrintedLinesTest {
  /** The folder these tests run in, as a caller's folder: bin/glassbox runs Java in the caller's. */
  private static final Path HERE = Path.of("").toAbsolutePath();

  private static String tryLine(Path home) {
    return UpCommand.firstCommand(ConfigSource.of(Map.of(ConfigSource.HOME_KEY, home.toString())),
        UpCommand.DEFAULT_GATEWAY_PORT);
  }

  @Test
  void startedFromTheInstallationsRoot_theCommandIsRelative() {
    assertEquals("bin/glassbox recommend --user 12348", tryLine(HERE));
  }

  @Test
  void startedFromAFolderAboveTheRoot_theCommandIsRelativeToIt() {
    assertEquals("shop/glassbox/bin/glassbox recommend --user 12348", tryLine(HERE.resolve("shop/glassbox")));
  }

  @Test
  void startedFromAnotherFolder_theCommandIsAbsolute(@TempDir Path installation) {
    assertEquals(installation + "/bin/glassbox recommend --user 12348", tryLine(installation));
    Path spaced = installation.resolve("my glassbox");
    assertEquals("'" + spaced + "/bin/glassbox' recommend --user 12348", tryLine(spaced));
  }
}
