package io.glassbox.gateway.viewer;

import io.glassbox.server.RecommendPlaces;
import io.glassbox.server.RequestChecks;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/**
 * The decoded, size-checked query string of one viewer request, and the typed, validated
 * parameters the endpoints read from it. Every failure is a 400 whose message names the
 * parameter and the rule, without repeating what the caller sent.
 */
final class QueryParameters {
  /** Longest id (user or item) the Glassbox API accepts. */
  static final int MAX_ID_LENGTH = RequestChecks.MAX_ID_LENGTH;
  /**
   * Longest raw query string read; beyond it the request is refused before decoding: 16 KiB, more
   * than a what-if of 100 items with ids of 128 letters takes (13.6 KB). Well under the HTTP header
   * limit ({@link io.glassbox.server.MessageLimits#MAX_HTTP_HEADER_BYTES}), which the request line
   * counts against, so that a query up to about twice as long (less the path and headers; see the
   * README) gets this answer, not a closed connection.
   * One past that limit never reaches the viewer: the JDK closes its connection unanswered.
   */
  static final int MAX_QUERY_LENGTH = 16 * 1024;
  /** Most items a page may ask for (the Gateway's own limit). */
  static final int MAX_LIMIT = RecommendPlaces.MAX_LIMIT;

  private final Map<String, List<String>> values;

  private QueryParameters(Map<String, List<String>> values) {
    this.values = values;
  }

  /**
   * Decodes {@code rawQuery} (may be null), accepting only the parameter names in
   * {@code allowed}; an unknown one is refused naming them in that order (not the unknown name:
   * nothing a caller typed is echoed).
   */
  static QueryParameters parse(String rawQuery, List<String> allowed) throws ViewerException {
    Map<String, List<String>> values = new TreeMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return new QueryParameters(values);
    }
    if (rawQuery.length() > MAX_QUERY_LENGTH) {
      throw new ViewerException(414, "the query string must be at most " + MAX_QUERY_LENGTH
          + " characters");
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = decode(equals < 0 ? pair : pair.substring(0, equals), "a parameter name");
      if (!allowed.contains(name)) {
        throw ViewerException.badRequest(
            allowed.isEmpty() ? "unknown query parameter; this endpoint takes none"
                : "unknown query parameter; this endpoint takes " + String.join(", ", allowed));
      }
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1), name);
      values.computeIfAbsent(name, key -> new ArrayList<>()).add(value);
    }
    return new QueryParameters(values);
  }

  /** The required shopper id: {@code user}, 1..128 characters. */
  String user() throws ViewerException {
    return requiredId("user", "a shopper id");
  }

  /** The required item id: {@code item}, 1..128 characters. */
  String item() throws ViewerException {
    return requiredId("item", "an item id");
  }

  private String requiredId(String name, String what) throws ViewerException {
    String id = single(name);
    if (id == null || id.isBlank()) {
      throw ViewerException.badRequest(name + " is required: " + what + " of 1.."
          + MAX_ID_LENGTH + " characters");
    }
    return checkedId(name, id);
  }

  /** {@code locale}: "en-US" (the default when absent), "zh-CN" or a tag that matches one. */
  String locale() throws ViewerException {
    String locale = single("locale");
    if (locale == null || locale.isEmpty()) {
      return RequestChecks.DEFAULT_LOCALE;
    }
    Optional<String> supported = RequestChecks.supportedLocale(locale);
    if (supported.isEmpty()) {
      throw ViewerException.badRequest("locale " + RequestChecks.UNSUPPORTED_LOCALE);
    }
    return supported.get();
  }

  /**
   * {@code limit}: 1..50; empty when absent, so that the Gateway's own default applies (10 for
   * Recommend, the model picks of the default Recommend answer for the others), as for an RPC
   * client that sends none.
   */
  OptionalInt limit() throws ViewerException {
    String limit = single("limit");
    if (limit == null || limit.isEmpty()) {
      return OptionalInt.empty();
    }
    try {
      int value = limit.length() > 3 ? -1 : Integer.parseInt(limit);
      if (value >= 1 && value <= MAX_LIMIT) {
        return OptionalInt.of(value);
      }
    } catch (NumberFormatException e) {
      // Falls through to the one message below.
    }
    throw ViewerException.badRequest("limit must be a whole number 1.." + MAX_LIMIT);
  }

  /**
   * {@code buy_again}: the buy-again places of the answer, 0 (off)..{@value #MAX_LIMIT}; empty
   * when absent (the Gateway's default applies).
   */
  OptionalInt buyAgainSlots() throws ViewerException {
    String slots = single("buy_again");
    if (slots == null || slots.isEmpty()) {
      return OptionalInt.empty();
    }
    if (slots.length() <= 2 && slots.chars().allMatch(Character::isDigit)
        && Integer.parseInt(slots) <= MAX_LIMIT) {
      return OptionalInt.of(Integer.parseInt(slots));
    }
    throw ViewerException.badRequest("buy_again must be a whole number 0.." + MAX_LIMIT);
  }

  /**
   * Every value of the repeated parameter {@code name}: distinct ids of 1..128 characters, at
   * most {@code max}; in the order given.
   */
  List<String> ids(String name, int max) throws ViewerException {
    List<String> raw = values.getOrDefault(name, List.of());
    if (raw.size() > max) {
      throw ViewerException.badRequest(name + " may be given at most " + max + " times");
    }
    Set<String> ids = new LinkedHashSet<>();
    for (String id : raw) {
      if (id.isBlank()) {
        throw ViewerException.badRequest(name + " must not be empty");
      }
      ids.add(checkedId(name, id));
    }
    return List.copyOf(ids);
  }

  private String single(String name) throws ViewerException {
    List<String> given = values.get(name);
    if (given == null) {
      return null;
    }
    if (given.size() > 1) {
      throw ViewerException.badRequest(name + " must be given once");
    }
    return given.get(0);
  }

  /** The id, if every RPC would take it; else a 400 saying which rule it breaks, echoing nothing. */
  private static String checkedId(String name, String id) throws ViewerException {
    RequestChecks.IdFault fault = RequestChecks.idFault(id);
    if (fault != null) {
      throw ViewerException.badRequest(name + fault.rule());
    }
    return id;
  }

  /**
   * {@code text} with {@code +} as a space and each {@code %XX} as a byte, the bytes read as UTF-8.
   * Bytes that are not UTF-8 are refused, naming {@code what}: {@link java.net.URLDecoder} would
   * turn them into U+FFFD, so {@code user=%E2%28} would quietly ask about a stranger named U+FFFD and "(".
   * The JDK's server reads the request line one character per byte (ISO-8859-1), so the other
   * characters are the bytes a client sent unescaped (curl sends {@code user=顾客} as its UTF-8),
   * and are read as UTF-8 with the escaped ones; a character above U+00FF, which cannot be such
   * a byte, is refused as bytes that are not UTF-8 are.
   */
  private static String decode(String text, String what) throws ViewerException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '%') {
        int high = i + 2 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
        int low = high < 0 ? -1 : Character.digit(text.charAt(i + 2), 16);
        if (low < 0) {
          throw ViewerException.badRequest("the query string is not valid URL encoding");
        }
        bytes.write(high << 4 | low);
        i += 3;
      } else {
        int end = i;
        while (end < text.length() && text.charAt(end) != '%') {
          end++;
        }
        for (char unescaped : text.substring(i, end).replace('+', ' ').toCharArray()) {
          if (unescaped > 0xFF) {
            // Not a byte: ISO-8859-1 would quietly turn it into '?'.
            throw notUtf8(what);
          }
          bytes.write(unescaped);
        }
        i = end;
      }
    }
    try {
      // A new decoder reports malformed input rather than replacing it.
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException malformed) {
      throw notUtf8(what);
    }
  }

  private static ViewerException notUtf8(String what) {
    return ViewerException.badRequest(what + " is not UTF-8 once percent-decoded");
  }
}
