package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The folders that {@code up}'s "Try:" and {@code train}'s "Serve it:" lines name, pasted into a shell as one word. */
class LauncherScriptWordTest {
  @Test
  void plainPath_staysAsItIs() {
    assertEquals("/opt/glass-box_2/bin/glassbox", LauncherScript.shellWord("/opt/glass-box_2/bin/glassbox"));
  }

  /** R112's review: only a space or a quote was quoted, so a folder "gb(1)" broke the pasted line. */
  @Test
  void pathWithAnyCharacterAShellReads_isQuoted() {
    for (String folder : List.of("gb(1)", "a&b", "a;b", "$HOME", "a`b`", "a\"b", "a\\b", "a b", "*", "a|b", "~x")) {
      assertEquals("'" + folder + "/bin/glassbox'", LauncherScript.shellWord(folder + "/bin/glassbox"), folder);
    }
    assertEquals("'it'\\''s/bin/glassbox'", LauncherScript.shellWord("it's/bin/glassbox"));
    assertEquals("''", LauncherScript.shellWord(""));
  }
}
