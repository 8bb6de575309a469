package io.glassbox.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import com.sun.net.httpserver.Headers;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * An HTTP/1.1 request's line and headers, read as the JDK's {@code HttpServer} reads them (lines
 * end in CRLF, blank lines before the request line are skipped, header names are case-insensitive).
 *
 * @param closeAfter whether the connection closes after the answer: the client asked for it
 *     ({@code Connection: close}, or HTTP/1.0 without keep-alive), or the request has a body, which
 *     is not read
 */
record RequestHead(String method, URI uri, String protocol, Headers headers, boolean closeAfter) {
  private static final byte CR = '\r';
  private static final byte LF = '\n';

  /**
   * Where the head in {@code bytes[0, length)} ends (after its blank line), or -1 while it has not
   * fully arrived.
   */
  static int end(byte[] bytes, int length) {
    int start = 0;
    while (start + 1 < length && bytes[start] == CR && bytes[start + 1] == LF) {
      start += 2;
    }
    for (int i = start + 3; i < length; i++) {
      if (bytes[i] == LF && bytes[i - 1] == CR && bytes[i - 2] == LF && bytes[i - 3] == CR) {
        return i + 1;
      }
    }
    return -1;
  }

  /**
   * Reads a complete head; throws IllegalArgumentException, with the words the JDK's server
   * answers 400 with, for a request line it would refuse.
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
      throw new IllegalArgumentException("Bad request line");
    }
    URI uri;
    try {
      uri = new URI(requestLine.substring(space + 1, secondSpace));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("URISyntaxException thrown", e);
    }
    Headers headers = new Headers();
    for (int i = first + 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.add(lines[i].substring(0, colon).strip(), lines[i].substring(colon + 1).strip());
      }
    }
    String protocol = requestLine.substring(secondSpace + 1);
    String connection = headers.getFirst("Connection");
    boolean http10 = protocol.equalsIgnoreCase("HTTP/1.0");
    boolean closeAfter = "close".equalsIgnoreCase(connection) || (http10 && !"keep-alive".equalsIgnoreCase(connection))
        || headers.containsKey("Transfer-encoding") || hasContent(headers.getFirst("Content-length"));
    return new RequestHead(requestLine.substring(0, space), uri, protocol, headers, closeAfter);
  }

  /** Whether the request says it has a body (one whose length cannot be read is taken to have one). */
  private static boolean hasContent(String contentLength) {
    try {
      return contentLength != null && Long.parseLong(contentLength.strip()) != 0;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  boolean http10() {
    return protocol.equalsIgnoreCase("HTTP/1.0");
  }
}
