package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RequestChecksTest {

  @Test
  void requireId_rejectsEmptyBlankAndOverLong() {
    assertInvalid(() -> RequestChecks.requireId("user_id", ""), "user_id must not be empty");
    assertInvalid(() -> RequestChecks.requireId("user_id", "  "), "user_id must not be blank");
    assertInvalid(() -> RequestChecks.requireId("user_id", "x".repeat(129)), "at most 128");
    assertEquals("12347", RequestChecks.requireId("user_id", "12347"));
  }

  @Test
  void requireId_rejectsSpacesAtEitherEndAndControlCharacters() {
    assertInvalid(() -> RequestChecks.requireId("user_id", " 12348"),
        "user_id must not begin or end with a space, got \" 12348\"");
    assertInvalid(() -> RequestChecks.requireId("user_id", "12348 "), "must not begin or end with a space");
    assertInvalid(() -> RequestChecks.requireId("item_id", "85099B\t"), "got U+0009 at index 6");
    assertInvalid(() -> RequestChecks.requireId("item_id", "850\u000099B"),
        "item_id must not contain control characters, got U+0000 at index 3");
    assertInvalid(() -> RequestChecks.requireIds("item_ids", List.of("a", "b\nc")), "item_ids[1] must not contain");
    // Named by the character, not echoed: a padded id is echoed only once it holds no control character.
    assertInvalid(() -> RequestChecks.requireId("user_id", " 12\u00008"), "user_id must not contain control characters");
    // A space or any other character inside an id is the client's to choose.
    assertEquals("PACK 60 \u7eb8\u676f", RequestChecks.requireId("item_id", "PACK 60 \u7eb8\u676f"));
  }

  @Test
  void requireOptionalId_takesEmpty_andRefusesWhatRequireIdRefuses_blanksAloneAsASpaceAtAnEnd() {
    assertEquals("", RequestChecks.requireOptionalId("event_id", ""));
    assertEquals("536365", RequestChecks.requireOptionalId("event_id", "536365"));
    assertInvalid(() -> RequestChecks.requireOptionalId("event_id", "e\u00001"),
        "event_id must not contain control characters, got U+0000 at index 1");
    assertInvalid(() -> RequestChecks.requireOptionalId("event_id", "r1\u202e1r"),
        "event_id must not contain control characters, got U+202E at index 2");
    assertInvalid(() -> RequestChecks.requireOptionalId("event_id", "\t"),
        "event_id must not contain control characters, got U+0009 at index 0");
    assertInvalid(() -> RequestChecks.requireOptionalId("event_id", "  "),
        "event_id must not begin or end with a space, got \"  \"");
    assertInvalid(() -> RequestChecks.requireOptionalId("event_id", "e".repeat(129)),
        "event_id must be at most 128 characters, got 129");
  }

  @Test
  void idsTheSuiteHolds_takeBidiControls_whichAHebrewOrArabicSpreadsheetsIdsMayHold() {
    // Files, stores and calls between the services: an item id imported before must stay rankable.
    assertEquals("A\u200f1", RequestChecks.requireId("item_id", "A\u200f1"));
    assertEquals(List.of("A\u200f1", "A\u202eB\u061c"),
        RequestChecks.requireIds("history_item_ids", List.of("A\u200f1", "A\u202eB\u061c")));
    assertNull(RequestChecks.optionalIdProblem("536365\u200e"));
    assertNull(RequestChecks.optionalIdProblem("e1\u2028[INFO] forged"));
  }

  @Test
  void idsCallersSend_refuseBidiControlsAndLineSeparatorsInside_asControlCharacters() {
    assertInvalid(() -> RequestChecks.requireUserId("user_id", "A\u200f1"),
        "user_id must not contain control characters, got U+200F at index 1");
    assertInvalid(() -> RequestChecks.requireUserId("user_id", "\ud83d\ude00\u202e1"),
        "user_id must not contain control characters, got U+202E at index 1");
    assertInvalid(() -> RequestChecks.requireOptionalId("event_id", "e1\u2028[INFO] forged"),
        "event_id must not contain control characters, got U+2028 at index 2");
    assertInvalid(() -> RequestChecks.requireOptionalId("order_id", "5\u20293"),
        "order_id must not contain control characters, got U+2029 at index 1");
    assertInvalid(() -> RequestChecks.requireOptionalId("request_id", "r\u2066"),
        "request_id must not contain control characters, got U+2066 at index 1");
    // At an end, a line separator is blank, as the rule for user ids has it.
    assertInvalid(() -> RequestChecks.requireUserId("user_id", "A\u2028"),
        "user_id must not begin or end with a space or an invisible character, got \"A\\u2028\" (U+2028 at index 1)");
  }

  @Test
  void requireUserId_rejectsUnicodeSpacesAndInvisibleCharactersAtEitherEnd_namingTheCharacter() {
    // Pasted from a spreadsheet or a web page; taken as given, each was a shopper nobody knows.
    assertInvalid(() -> RequestChecks.requireUserId("user_id", "\u00a012348"),
        "user_id must not begin or end with a space or an invisible character, got \"\u00a012348\" (U+00A0 at index 0)");
    assertInvalid(() -> RequestChecks.requireUserId("user_id", "12348\u200b"), "(U+200B at index 5)");
    String emoji = "\ud83d\ude00";
    assertInvalid(() -> RequestChecks.requireUserId("user_id", emoji + "\ufeff"), "(U+FEFF at index 1)");
    for (String blank : List.of("\u2007", "\u202f", "\u3000", "\u2028", "\u200c", "\u200d", "\u2060", "\u1680")) {
      assertInvalid(() -> RequestChecks.requireUserId("user_id", "A" + blank), "user_id must not begin or end with a space");
      assertInvalid(() -> RequestChecks.requireUserId("user_id", blank + "A"),
          "user_id must not begin or end with a space or an invisible character");
    }
    // requireId's own faults first, in its words.
    assertInvalid(() -> RequestChecks.requireUserId("user_id", " 12348"), "user_id must not begin or end with a space");
    assertInvalid(() -> RequestChecks.requireUserId("user_id", ""), "user_id must not be empty");
    // Inside an id, and other format characters at its ends, are the client's to choose.
    assertEquals("A\u00a0B\u200bC", RequestChecks.requireUserId("user_id", "A\u00a0B\u200bC"));
    assertEquals("A\u00ad", RequestChecks.requireUserId("user_id", "A\u00ad"));
    // A quoted id is cut as every message cuts what it quotes.
    assertInvalid(() -> RequestChecks.requireUserId("user_id", "x".repeat(127) + "\u00a0"),
        "got \"" + "x".repeat(64) + "... (128 characters)\" (U+00A0 at index 127)");
  }

  @Test
  void requireIdAndRequireIds_takeStoredIdsWithAUnicodeSpaceAtAnEnd_asTheFilesDo() {
    // An import may store "A\u00a0"; the services pass it to each other in every ranking holding it.
    assertNull(RequestChecks.idProblem("A\u00a0"));
    assertEquals("A\u00a0", RequestChecks.requireId("item_id", "A\u00a0"));
    assertEquals(List.of("a", "\u200bA"), RequestChecks.requireIds("item_ids", List.of("a", "\u200bA")));
    assertInvalid(() -> RequestChecks.requireId("user_id", "x".repeat(127) + " "),
        "got \"" + "x".repeat(64) + "... (128 characters)\"");
  }

  @Test
  void requireId_countsCharactersNotUtf16Units_asItsMessageSays() {
    // An emoji (U+1F600) is one character, two UTF-16 units: 128 of them were refused as 256.
    String emoji = "\ud83d\ude00";
    assertEquals(emoji.repeat(128), RequestChecks.requireId("user_id", emoji.repeat(128)));
    assertInvalid(() -> RequestChecks.requireId("user_id", emoji.repeat(129)),
        "user_id must be at most 128 characters, got 129");
    assertInvalid(() -> RequestChecks.requireId("user_id", emoji + "A\u0001B"),
        "user_id must not contain control characters, got U+0001 at index 2");
    assertEquals(2, RequestChecks.characterCount(emoji + "A"));
  }

  @Test
  void requireIds_namesTheBadIndex() {
    assertInvalid(() -> RequestChecks.requireIds("item_ids", List.of("a", "")), "item_ids[1]");
  }

  @Test
  void limitOrDefault_mapsZeroToDefault_andRejectsOutOfRange() {
    assertEquals(10, RequestChecks.limitOrDefault("limit", 0, 10, 50));
    assertEquals(50, RequestChecks.limitOrDefault("limit", 50, 10, 50));
    assertInvalid(() -> RequestChecks.limitOrDefault("limit", -1, 10, 50), "limit must be 1..50");
    assertInvalid(() -> RequestChecks.limitOrDefault("limit", 51, 10, 50), "got 51");
  }

  @Test
  void locale_defaultsToEnglish_andRejectsOthers() {
    assertEquals("en-US", RequestChecks.locale("locale", ""));
    assertEquals("zh-CN", RequestChecks.locale("locale", "zh-CN"));
    assertInvalid(() -> RequestChecks.locale("locale", "fr-FR"), "fr-FR");
  }

  @Test
  void locale_matchesTagsAsBcp47Does() {
    // Case-insensitive, and "_" as Java and POSIX write it.
    for (String tag : List.of("zh-cn", "ZH-CN", "zh_CN", "zh", "zh-Hans", "zh-hans-cn", "zh-SG", "zh-Hans-HK")) {
      assertEquals("zh-CN", RequestChecks.locale("locale", tag), tag);
    }
    for (String tag : List.of("en-us", "EN_US", "en", "en-GB", "en-AU", "en-Latn-IN")) {
      assertEquals("en-US", RequestChecks.locale("locale", tag), tag);
    }
    // Traditional Chinese is another writing system, not a region of zh-CN; a tag that is not
    // well-formed matches nothing.
    for (String tag : List.of("zh-TW", "zh_hk", "zh-MO", "zh-Hant", "zh-Hant-CN", "zh-Latn", "fr", "english",
        "en US", "en--US", "-", "e", "\u4e2d\u6587")) {
      assertInvalid(() -> RequestChecks.locale("locale", tag), "there are no texts in Traditional Chinese");
    }
    assertInvalid(() -> RequestChecks.locale("locale", "zh-TW"), "locale must be en-US or zh-CN, or another tag");
    assertInvalid(() -> RequestChecks.locale("locale", "zh-TW"), "got \"zh-TW\"");
  }

  @Test
  void requireCount_checksBothBounds() {
    assertInvalid(() -> RequestChecks.requireCount("rows", 0, 1, 256), "rows must have 1..256");
    assertInvalid(() -> RequestChecks.requireCount("rows", 257, 1, 256), "got 257");
  }

  private static void assertInvalid(Runnable call, String expectedFragment) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains(expectedFragment), e.getStatus().getDescription());
  }
}
