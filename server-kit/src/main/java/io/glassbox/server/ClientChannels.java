package io.glassbox.server;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.util.List;
import java.util.Map;

/**
 * Builds the channels services use to call each other. Retries come from a service config, for
 * UNAVAILABLE only (the call never reached a server that could act on it); load is balanced
 * round-robin over every address the target resolves to (a headless Service on Kubernetes).
 * Whoever builds a channel shuts it down.
 */
public final class ClientChannels {
  private static final String IN_PROCESS_PREFIX = "in-process:";
  /**
   * Largest response a client accepts. Score answers with attention and contribution rows grow
   * past gRPC's 4 MiB default (40 rows x 200 candidates x 50 history items is about 3.3 MB).
   */
  static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

  private ClientChannels() {}

  /**
   * A plaintext channel to {@code target}: {@code host:port}, any gRPC target URI such as
   * {@code dns:///feature-service:50052}, or {@code in-process:NAME} for a server in this process.
   */
  public static ManagedChannel forTarget(String target) {
    if (target.startsWith(IN_PROCESS_PREFIX)) {
      return InProcessChannelBuilder.forName(target.substring(IN_PROCESS_PREFIX.length()))
          .defaultServiceConfig(serviceConfig())
          .enableRetry()
          .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
          .build();
    }
    return ManagedChannelBuilder.forTarget(target)
        .usePlaintext()
        .defaultServiceConfig(serviceConfig())
        .enableRetry()
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        .build();
  }

  /** Round-robin plus up to 3 attempts on UNAVAILABLE, for every method. */
  static Map<String, ?> serviceConfig() {
    Map<String, Object> retryPolicy = Map.of(
        "maxAttempts", 3.0,
        "initialBackoff", "0.02s",
        "maxBackoff", "0.2s",
        "backoffMultiplier", 2.0,
        "retryableStatusCodes", List.of("UNAVAILABLE"));
    Map<String, Object> methodConfig = Map.of(
        "name", List.of(Map.of()),
        "retryPolicy", retryPolicy);
    return Map.of(
        "loadBalancingConfig", List.of(Map.of("round_robin", Map.of())),
        "methodConfig", List.of(methodConfig));
  }
}
