package io.glassbox.gateway.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class QueryParametersTest {
  private static final List<String> ALL = List.of("user", "locale", "limit", "remove");

  @Test
  void decodesPlusAndPercentEscapes_includingChinese() throws ViewerException {
    QueryParameters query = QueryParameters.parse("user=%E9%A1%BE%E5%AE%A2+1&locale=zh-CN", ALL);

    assertEquals("顾客 1", query.user());
    assertEquals("zh-CN", query.locale());
    assertEquals(OptionalInt.empty(), query.limit());
  }

  @Test
  void aMalformedEscape_is400() {
    ViewerException error = assertThrows(ViewerException.class,
        () -> QueryParameters.parse("user=%zz", ALL));

    assertEquals(400, error.httpStatus());
    assertEquals("the query string is not valid URL encoding", error.getMessage());
  }

  @Test
  void percentEscapesThatAreNotUtf8_are400NamingTheParameter_notAReplacementCharacter() {
    for (String bad : List.of("user=%E2%28", "user=%FF", "user=a%C3", "remove=%ED%A0%80")) {
      ViewerException error = assertThrows(ViewerException.class, () -> QueryParameters.parse(bad, ALL), bad);

      assertEquals(400, error.httpStatus());
      assertEquals(bad.substring(0, bad.indexOf('=')) + " is not UTF-8 once percent-decoded", error.getMessage());
    }
    ViewerException name = assertThrows(ViewerException.class, () -> QueryParameters.parse("%E2%28=a", ALL));
    assertEquals("a parameter name is not UTF-8 once percent-decoded", name.getMessage());
  }

  /**
   * Over HTTP the query arrives one character per byte, so nothing above U+00FF can: a caller of
   * parse that passes such a character is refused, not read as the '?' ISO-8859-1 makes of it.
   */
  @Test
  void aCharacterAboveU00FF_is400NamingTheParameter_notAQuestionMark() {
    for (String bad : List.of("user=顾客", "user=a\u0100", "remove=b&remove=😀")) {
      ViewerException error = assertThrows(ViewerException.class, () -> QueryParameters.parse(bad, ALL), bad);

      assertEquals(400, error.httpStatus());
      assertEquals(bad.substring(bad.lastIndexOf('&') + 1, bad.lastIndexOf('=')) + " is not UTF-8 once percent-decoded",
          error.getMessage());
    }
  }

  @Test
  void repeatedIds_keepTheirFirstPosition_once() throws ViewerException {
    QueryParameters query = QueryParameters.parse("remove=b&remove=a&remove=b", ALL);

    assertEquals(List.of("b", "a"), query.ids("remove", 50));
    assertEquals(List.of(), query.ids("add", 50));
  }

  @Test
  void emptyPairs_areIgnored_andAMissingQueryHasNoParameters() throws ViewerException {
    assertEquals("u", QueryParameters.parse("&&user=u&", ALL).user());
    assertEquals(OptionalInt.of(5), QueryParameters.parse("user=u&limit=5", ALL).limit());
    ViewerException missing =
        assertThrows(ViewerException.class, () -> QueryParameters.parse(null, ALL).user());
    assertEquals(400, missing.httpStatus());
  }

  @Test
  void buyAgain_isOptional_0To50_elseA400NamingTheRule() throws ViewerException {
    List<String> allowed = List.of("user", "buy_again");
    assertEquals(OptionalInt.empty(), QueryParameters.parse("user=u", allowed).buyAgainSlots());
    assertEquals(OptionalInt.of(0), QueryParameters.parse("user=u&buy_again=0", allowed).buyAgainSlots());
    assertEquals(OptionalInt.of(50), QueryParameters.parse("user=u&buy_again=50", allowed).buyAgainSlots());
    for (String bad : List.of("51", "-1", "2.5", "x", "999999999999")) {
      ViewerException refused = assertThrows(ViewerException.class,
          () -> QueryParameters.parse("buy_again=" + bad, allowed).buyAgainSlots());
      assertEquals(400, refused.httpStatus());
      assertEquals("buy_again must be a whole number 0..50", refused.getMessage());
    }
  }
}
