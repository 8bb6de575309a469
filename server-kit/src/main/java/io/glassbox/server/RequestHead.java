package io.glassbox.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import com.sun.net.httpserver.Headers;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/**
 * An HTTP/1.1 request's line and headers, read as the JDK's {@code HttpServer} reads them (lines
 * end in CRLF, blank lines before the request line are skipped, header names are case-insensitive).
 *
 * @param closeAfter whether the connection closes after the answer: the client asked for it
 *     ({@code Connection: close}, or HTTP/1.0 without keep-alive), or the request has a body, which
 *     is not read (and so never taken for the next request)
 */
record RequestHead(String method, URI uri, String protocol, Headers headers, boolean closeAfter) {
  private static final byte CR = '\r';
  private static final byte LF = '\n';

  /**
   * Finds where a head ends as its bytes arrive, looking at each byte about once: a head that comes
   * a byte at a time must not cost a scan from its first byte at every read (20 connections
   * dripping 32 KiB heads a byte at a time cost the selector 1.86 s of CPU that way).
   */
  static final class EndFinder {
    /** Where the blank lines before the request line end, as far as they have arrived. */
    private int start;
    /** The first place the blank line ending the head may begin that was not yet looked at. */
    private int from;

    /**
     * Where the head in {@code bytes[0, length)} ends (after its blank line), or -1 while it has not
     * fully arrived; between calls the bytes may only grow, until {@link #reset}.
     */
    int find(byte[] bytes, int length) {
      while (start + 1 < length && bytes[start] == CR && bytes[start + 1] == LF) {
        start += 2;
      }
      for (int i = Math.max(from, start) + 3; i < length; i++) {
        if (bytes[i] == LF && bytes[i - 1] == CR && bytes[i - 2] == LF && bytes[i - 3] == CR) {
          return i + 1;
        }
      }
      from = Math.max(start, length - 3);
      return -1;
    }

    /** Starts over, for a head whose bytes begin at 0. */
    void reset() {
      start = 0;
      from = 0;
    }
  }

  /**
   * Reads a complete head; throws {@link Refused}, with the status and the words the JDK's server
   * answers with, for a head it would refuse.
   */
  static RequestHead parse(byte[] head) {
    String[] lines = new String(head, ISO_8859_1).split("\r\n");
    int first = 0;
    while (first < lines.length && lines[first].isEmpty()) {
      first++;
    }
    String requestLine = first < lines.length ? lines[first] : "";
    int space = requestLine.indexOf(' ');
    int secondSpace = space < 0 ? -1 : requestLine.indexOf(' ', space + 1);
    if (secondSpace < 0) {
      throw new Refused(400, "Bad request line");
    }
    URI uri;
    try {
      uri = new URI(requestLine.substring(space + 1, secondSpace));
    } catch (URISyntaxException e) {
      throw new Refused(400, "URISyntaxException thrown");
    }
    Headers headers = new Headers();
    for (int i = first + 1; i < lines.length; i++) {
      if (lines[i].startsWith(" ") || lines[i].startsWith("\t")) {
        // obs-fold: refused, as RFC 9112 allows, rather than read as a header of its own.
        throw new Refused(400, "Folded header lines are not accepted");
      }
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        try {
          headers.add(lines[i].substring(0, colon).strip(), lines[i].substring(colon + 1).strip());
        } catch (IllegalArgumentException e) {
          // A CR or LF alone in a name or a value: the JDK's server refuses these heads in these words.
          throw new Refused(400, "Header key contains illegal characters");
        }
      }
    }
    String protocol = requestLine.substring(secondSpace + 1);
    long body = bodyLength(headers);
    String connection = headers.getFirst("Connection");
    boolean http10 = protocol.equalsIgnoreCase("HTTP/1.0");
    boolean closeAfter = "close".equalsIgnoreCase(connection) || (http10 && !"keep-alive".equalsIgnoreCase(connection))
        || body != 0;
    return new RequestHead(requestLine.substring(0, space), uri, protocol, headers, closeAfter);
  }

  /**
   * The request body's length in bytes, -1 for chunks, 0 for none. Refuses, as the JDK's server
   * does (its words, its codes), a body whose length the server and a proxy in front could read
   * differently: two lengths, a length beside chunks, a length that is no number or negative (400),
   * a transfer coding other than chunked alone (501). A body that passes is never read: the
   * connection closes after the answer, so a body is never taken for the next request (skipping it
   * instead would keep a worker or the selector busy with bytes no handler wants).
   */
  private static long bodyLength(Headers headers) {
    List<String> lengths = headers.get("Content-length");
    List<String> codings = headers.get("Transfer-encoding");
    if (lengths != null && (codings != null || lengths.size() > 1)) {
      throw new Refused(400, "Conflicting or malformed headers detected");
    }
    if (codings != null && (codings.size() > 1 || !codings.get(0).equalsIgnoreCase("chunked"))) {
      throw new Refused(501, "Unsupported Transfer-Encoding value");
    }
    if (codings != null) {
      return -1;
    }
    if (lengths == null) {
      return 0;
    }
    long length;
    try {
      length = Long.parseLong(lengths.get(0));
    } catch (NumberFormatException e) {
      throw new Refused(400, "NumberFormatException thrown");
    }
    if (length < 0) {
      throw new Refused(400, "Illegal Content-Length value");
    }
    return length;
  }

  /** A head the JDK's server refuses before any handler: its status {@code code} and its words. */
  static final class Refused extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final int code;

    Refused(int code, String message) {
      super(message);
      this.code = code;
    }

    int code() {
      return code;
    }
  }

  boolean http10() {
    return protocol.equalsIgnoreCase("HTTP/1.0");
  }
}
