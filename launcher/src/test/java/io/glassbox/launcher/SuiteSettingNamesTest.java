package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.LogCapture;
import io.glassbox.server.SettingNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that starts a suite warns, once, of a GLASSBOX_* name that is no setting: it would
 * otherwise run on the default it was meant to change. Each run here stops as soon as the suite
 * fails to start (a missing data folder), after the warning. That {@code up} warns once, with the
 * name really in its environment, is UnknownSettingsAtStartTest's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SuiteSettingNamesTest {
  private static final String MISSPELLED = "GLASSBOX_MODEL_DIRR";
  private static final String WARNING = MISSPELLED + " is no setting of Glassbox: did you mean GLASSBOX_MODEL_DIR?";

  @TempDir Path dir;

  @Test
  void evaluateExplanations_aMisspelledSetting_isWarnedOf() throws Exception {
    Path users = Files.writeString(dir.resolve("ids.txt"), "12347\n");
    EvaluateCommand evaluate = new EvaluateCommand();
    // The customers come from the file, so the missing data folder stops the suite, not the draw.
    evaluate.settings = () -> ConfigSource.of(Map.of(MISSPELLED, "mine", "GLASSBOX_DATA_DIR", dir.resolve("none").toString()));

    try (LogCapture logged = LogCapture.of(SettingNames.class, Level.WARN)) {
      CliRun run = CliRun.ofCommand(evaluate, "--users-file", users.toString(), "--users", "1");

      assertEquals(1, run.exit(), run.err());
      // Nothing was said: the run measured the shipped model.
      assertEquals(List.of(WARNING), warnings(logged));
    }
  }

  private static List<String> warnings(LogCapture logged) {
    return logged.lines().stream().filter(event -> event.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage).toList();
  }
}
