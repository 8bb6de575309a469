package io.glassbox.server;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Set;

/**
 * Validation of request fields shared by every service. Each check throws INVALID_ARGUMENT with a
 * message that names the field and says what to fix.
 */
public final class RequestChecks {
  /** Longest user or item id any service accepts. */
  public static final int MAX_ID_LENGTH = 128;
  /** Locales reasons can be written in. */
  public static final Set<String> SUPPORTED_LOCALES = Set.of("en-US", "zh-CN");
  /** The locale used when a request leaves it empty. */
  public static final String DEFAULT_LOCALE = "en-US";

  private RequestChecks() {}

  /** An INVALID_ARGUMENT error with {@code message}. */
  public static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  /**
   * Requires a non-blank id of at most {@link #MAX_ID_LENGTH} characters, with no space at either
   * end and no control character; returns it.
   */
  public static String requireId(String field, String value) {
    String problem = idProblem(value);
    if (problem != null) {
      throw invalid(field + problem);
    }
    return value;
  }

  /**
   * What is wrong with {@code value} as an id, to follow the field's name (" must not be empty"),
   * or null. Every store trims the ids it reads from files, so an id with a space at either end
   * can name no stored user or item: taken as given, " 12348" would be answered as a shopper
   * nobody knows. A control character (a NUL, a tab, a line break) is refused too: it is
   * invisible where the id is shown, and garbles the logs and texts that echo it.
   */
  public static String idProblem(String value) {
    if (value == null || value.isBlank()) {
      return " must not be empty";
    }
    if (value.length() > MAX_ID_LENGTH) {
      return " must be at most " + MAX_ID_LENGTH + " characters, got " + value.length();
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        return String.format(" must not contain control characters, got U+%04X at index %d", (int) value.charAt(i), i);
      }
    }
    // With the control characters, what String.trim() takes off, as the stores do. The id is
    // echoed only now that it has no control character.
    if (value.charAt(0) == ' ' || value.charAt(value.length() - 1) == ' ') {
      return " must not begin or end with a space, got \"" + value + "\"";
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

  /** Reads a locale: empty means {@link #DEFAULT_LOCALE}; otherwise one of the supported ones. */
  public static String locale(String field, String value) {
    if (value == null || value.isEmpty()) {
      return DEFAULT_LOCALE;
    }
    if (!SUPPORTED_LOCALES.contains(value)) {
      throw invalid(field + " must be \"en-US\" or \"zh-CN\", got \"" + Descriptions.truncate(value) + "\"");
    }
    return value;
  }
}
