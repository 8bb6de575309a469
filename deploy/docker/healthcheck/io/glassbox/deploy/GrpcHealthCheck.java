package io.glassbox.deploy;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.util.concurrent.TimeUnit;

/**
 * The container health check for docker compose: asks a server's standard gRPC health service
 * for its overall status and exits 0 only when it is SERVING. Kubernetes does not need this (its
 * probes speak gRPC natively); compose does, and the runtime image has no grpc_health_probe binary.
 *
 * <p>Usage: {@code java -cp /app/healthcheck:/app/lib/* io.glassbox.deploy.GrpcHealthCheck
 * localhost:50051}
 */
public final class GrpcHealthCheck {
  private GrpcHealthCheck() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 1) {
      System.err.println("usage: GrpcHealthCheck HOST:PORT");
      System.exit(2);
    }
    ManagedChannel channel = ManagedChannelBuilder.forTarget(args[0]).usePlaintext().build();
    int exitCode;
    try {
      ServingStatus status = HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(3, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance())
          .getStatus();
      System.out.println(args[0] + " " + status);
      exitCode = status == ServingStatus.SERVING ? 0 : 1;
    } catch (StatusRuntimeException e) {
      System.out.println(args[0] + " " + e.getStatus().getCode());
      exitCode = 1;
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(1, TimeUnit.SECONDS);
    }
    System.exit(exitCode);
  }
}
