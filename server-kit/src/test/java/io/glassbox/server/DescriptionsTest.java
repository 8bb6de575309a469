package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.InternalMetadata;
import io.grpc.InternalStatus;
import io.grpc.Metadata;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
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

  @Test
  void truncate_escapesLineBreaksTerminalEscapesAndBackslashes_soAQuotedValueStaysOnItsLine() {
    assertEquals("r1\\n[INFO] forged \\u001B[31mred\\u001B[0m \\\\n \\u2028",
        Descriptions.truncate("r1\n[INFO] forged \u001b[31mred\u001b[0m \\n \u2028"));
  }

  @Test
  void truncate_cutsByTheCharactersGiven_thenEscapesThem() {
    assertEquals("\\n".repeat(64) + "... (70 characters)", Descriptions.truncate("\n".repeat(70)));
  }

  @Test
  void limit_keepsADescriptionWithinTheTrailerBytesGrpcSends_notOnlyItsCharacters() {
    String chinese = "\u6587".repeat(1000);   // 9 bytes each as sent: 9,000 bytes in all

    String cut = Descriptions.limit(chinese);

    assertTrue(cut.endsWith("... (1000 characters)"), cut);
    String kept = cut.substring(0, cut.indexOf("..."));
    assertEquals(Descriptions.MAX_DESCRIPTION_TRAILER_BYTES / 9 - 4, kept.length());   // 4,096 less the note's room
    assertTrue(9 * kept.length() + "... (1000 characters)".length() <= Descriptions.MAX_DESCRIPTION_TRAILER_BYTES);
  }

  @Test
  void limit_cutsAsciiAtItsCharacterLimit() {
    assertEquals("a".repeat(1024) + "... (5000 characters)", Descriptions.limit("a".repeat(5000)));
    assertEquals("a".repeat(1024), Descriptions.limit("a".repeat(1024)));
  }

  @Test
  void limit_cutInsideAnEscape_movesBackToItsBackslash_notPastAWholeDoubledBackslash() {
    String controlAtTheLimit = "a".repeat(1022) + Descriptions.escape("\u0001");
    String backslashAtTheLimit = "a".repeat(1023) + Descriptions.escape("\\");
    String typedEscapeAtTheLimit = "a".repeat(1020) + Descriptions.escape("\\u0001");

    assertEquals("a".repeat(1022) + "... (1028 characters)", Descriptions.limit(controlAtTheLimit));
    assertEquals("a".repeat(1023) + "... (1025 characters)", Descriptions.limit(backslashAtTheLimit));
    assertEquals("a".repeat(1020) + "\\\\u0... (1027 characters)", Descriptions.limit(typedEscapeAtTheLimit));
  }

  @Test
  void escape_writesBidirectionalControlsAndMarksAsEscapes_soTheyCannotReorderALogLine() {
    assertEquals("a\\u202Eb\\u2066c\\u2069d\\u200Fe\\u202A",
        Descriptions.escape("a\u202Eb\u2066c\u2069d\u200Fe\u202A"));
  }

  @Test
  void sentBytes_isTheLengthGrpcSendsADescriptionIn() {
    // '~' and DEL are percent-encoded as '%' is; a lone surrogate goes out as one '?'.
    List<String> descriptions = List.of("~", "%", "a~b%c", "\u0000\t\n\u001f\u007f", " }",
        EMOJI + "\u00a0\u6587\u00e9", "\ud836\udc00", "\ud800", "\udc00x");   // U+1D800, then lone halves

    for (String description : descriptions) {
      assertEquals(sentLength(description), description.codePoints().map(Descriptions::sentBytes).sum(),
          description);
    }
  }

  @Test
  void limit_keepsADescriptionOfTildesWithinTheTrailerBytesGrpcSends() {
    String description = "\u6587~".repeat(1000);   // 12 bytes a pair as sent, not 10

    String cut = Descriptions.limit(description);

    assertTrue(sentLength(cut) <= Descriptions.MAX_DESCRIPTION_TRAILER_BYTES, () -> sentLength(cut) + " bytes as sent");
    assertEquals("\u6587~".repeat(338) + "... (2000 characters)", cut);
  }

  /** Bytes {@code description} takes in a trailer, by gRPC's own status-message marshaller. */
  private static int sentLength(String description) {
    Metadata trailers = new Metadata();
    trailers.put(InternalStatus.MESSAGE_KEY, description);
    byte[][] serialized = InternalMetadata.serialize(trailers);
    return serialized[1].length;
  }
}
