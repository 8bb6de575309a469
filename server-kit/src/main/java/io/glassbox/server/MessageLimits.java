package io.glassbox.server;

/**
 * The size limits of every Glassbox server and client: gRPC messages, so that what a server may
 * send is what a client accepts, and HTTP request headers. Servers refuse a larger gRPC request
 * with RESOURCE_EXHAUSTED before reading it; the model service refuses a Score whose answer would
 * exceed it before inference (its proto documents the budget).
 */
public final class MessageLimits {
  /** 16 MiB: the largest request or response on any Glassbox channel. */
  public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
  /** Largest header block a server accepts (keys, request ids, deadlines): gRPC's default. */
  public static final int MAX_METADATA_BYTES = 8 * 1024;
  /**
   * 32 KiB: the largest request line and headers, together, that an HTTP port of a Glassbox
   * process (metrics, the viewer page) reads; a larger request's connection is closed without an
   * answer. Their {@link HeadFirstHttpServer} holds at most this per connection. The JDK's own
   * server, which served the viewer's HTTPS until 2026-12-07, read 380 KiB and held 3.5 to 5 times
   * the bytes while it read them: 128 connections that each sent a 370 KB header and stalled held
   * 173 MB of the gateway's 192 MB heap. Browsers and Prometheus send under 8 KiB of headers; the
   * viewer's longest query is 16 KiB.
   */
  public static final int MAX_HTTP_HEADER_BYTES = 32 * 1024;

  private MessageLimits() {}
}
