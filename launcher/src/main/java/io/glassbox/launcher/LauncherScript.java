package io.glassbox.launcher;

import io.glassbox.server.ConfigSource;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code bin/glassbox} as the commands a person is told to paste name it: {@code bin/glassbox}
 * runs Java in the caller's folder, so a command said relative to the installation's root would
 * not run from anywhere else.
 */
final class LauncherScript {
  private LauncherScript() {}

  /**
   * {@code bin/glassbox} as the caller can run it from the folder the command was started in:
   * relative from the installation's root ({@value ConfigSource#HOME_KEY}, which bin/glassbox
   * sets) or a folder above it, absolute from anywhere else.
   */
  static String said(ConfigSource config) {
    Optional<String> home = config.get(ConfigSource.HOME_KEY);
    if (home.isEmpty()) {
      return "bin/glassbox";
    }
    Path caller = Path.of("").toAbsolutePath().normalize();
    Path script = Path.of(home.get()).toAbsolutePath().normalize().resolve("bin").resolve("glassbox");
    return shellWord(script.startsWith(caller) ? caller.relativize(script).toString() : script.toString());
  }

  /**
   * {@code text} as one word of a shell command: as it is when every character is one no shell
   * reads specially, else in single quotes (a folder "gb(1)" or "a&b" broke the pasted line).
   */
  static String shellWord(String text) {
    return !text.isEmpty() && text.matches("[A-Za-z0-9_@%+=:,./-]+") ? text
        : "'" + text.replace("'", "'\\''") + "'";
  }
}
