package io.glassbox.server;

/**
 * The one message-size limit of every Glassbox server and client, so that what a server may
 * send is what a client accepts. Servers refuse a larger request with RESOURCE_EXHAUSTED before
 * reading it; the model service refuses a Score whose answer would exceed it before inference
 * (its proto documents the budget).
 */
public final class MessageLimits {
  /** 16 MiB: the largest request or response on any Glassbox channel. */
  public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
  /** Largest header block a server accepts (keys, request ids, deadlines): gRPC's default. */
  public static final int MAX_METADATA_BYTES = 8 * 1024;

  private MessageLimits() {}
}
