package io.glassbox.server;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.IllformedLocaleException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Validation of request fields shared by every service. Each check throws INVALID_ARGUMENT with a
 * message that names the field and says what to fix.
 */
public final class RequestChecks {
  /** Longest user or item id any service accepts, in characters ({@link #characterCount}). */
  public static final int MAX_ID_LENGTH = 128;
  /** The locale used when a request leaves it empty. */
  public static final String DEFAULT_LOCALE = "en-US";
  /**
   * Why a locale tag was refused, to follow the field's name; it echoes nothing of the tag.
   */
  public static final String UNSUPPORTED_LOCALE = "must be en-US or zh-CN, or another tag of English or of "
      + "Simplified Chinese (\"en\", \"en-GB\", \"zh\", \"zh-Hans\", \"zh-SG\"); there are no texts in "
      + "Traditional Chinese (zh-TW, zh-HK, zh-MO, zh-Hant) or in other languages";
  /** Regions whose Chinese is written in Traditional characters when a tag names no script. */
  private static final Set<String> TRADITIONAL_CHINESE_REGIONS = Set.of("TW", "HK", "MO");

  private RequestChecks() {}

  /**
   * The length of {@code value} in characters (Unicode code points), as every length limit on an
   * id or text counts it and its message states it: an emoji is one character, though Java holds
   * it as two {@code char}s; Python's {@code len} counts the same.
   */
  public static int characterCount(String value) {
    return value.codePointCount(0, value.length());
  }

  /**
   * Why {@code value} is too long for a field of at most {@code max} characters ({@link
   * #characterCount}), worded to follow the field's name (" must be at most 128 characters, got
   * 129"), or null when it is not.
   */
  public static String lengthProblem(String value, int max) {
    int characters = characterCount(value);
    return characters > max ? " must be at most " + max + " characters, got " + characters : null;
  }

  /** An INVALID_ARGUMENT error with {@code message}. */
  public static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  /**
   * Requires a non-blank id of at most {@link #MAX_ID_LENGTH} characters, with no space at either
   * end and no control character ({@link #idProblem}); returns it. Ids the services pass each other
   * are ones the stores hold, which the files may have given with another white space at an end.
   */
  public static String requireId(String field, String value) {
    return require(field, value, idProblem(value));
  }

  /**
   * Requires a user id as a caller types it ({@link #requestIdProblem}): {@link #requireId}'s rule,
   * and no white space or invisible character at either end; returns it. A user id the gateway is
   * asked about names the shopper, and one pasted with a no-break space would silently be answered
   * as a new one; an item id it is asked about is looked up, and one nobody holds is NOT_FOUND.
   */
  public static String requireUserId(String field, String value) {
    return require(field, value, requestIdProblem(value));
  }

  /**
   * Requires an optional id a caller sends, one a request may leave empty (an event id, an order
   * id): empty, or {@link #optionalIdProblem}'s rule, and no bidirectional-text control or line or
   * paragraph separator ({@link Descriptions#isHiddenControl}); returns it. Such an id is stored
   * and echoed, and a resend matches it exactly: one with a line break cannot be typed back, and
   * " 536365" would count apart from "536365".
   */
  public static String requireOptionalId(String field, String value) {
    String problem = optionalIdProblem(value);
    return require(field, value, problem != null ? problem : hiddenControlProblem(value));
  }

  /** {@code value}, or INVALID_ARGUMENT with {@code field} and its {@code problem} when it has one. */
  private static String require(String field, String value, String problem) {
    if (problem != null) {
      throw invalid(field + problem);
    }
    return value;
  }

  /**
   * What is wrong with {@code value} as an optional id the suite may hold (an invoice in a file or
   * an import), or null: empty, or {@link #idProblem}'s rule, blanks alone being a space at an end.
   */
  public static String optionalIdProblem(String value) {
    if (value.isEmpty()) {
      return null;
    }
    IdFault fault = contentFault(value);
    return problem(value, fault == null && value.isBlank() ? IdFault.SPACE_AT_AN_END : fault);
  }

  /**
   * What can be wrong with an id, each with its rule worded to follow the field's name and echo
   * nothing of the id (a web page's wording; {@link #idProblem} adds what was given).
   */
  public enum IdFault {
    EMPTY(" must not be empty"),
    /** Not empty, but white space alone ("   "): "empty" would tell its sender they sent nothing. */
    BLANK(" must not be blank"),
    TOO_LONG(" must be at most " + MAX_ID_LENGTH + " characters"),
    CONTROL_CHARACTER(" must not contain control characters"),
    SPACE_AT_AN_END(" must not begin or end with a space");

    private final String rule;

    IdFault(String rule) {
      this.rule = rule;
    }

    /** The rule broken, to follow the field's name (" must not be empty"). */
    public String rule() {
      return rule;
    }
  }

  /**
   * What is wrong with {@code value} as an id the suite may hold, or null ({@link #requireUserId}
   * refuses more in a user id a caller types). Every store trims the ids it reads from
   * files, so an id with a space at either end can name no stored user or item: taken as given,
   * " 12348" would be answered as a shopper nobody knows. A control character (a NUL, a tab, a
   * line break, an ANSI escape's ESC) is refused too: it is invisible where the id is shown, and
   * garbles the logs and texts that echo it. A bidirectional-text control is not: a Hebrew or
   * Arabic spreadsheet's ids may hold one, and the trainer reads them as they are.
   */
  public static IdFault idFault(String value) {
    return value == null || value.isEmpty() ? IdFault.EMPTY : value.isBlank() ? IdFault.BLANK : contentFault(value);
  }

  /** {@link #idFault} of a value that is not empty: its length, then what it holds. */
  private static IdFault contentFault(String value) {
    if (characterCount(value) > MAX_ID_LENGTH) {
      return IdFault.TOO_LONG;
    }
    if (controlCharacterAt(value) >= 0) {
      return IdFault.CONTROL_CHARACTER;
    }
    // With the control characters, what String.trim() takes off, as the stores do.
    if (value.charAt(0) == ' ' || value.charAt(value.length() - 1) == ' ') {
      return IdFault.SPACE_AT_AN_END;
    }
    return null;
  }

  /**
   * What is wrong with {@code value} as an id ({@link #idFault}), to follow the field's name, with
   * what was given (" must be at most 128 characters, got 129"; lengths and indices count
   * characters, {@link #characterCount}), or null. The id is echoed only when it has no control
   * character.
   */
  public static String idProblem(String value) {
    return problem(value, idFault(value));
  }

  private static String problem(String value, IdFault fault) {
    if (fault == null) {
      return null;
    }
    return fault.rule() + switch (fault) {
      case EMPTY, BLANK -> "";
      case TOO_LONG -> ", got " + characterCount(value);
      case CONTROL_CHARACTER -> controlCharacterGiven(value, controlCharacterAt(value));
      case SPACE_AT_AN_END -> ", got \"" + Descriptions.truncate(value) + "\"";
    };
  }

  /** What was given: the control character at char index {@code at}, and its index in characters. */
  private static String controlCharacterGiven(String value, int at) {
    // A control character is one char.
    return String.format(", got U+%04X at index %d", (int) value.charAt(at), value.codePointCount(0, at));
  }

  /**
   * What is wrong with {@code value} as a user id a caller types, or null: {@link #idProblem}'s faults,
   * and then white space or an invisible character at either end ({@link #isBlankAtAnEnd}), which
   * an id pasted from a spreadsheet or a web page carries: taken as given, "\u00a012348" would be
   * answered as a shopper nobody knows. The id is quoted, with the character named, since it cannot
   * be seen. Then a bidirectional-text control or line separator anywhere ({@link
   * Descriptions#isHiddenControl}). Only ids callers send are refused so: the files, the stores and
   * the calls between the services take ids by {@link #idProblem}, so nothing stored before
   * becomes unreadable or breaks a ranking that holds it.
   */
  private static String requestIdProblem(String value) {
    String problem = idProblem(value);
    if (problem != null) {
      return problem;
    }
    int first = value.codePointAt(0);
    int last = value.codePointBefore(value.length());
    if (!isBlankAtAnEnd(first) && !isBlankAtAnEnd(last)) {
      return hiddenControlProblem(value);
    }
    int at = isBlankAtAnEnd(first) ? 0 : characterCount(value) - 1;
    return String.format("%s or an invisible character, got \"%s\" (U+%04X at index %d)",
        IdFault.SPACE_AT_AN_END.rule(), Descriptions.truncate(value), isBlankAtAnEnd(first) ? first : last, at);
  }

  /**
   * Whether a request's id may not begin or end with {@code codePoint}: white space by either of
   * Java's definitions ({@link Character#isWhitespace}, {@link Character#isSpaceChar}: the no-break
   * spaces U+00A0, U+2007, U+202F, the ideographic space U+3000, the line and paragraph separators),
   * or a character that takes no room: the zero-width space, non-joiner and joiner (U+200B..U+200D),
   * the word joiner (U+2060) and the byte-order mark (U+FEFF). Other format characters are left to
   * the client: some end a visible emoji (a flag's cancel tag, U+E007F).
   */
  private static boolean isBlankAtAnEnd(int codePoint) {
    return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint)
        || (codePoint >= 0x200B && codePoint <= 0x200D) || codePoint == 0x2060 || codePoint == 0xFEFF;
  }

  private static int controlCharacterAt(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  /**
   * {@link IdFault#CONTROL_CHARACTER} with what was given, for a control character an id a caller
   * sends may not hold anywhere though a file's may ({@link Descriptions#isHiddenControl}: U+202E
   * shows the words after it in another order, U+2028 breaks a log line), or null.
   */
  private static String hiddenControlProblem(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (Descriptions.isHiddenControl(value.charAt(i))) {
        return IdFault.CONTROL_CHARACTER.rule() + controlCharacterGiven(value, i);
      }
    }
    return null;
  }

  /** Requires every id in {@code values} to be valid, naming the index of a bad one. */
  public static List<String> requireIds(String field, List<String> values) {
    for (int i = 0; i < values.size(); i++) {
      // The field's name is built only for a bad id: a batch of rows holds tens of thousands.
      String problem = idProblem(values.get(i));
      if (problem != null) {
        throw invalid(field + "[" + i + "]" + problem);
      }
    }
    return values;
  }

  /** Requires {@code 1 <= size <= max} for a repeated field. */
  public static void requireCount(String field, int size, int min, int max) {
    if (size < min || size > max) {
      throw invalid(field + " must have " + min + ".." + max + " entries, got " + size);
    }
  }

  /**
   * Reads an optional positive limit: 0 means {@code defaultValue}; otherwise it must be in
   * {@code 1..max}.
   */
  public static int limitOrDefault(String field, int value, int defaultValue, int max) {
    if (value == 0) {
      return defaultValue;
    }
    if (value < 0 || value > max) {
      throw invalid(field + " must be 1.." + max + " (or 0 for the default " + defaultValue
          + "), got " + value);
    }
    return value;
  }

  /**
   * Reads a locale: empty means {@link #DEFAULT_LOCALE}; otherwise the supported locale the tag
   * matches ({@link #supportedLocale}), which is what the reasons are then written in and say
   * they are.
   */
  public static String locale(String field, String value) {
    if (value == null || value.isEmpty()) {
      return DEFAULT_LOCALE;
    }
    return supportedLocale(value).orElseThrow(() ->
        invalid(field + " " + UNSUPPORTED_LOCALE + ", got \"" + Descriptions.truncate(value) + "\""));
  }

  /**
   * The supported locale a BCP 47 language tag gets, if any. Tags are case-insensitive (BCP 47,
   * RFC 5646 section 2.1.1), so "zh-cn" is zh-CN, and "_" is read as "-" ("zh_CN", as Java and
   * POSIX write it). A tag of a supported language in another region or with no region gets that
   * language's texts: any English tag ("en", "en-GB") en-US; Chinese in Simplified characters
   * ("zh", "zh-Hans", "zh-SG", "zh-Hans-HK") zh-CN. Chinese in Traditional characters (script
   * Hant, or no script and region TW, HK or MO) gets none: Simplified texts would be a different
   * writing system, not a regional variant. Neither does a tag that is not well-formed.
   */
  public static Optional<String> supportedLocale(String tag) {
    Locale requested;
    try {
      requested = new Locale.Builder().setLanguageTag(tag.replace('_', '-')).build();
    } catch (IllformedLocaleException e) {
      return Optional.empty();
    }
    switch (requested.getLanguage()) {
      case "en":
        return Optional.of("en-US");
      case "zh":
        String script = requested.getScript();
        boolean simplified = script.equals("Hans")
            || (script.isEmpty() && !TRADITIONAL_CHINESE_REGIONS.contains(requested.getCountry()));
        return simplified ? Optional.of("zh-CN") : Optional.empty();
      default:
        return Optional.empty();
    }
  }
}
