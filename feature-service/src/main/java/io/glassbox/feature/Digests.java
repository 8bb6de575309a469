package io.glassbox.feature;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 of text, for ids derived from content and the dataset's fingerprint; SHA-1 where a Redis
 * script must compute the same ({@code redis.sha1hex}).
 */
final class Digests {
  private Digests() {}

  static byte[] sha256(String text) {
    return sha256().digest(text.getBytes(StandardCharsets.UTF_8));
  }

  /** A new SHA-256 digest, to feed in parts. */
  static MessageDigest sha256() {
    return digest("SHA-256");
  }

  /** A new SHA-1 digest, to feed in parts: what a Redis script computes with {@code redis.sha1hex}. */
  static MessageDigest sha1() {
    return digest("SHA-1");
  }

  /** {@code algorithm}, one every JVM must have. */
  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has " + algorithm, e);
    }
  }

  /** The 64 bits of {@code digest} from byte {@code from}, big-endian. */
  static long bits(byte[] digest, int from) {
    long value = 0;
    for (int i = from; i < from + 8; i++) {
      value = (value << 8) | (digest[i] & 0xff);
    }
    return value;
  }
}
