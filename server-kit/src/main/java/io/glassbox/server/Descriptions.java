package io.glassbox.server;

import io.grpc.Status;

/**
 * Keeps status descriptions short. A description travels in an HTTP/2 trailer, and a client
 * refuses trailers past 8 KiB with an opaque protocol error; echoing a 64 KiB input back would
 * turn a clear INVALID_ARGUMENT into that. Inputs quoted in messages are cut to
 * {@value #MAX_QUOTED_CHARS} characters, whole descriptions to {@value #MAX_DESCRIPTION_CHARS}
 * characters and to {@value #MAX_DESCRIPTION_TRAILER_BYTES} bytes as sent: gRPC percent-encodes
 * every byte of a description's UTF-8 outside ' '..'}' (so '~' too) and every '%', so a Chinese
 * character takes 9 bytes of the trailer and an emoji 12.
 *
 * <p>Quoted input is also escaped ({@link #escape}): descriptions are logged (the gateway logs the
 * feature service's, the explain service its refusals), and a caller's line break or terminal
 * escape quoted raw would forge or recolour a log line.
 */
public final class Descriptions {
  /** Longest piece of caller input a message quotes. */
  public static final int MAX_QUOTED_CHARS = 64;
  /** Longest description a server sends, in characters. */
  public static final int MAX_DESCRIPTION_CHARS = 1024;
  /** Longest description a server sends, in bytes of the trailer (half the 8 KiB clients take). */
  public static final int MAX_DESCRIPTION_TRAILER_BYTES = 4096;
  /** What the note of a cut value's length may take of the trailer. */
  private static final int NOTE_BYTES = 32;
  /** A backslash, u and four hex digits: the longest escape {@link #escape} writes. */
  private static final int UNICODE_ESCAPE_LENGTH = 6;

  /**
   * The words of a description whose write failed after it was sent, so that it may have been
   * applied: a resend under the same id is counted once. The feature service says them, the
   * gateway passes them on, and clients look for them ({@link #saysMayHaveBeenStored}).
   */
  public static final String MAY_HAVE_BEEN_STORED = "it may have been stored";

  /**
   * The words that, after {@link #MAY_HAVE_BEEN_STORED}, name the request id to resend the write
   * under (the gateway's, for a feedback): {@link #mayHaveBeenStoredUnder} writes them, clients look
   * for them ({@link #namesResendRequestId}).
   */
  public static final String RESEND_UNDER_REQUEST_ID = MAY_HAVE_BEEN_STORED + " under request_id \"";

  private Descriptions() {}

  /** Whether {@code status}'s description says its write may have been stored ({@link #MAY_HAVE_BEEN_STORED}). */
  public static boolean saysMayHaveBeenStored(Status status) {
    return status.getDescription() != null && status.getDescription().contains(MAY_HAVE_BEEN_STORED);
  }

  /**
   * That a write may have been stored under {@code requestId}, and how to resend it so that it is
   * counted once ({@link #RESEND_UNDER_REQUEST_ID}); the id is escaped.
   */
  public static String mayHaveBeenStoredUnder(String requestId) {
    return RESEND_UNDER_REQUEST_ID + escape(requestId) + "\": resend it with the same request_id, and it is counted once";
  }

  /** Whether {@code status}'s description names the request id to resend its write under ({@link #RESEND_UNDER_REQUEST_ID}). */
  public static boolean namesResendRequestId(Status status) {
    return status.getDescription() != null && status.getDescription().contains(RESEND_UNDER_REQUEST_ID);
  }

  /**
   * {@code value}, cut to {@value #MAX_QUOTED_CHARS} characters with a note of its length, and
   * escaped ({@link #escape}).
   */
  public static String truncate(String value) {
    return truncate(value, MAX_QUOTED_CHARS);
  }

  /**
   * {@code value}, cut to {@code maxCharacters} characters with a note of its length: for a
   * message that quotes many values, each in less than {@value #MAX_QUOTED_CHARS}; escaped
   * ({@link #escape}). The cut and the note count the characters given, not their escapes.
   */
  public static String truncate(String value, int maxCharacters) {
    return escape(cut(value, maxCharacters, Integer.MAX_VALUE));
  }

  /**
   * {@code value} with nothing in it that could end, restyle or reorder the line it is quoted in:
   * each control character (a line break, an ANSI escape's ESC, a NUL), the line and paragraph
   * separators and the bidirectional-text controls and marks (which can show a log line's words in
   * another order than they were written) written as in a Java string literal (a line break as
   * backslash n, ESC as backslash u001B), and each backslash doubled, so that an escape read in a
   * log is never one the caller typed.
   */
  public static String escape(String value) {
    int first = 0;
    while (first < value.length() && !needsEscape(value.charAt(first))) {
      first++;
    }
    if (first == value.length()) {
      return value;
    }
    StringBuilder escaped = new StringBuilder(value.length() + UNICODE_ESCAPE_LENGTH).append(value, 0, first);
    for (int i = first; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> escaped.append("\\\\");
        case '\n' -> escaped.append("\\n");
        case '\r' -> escaped.append("\\r");
        case '\t' -> escaped.append("\\t");
        default -> {
          if (writtenAsUnicodeEscape(c)) {
            appendUnicodeEscape(escaped, c);
          } else {
            escaped.append(c);
          }
        }
      }
    }
    return escaped.toString();
  }

  private static boolean needsEscape(char c) {
    return c == '\\' || writtenAsUnicodeEscape(c);
  }

  /** {@code c} as backslash u and four upper-case hex digits. */
  private static void appendUnicodeEscape(StringBuilder escaped, char c) {
    escaped.append("\\u");
    for (int shift = 12; shift >= 0; shift -= 4) {
      escaped.append(Character.toUpperCase(Character.forDigit((c >> shift) & 0xF, 16)));
    }
  }

  private static boolean writtenAsUnicodeEscape(char c) {
    return Character.isISOControl(c) || isHiddenControl(c);
  }

  /**
   * Whether {@code c} is a control character that is not an ISO one: a bidirectional-text control
   * or mark (Unicode's Bidi_Control: the Arabic letter mark, the left-to-right and right-to-left
   * marks, the embeddings, overrides and isolates) or the line or paragraph separator (U+2028,
   * U+2029), which break a log line.
   */
  static boolean isHiddenControl(char c) {
    return c == '\u2028' || c == '\u2029'
        || c == '\u061C' || c == '\u200E' || c == '\u200F'
        || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069');
  }

  /**
   * A whole description cut to {@value #MAX_DESCRIPTION_CHARS} characters and to
   * {@value #MAX_DESCRIPTION_TRAILER_BYTES} bytes as sent, note included. Its quoted input is
   * already escaped, so a cut inside an escape (backslash u0001 kept as backslash u0) moves back to
   * the escape's backslash.
   */
  static String limit(String description) {
    if (description == null) {
      return null;
    }
    int end = keptEnd(description, MAX_DESCRIPTION_CHARS, MAX_DESCRIPTION_TRAILER_BYTES - NOTE_BYTES);
    return end == description.length() ? description : withNote(description, escapeStartAround(description, end));
  }

  /**
   * {@code end}, or, when it falls inside an escape {@link #escape} wrote, that escape's backslash.
   * A backslash starts an escape unless it is the second of a doubled one.
   */
  private static int escapeStartAround(String escaped, int end) {
    int backslash = escaped.lastIndexOf('\\', end - 1);
    if (backslash < 0 || backslash + UNICODE_ESCAPE_LENGTH <= end) {
      return end;
    }
    int runStart = backslash;
    while (runStart > 0 && escaped.charAt(runStart - 1) == '\\') {
      runStart--;
    }
    boolean startsAnEscape = (backslash - runStart) % 2 == 0;
    int escapeLength = escaped.charAt(backslash + 1) == 'u' ? UNICODE_ESCAPE_LENGTH : 2;
    return startsAnEscape && backslash + escapeLength > end ? backslash : end;
  }

  /**
   * {@code value} whole when it has at most {@code maxCharacters} characters (code points,
   * {@link RequestChecks#characterCount}) and {@code maxSentBytes} bytes as sent; else its longest
   * start within both, never half a character, and a note of how many characters it had.
   */
  private static String cut(String value, int maxCharacters, int maxSentBytes) {
    int end = keptEnd(value, maxCharacters, maxSentBytes);
    return end == value.length() ? value : withNote(value, end);
  }

  /** Where {@link #cut} ends {@code value}: its length when it is kept whole. */
  private static int keptEnd(String value, int maxCharacters, int maxSentBytes) {
    int end = 0;
    int kept = 0;
    long sent = 0;
    while (end < value.length()) {
      int codePoint = value.codePointAt(end);
      sent += sentBytes(codePoint);
      if (kept == maxCharacters || sent > maxSentBytes) {
        return end;
      }
      kept++;
      end += Character.charCount(codePoint);
    }
    return end;
  }

  private static String withNote(String value, int end) {
    return value.substring(0, end) + "... (" + RequestChecks.characterCount(value) + " characters)";
  }

  /**
   * Bytes a character takes in a description as gRPC sends it, as grpc-java's status-message
   * marshaller writes it: its UTF-8, each byte below ' ', from '~' up, or '%' percent-encoded as
   * three ('~' as "%7E"). A lone surrogate has no UTF-8: Java sends it as one '?'.
   */
  static int sentBytes(int codePoint) {
    boolean loneSurrogate = codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE;
    if (loneSurrogate || (codePoint >= ' ' && codePoint < '~' && codePoint != '%')) {
      return 1;
    }
    int utf8Bytes = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    return 3 * utf8Bytes;
  }
}
