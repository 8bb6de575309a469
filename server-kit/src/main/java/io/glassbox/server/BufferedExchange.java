package io.glassbox.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request of a {@link HeadFirstHttpServer}, run by its handler on a worker thread: the request
 * has fully arrived, and the answer is collected in memory, then handed to the server to write,
 * so the handler never waits for the client. The answer's bytes are those the JDK's own exchange
 * writes (status line, a {@code Date} header, {@code Content-length} or chunks of 4,096 bytes),
 * except that a flush does not end a chunk. The request's body, if any, is not read: the
 * connection closes after the answer.
 */
final class BufferedExchange extends HttpExchange {
  private static final Logger log = LoggerFactory.getLogger(BufferedExchange.class);
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss zzz", Locale.US).withZone(ZoneId.of("GMT"));
  private static final int CHUNK_BYTES = 4096;
  /** The size of the pieces the answer is handed over in, each let go once it is sent. */
  private static final int HANDED_OVER_BYTES = 64 * 1024;

  private final RequestHead request;
  private final InetSocketAddress local;
  private final InetSocketAddress remote;
  private final HeadFirstHttpServer.Connection connection;
  private final HeadFirstHttpServer server;
  private final Headers responseHeaders = new Headers();
  private final Map<String, Object> attributes = new HashMap<>();
  /** The status line and headers, then the body as it is written. */
  private final AnswerBytes answer = new AnswerBytes();
  private int code = -1;
  private Body body;
  private boolean closeAfter;
  private boolean finished;

  BufferedExchange(RequestHead request, Socket socket, HeadFirstHttpServer.Connection connection,
      HeadFirstHttpServer server) {
    this.request = request;
    this.local = (InetSocketAddress) socket.getLocalSocketAddress();
    this.remote = (InetSocketAddress) socket.getRemoteSocketAddress();
    this.connection = connection;
    this.server = server;
    this.closeAfter = request.closeAfter();
    if (request.http10()) {
      // As the JDK's server says it before the handler runs.
      responseHeaders.set("Connection", closeAfter ? "close" : "keep-alive");
    }
  }

  /**
   * What the JDK's server answers to a request it refuses before any handler ({@code code} with
   * {@code message}), its connection then closed.
   */
  static byte[] rejection(int code, String message) {
    String text = "<h1>" + code + reason(code) + "</h1>" + message;
    return ("HTTP/1.1 " + code + reason(code) + "\r\nContent-Length: " + text.length()
        + "\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n" + text).getBytes(ISO_8859_1);
  }

  /** Runs {@code handler}; an answer it did not complete is none: the connection is closed. */
  void run(HttpHandler handler) {
    try {
      handler.handle(this);
    } catch (IOException | RuntimeException e) {
      log.debug("{} {}: the handler failed, closing the connection", request.method(), request.uri(), e);
    } catch (Error e) {
      // A bug, to the log once: rethrown it would go to stderr from a worker, and stop the port from
      // the selector.
      log.error("{} {}: the handler failed, closing the connection", request.method(), request.uri(), e);
    } finally {
      if (!finished) {
        finish(false);
      }
    }
  }

  @Override
  public Headers getRequestHeaders() {
    return request.headers();
  }

  @Override
  public Headers getResponseHeaders() {
    return responseHeaders;
  }

  @Override
  public URI getRequestURI() {
    return request.uri();
  }

  @Override
  public String getRequestMethod() {
    return request.method();
  }

  @Override
  public HttpContext getHttpContext() {
    throw new UnsupportedOperationException("one handler serves every path: there are no contexts");
  }

  /** Completes the answer; without a status sent, closes the connection unanswered (as the JDK's server does). */
  @Override
  public void close() {
    if (finished) {
      return;
    }
    if (body == null) {
      finish(false);
      return;
    }
    try {
      body.close();
    } catch (IOException e) {
      log.debug("{} {}: {}", request.method(), request.uri(), e.getMessage());
    }
  }

  @Override
  public InputStream getRequestBody() {
    return InputStream.nullInputStream();
  }

  @Override
  public OutputStream getResponseBody() {
    if (body == null) {
      throw new IllegalStateException("sendResponseHeaders first");
    }
    return body;
  }

  /** As the JDK's {@code ExchangeImpl.sendResponseHeaders}: the same headers, the same framing. */
  @Override
  public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
    if (body != null) {
      throw new IOException("headers already sent");
    }
    code = rCode;
    long length = responseLength;
    boolean noContentLengthHeader = false;
    responseHeaders.set("Date", DATE.format(Instant.now()));
    if ((rCode >= 100 && rCode < 200) || rCode == 204 || rCode == 304) {
      length = -1;
      noContentLengthHeader = rCode != 304;
    }
    Framing framing;
    if (isHead() || rCode == 304) {
      framing = Framing.NONE;
    } else if (length == 0) {
      if (request.http10()) {
        framing = Framing.UNTIL_CLOSE;
        closeAfter = true;
      } else {
        responseHeaders.set("Transfer-encoding", "chunked");
        framing = Framing.CHUNKED;
      }
    } else {
      if (length == -1) {
        framing = Framing.NONE;
        length = 0;
      } else {
        framing = Framing.FIXED;
      }
      if (!noContentLengthHeader) {
        responseHeaders.set("Content-length", Long.toString(length));
      }
    }
    StringBuilder head = new StringBuilder("HTTP/1.1 ").append(rCode).append(reason(rCode)).append("\r\n");
    for (Map.Entry<String, List<String>> header : responseHeaders.entrySet()) {
      for (String value : header.getValue()) {
        head.append(header.getKey()).append(": ").append(value).append("\r\n");
      }
    }
    answer.writeBytes(head.append("\r\n").toString().getBytes(ISO_8859_1));
    body = new Body(framing, framing == Framing.FIXED ? length : 0);
    if (framing == Framing.NONE) {
      finish(true);
    }
  }

  @Override
  public InetSocketAddress getRemoteAddress() {
    return remote;
  }

  @Override
  public int getResponseCode() {
    return code;
  }

  @Override
  public InetSocketAddress getLocalAddress() {
    return local;
  }

  @Override
  public String getProtocol() {
    return request.protocol();
  }

  @Override
  public Object getAttribute(String name) {
    return attributes.get(name);
  }

  @Override
  public void setAttribute(String name, Object value) {
    attributes.put(name, value);
  }

  @Override
  public void setStreams(InputStream i, OutputStream o) {
    throw new UnsupportedOperationException("no filters: the streams are the exchange's own");
  }

  @Override
  public HttpPrincipal getPrincipal() {
    return null;
  }

  private boolean isHead() {
    return "HEAD".equals(request.method());
  }

  /** Hands the answer to the server to write ({@code send}), or has it close the connection. */
  private void finish(boolean send) {
    finished = true;
    server.answer(new HeadFirstHttpServer.Answer(connection, send ? answer.chunks() : null, closeAfter));
  }

  /** The answer's bytes, handed over in pieces of {@value #HANDED_OVER_BYTES} bytes. */
  private static final class AnswerBytes extends ByteArrayOutputStream {
    ByteBuffer[] chunks() {
      ByteBuffer[] chunks = new ByteBuffer[Math.max(1, (count + HANDED_OVER_BYTES - 1) / HANDED_OVER_BYTES)];
      for (int i = 0; i < chunks.length; i++) {
        int start = i * HANDED_OVER_BYTES;
        chunks[i] = ByteBuffer.wrap(Arrays.copyOfRange(buf, start, Math.min(count, start + HANDED_OVER_BYTES)));
      }
      return chunks;
    }
  }

  /** How the body is delimited. */
  private enum Framing { NONE, FIXED, CHUNKED, UNTIL_CLOSE }

  /** The answer's body, written into memory; closing it completes the answer. */
  private final class Body extends OutputStream {
    private final Framing framing;
    private final long length;
    private final ByteArrayOutputStream content = new ByteArrayOutputStream();

    Body(Framing framing, long length) {
      this.framing = framing;
      this.length = length;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int count) throws IOException {
      if (finished) {
        throw new IOException("stream closed");
      }
      if (framing == Framing.FIXED && content.size() + (long) count > length) {
        throw new IOException("too many bytes to write to stream");
      }
      content.write(bytes, offset, count);
    }

    @Override
    public void close() throws IOException {
      if (finished) {
        return;
      }
      if (framing == Framing.FIXED && content.size() < length) {
        finish(false);
        throw new IOException("insufficient bytes written to stream");
      }
      if (framing == Framing.CHUNKED) {
        byte[] bytes = content.toByteArray();
        for (int start = 0; start < bytes.length; start += CHUNK_BYTES) {
          int count = Math.min(CHUNK_BYTES, bytes.length - start);
          answer.writeBytes((Integer.toHexString(count) + "\r\n").getBytes(ISO_8859_1));
          answer.write(bytes, start, count);
          answer.writeBytes("\r\n".getBytes(ISO_8859_1));
        }
        answer.writeBytes("0\r\n\r\n".getBytes(ISO_8859_1));
      } else {
        content.writeTo(answer);
      }
      finish(true);
    }
  }

  /**
   * The reason phrase the JDK's server writes after a status code, with its leading space: its
   * table ({@code sun.net.httpserver.Code}, JDK 17), 302 "Temporary Redirect" included.
   */
  private static String reason(int code) {
    return switch (code) {
      case 100 -> " Continue";
      case 200 -> " OK";
      case 201 -> " Created";
      case 202 -> " Accepted";
      case 203 -> " Non-Authoritative Information";
      case 204 -> " No Content";
      case 205 -> " Reset Content";
      case 206 -> " Partial Content";
      case 300 -> " Multiple Choices";
      case 301 -> " Moved Permanently";
      case 302 -> " Temporary Redirect";
      case 303 -> " See Other";
      case 304 -> " Not Modified";
      case 305 -> " Use Proxy";
      case 400 -> " Bad Request";
      case 401 -> " Unauthorized";
      case 402 -> " Payment Required";
      case 403 -> " Forbidden";
      case 404 -> " Not Found";
      case 405 -> " Method Not Allowed";
      case 406 -> " Not Acceptable";
      case 407 -> " Proxy Authentication Required";
      case 408 -> " Request Time-Out";
      case 409 -> " Conflict";
      case 410 -> " Gone";
      case 411 -> " Length Required";
      case 412 -> " Precondition Failed";
      case 413 -> " Request Entity Too Large";
      case 414 -> " Request-URI Too Large";
      case 415 -> " Unsupported Media Type";
      case 500 -> " Internal Server Error";
      case 501 -> " Not Implemented";
      case 502 -> " Bad Gateway";
      case 503 -> " Service Unavailable";
      case 504 -> " Gateway Timeout";
      case 505 -> " HTTP Version Not Supported";
      default -> " ";
    };
  }
}
