package io.glassbox.server;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The size limits of every Glassbox server and client: gRPC messages, so that what a server may
 * send is what a client accepts, and HTTP request headers. Servers refuse a larger gRPC request
 * with RESOURCE_EXHAUSTED before reading it; the model service refuses a Score whose answer would
 * exceed it before inference (its proto documents the budget).
 */
public final class MessageLimits {
  private static final Logger log = LoggerFactory.getLogger(MessageLimits.class);
  /** One warning of a bad limit per process and hour, not one per server started. */
  private static final WarningLimiter warnings = new WarningLimiter(Duration.ofHours(1));
  /** 16 MiB: the largest request or response on any Glassbox channel. */
  public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
  /** Largest header block a server accepts (keys, request ids, deadlines): gRPC's default. */
  public static final int MAX_METADATA_BYTES = 8 * 1024;
  /**
   * 32 KiB: the largest request line and headers, together, that an HTTP port of a Glassbox
   * process (metrics, the viewer page) reads; a larger request's connection is closed without an
   * answer. The metrics port's {@link HeadFirstHttpServer} holds at most this per connection.
   * The JDK's own limit (the viewer's server) is 380 KiB, and it holds 3.5 to 5 times the bytes
   * while it reads them, on the connection's thread: 128 connections that each sent a 370 KB header and stalled
   * held 173 MB of the gateway's 192 MB heap, 128 that send 32,000 bytes hold 15 MB. Browsers and
   * Prometheus send under 8 KiB of headers; the viewer's longest query is 16 KiB.
   */
  public static final int MAX_HTTP_HEADER_BYTES = 32 * 1024;
  /** The JDK HTTP server's header limit, which it reads once per process. */
  static final String HTTP_HEADER_PROPERTY = "sun.net.httpserver.maxReqHeaderSize";

  /**
   * Sets the JDK HTTP server's header limit to {@link #MAX_HTTP_HEADER_BYTES}, unless the process
   * was started with its own {@code -Dsun.net.httpserver.maxReqHeaderSize}. The JDK reads the
   * property when the process makes its first HTTP server, so each place that makes one calls this
   * first.
   */
  public static void limitHttpHeaders() {
    Object own = System.getProperties().putIfAbsent(HTTP_HEADER_PROPERTY, Integer.toString(MAX_HTTP_HEADER_BYTES));
    if (own != null && !isPositiveInt(own.toString())) {
      warnings.log(log, Level.WARN, "-D{}={} is not a positive number of bytes: the JDK reads HTTP request headers of"
          + " 380 KiB, or of any size, instead", HTTP_HEADER_PROPERTY, own);
    }
  }

  private static boolean isPositiveInt(String text) {
    try {
      return Integer.parseInt(text.strip()) > 0;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private MessageLimits() {}
}
