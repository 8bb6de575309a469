package io.glassbox.server;

import io.grpc.MethodDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which methods a channel retries: only idempotent reads, only on UNAVAILABLE (the call never
 * reached a server that could act on it), at most {@value #MAX_ATTEMPTS} attempts, and with
 * retry throttling, so that a dependency that is down gets at most about one retry per ten
 * successful calls instead of a retry storm. Everything else is sent once.
 */
public final class Retries {
  static final double MAX_ATTEMPTS = 3;
  private final List<MethodDescriptor<?, ?>> methods;

  private Retries(List<MethodDescriptor<?, ?>> methods) {
    this.methods = List.copyOf(methods);
  }

  /** No retries (gRPC's transparent retry of calls that never left the client still applies). */
  public static Retries none() {
    return new Retries(List.of());
  }

  /** Retries these idempotent read methods. */
  public static Retries idempotentReads(MethodDescriptor<?, ?>... methods) {
    return new Retries(List.of(methods));
  }

  /** The service config: round-robin over every address, per-method retries, throttling. */
  Map<String, ?> serviceConfig() {
    List<Object> names = new ArrayList<>();
    for (MethodDescriptor<?, ?> method : methods) {
      names.add(Map.of("service", method.getServiceName(), "method", method.getBareMethodName()));
    }
    List<Object> methodConfigs = new ArrayList<>();
    if (!names.isEmpty()) {
      methodConfigs.add(Map.of(
          "name", names,
          "retryPolicy", Map.of(
              "maxAttempts", MAX_ATTEMPTS,
              "initialBackoff", "0.02s",
              "maxBackoff", "0.2s",
              "backoffMultiplier", 2.0,
              "retryableStatusCodes", List.of("UNAVAILABLE"))));
    }
    return Map.of(
        "loadBalancingConfig", List.of(Map.of("round_robin", Map.of())),
        "methodConfig", methodConfigs,
        // Each failure costs 1 token, each success gives 0.1 back; below half of 10, no retries.
        "retryThrottling", Map.of("maxTokens", 10.0, "tokenRatio", 0.1));
  }

  /** The retried methods, for logs and tests. */
  List<String> methodNames() {
    return methods.stream().map(MethodDescriptor::getFullMethodName).toList();
  }
}
