package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DescriptionsTest {
  private static final String EMOJI = "\uD83D\uDE00";   // one character, two UTF-16 units

  @Test
  void truncate_countsAndCutsCharacters_neverHalfOfOne() {
    String quoted = Descriptions.truncate("a" + EMOJI.repeat(70));

    assertEquals("a" + EMOJI.repeat(63) + "... (71 characters)", quoted);
  }

  @Test
  void truncate_leavesAValueOfAtMostTheLimitWhole() {
    assertEquals(EMOJI.repeat(64), Descriptions.truncate(EMOJI.repeat(64)));
  }
}
