package io.glassbox.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Finding where a request's head ends as its bytes arrive, a few at a time. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RequestHeadTest {
  @Test
  void endFinder_bytesArrivingInAnyPieces_findsTheEndOfTheFirstHead() {
    List<String> heads = List.of(
        "GET /live HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "\r\n\r\nGET /live HTTP/1.1\r\n\r\nGET /ready HTTP/1.1\r\n\r\n",
        "GET /live HTTP/1.1\r\n\r\n\r\n");
    List<Integer> ends = List.of(39, 26, 22);
    for (int h = 0; h < heads.size(); h++) {
      byte[] bytes = heads.get(h).getBytes(ISO_8859_1);
      for (int piece = 1; piece <= bytes.length; piece++) {
        RequestHead.EndFinder finder = new RequestHead.EndFinder();
        int found = -1;
        for (int length = Math.min(piece, bytes.length); found < 0; length = Math.min(length + piece, bytes.length)) {
          found = finder.find(bytes, length);
          if (length == bytes.length) {
            break;
          }
        }
        assertEquals(ends.get(h), found, heads.get(h) + " in pieces of " + piece);
      }
    }
  }

  @Test
  void endFinder_reset_findsTheNextHeadFromItsStart() {
    RequestHead.EndFinder finder = new RequestHead.EndFinder();
    byte[] first = "GET /a HTTP/1.1\r\nX: y".getBytes(ISO_8859_1);
    assertEquals(-1, finder.find(first, first.length));
    finder.reset();
    byte[] next = "GET / HTTP/1.1\r\n\r\n".getBytes(ISO_8859_1);
    assertEquals(next.length, finder.find(next, next.length));
  }

  /**
   * A head that comes a byte at a time is looked at a byte at a time, not from its start at every
   * byte: 4 MiB cost milliseconds so, some hours rescanned (8 trillion byte looks).
   */
  @Test
  void endFinder_aHugeHeadAByteAtATime_isScannedOnce() {
    byte[] bytes = new byte[4 << 20];
    Arrays.fill(bytes, (byte) 'a');
    byte[] end = "\r\n\r\n".getBytes(ISO_8859_1);
    System.arraycopy(end, 0, bytes, bytes.length - end.length, end.length);
    RequestHead.EndFinder finder = new RequestHead.EndFinder();
    int found = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      for (int length = 1; length < bytes.length; length++) {
        if (finder.find(bytes, length) >= 0) {
          return -2;
        }
      }
      return finder.find(bytes, bytes.length);
    });
    assertEquals(bytes.length, found);
  }
}
