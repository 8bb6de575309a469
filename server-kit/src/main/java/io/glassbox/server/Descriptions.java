package io.glassbox.server;

/**
 * Keeps status descriptions short. A description travels in an HTTP/2 trailer, and a client
 * refuses trailers past 8 KiB with an opaque protocol error; echoing a 64 KiB input back would
 * turn a clear INVALID_ARGUMENT into that. Inputs quoted in messages are cut to
 * {@value #MAX_QUOTED_CHARS} characters, whole descriptions to {@value #MAX_DESCRIPTION_CHARS}.
 */
public final class Descriptions {
  /** Longest piece of caller input a message quotes. */
  public static final int MAX_QUOTED_CHARS = 64;
  /** Longest description a server sends. */
  public static final int MAX_DESCRIPTION_CHARS = 1024;

  private Descriptions() {}

  /** {@code value}, cut to {@value #MAX_QUOTED_CHARS} characters with a note of its length. */
  public static String truncate(String value) {
    return cut(value, MAX_QUOTED_CHARS);
  }

  /** A whole description cut to {@value #MAX_DESCRIPTION_CHARS} characters. */
  static String limit(String description) {
    return description == null ? null : cut(description, MAX_DESCRIPTION_CHARS);
  }

  /** Counts and cuts characters (code points, {@link RequestChecks#characterCount}), never half of one. */
  private static String cut(String value, int max) {
    int characters = RequestChecks.characterCount(value);
    if (characters <= max) {
      return value;
    }
    return value.substring(0, value.offsetByCodePoints(0, max)) + "... (" + characters + " characters)";
  }
}
