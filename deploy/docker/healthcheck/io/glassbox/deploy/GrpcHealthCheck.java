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
 * for the status of SERVICE, or its overall status without one, and exits 0 only when it is
 * SERVING. Kubernetes does not need this (its probes speak gRPC natively); compose does, and the
 * runtime image has no grpc_health_probe binary.
 *
 * <p>Usage: {@code java -cp /app/healthcheck:/app/lib/* io.glassbox.deploy.GrpcHealthCheck
 * localhost:50052 glassbox.v1.FeatureService}
 */
public final class GrpcHealthCheck {
  private GrpcHealthCheck() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: GrpcHealthCheck HOST:PORT [SERVICE]");
      System.exit(2);
    }
    String service = args.length == 2 ? args[1] : "";
    String checked = service.isEmpty() ? args[0] : args[0] + " " + service;
    ManagedChannel channel = ManagedChannelBuilder.forTarget(args[0]).usePlaintext().build();
    int exitCode;
    try {
      ServingStatus status = HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(3, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service).build())
          .getStatus();
      System.out.println(checked + " " + status);
      exitCode = status == ServingStatus.SERVING ? 0 : 1;
    } catch (StatusRuntimeException e) {
      System.out.println(checked + " " + e.getStatus().getCode());
      exitCode = 1;
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(1, TimeUnit.SECONDS);
    }
    System.exit(exitCode);
  }
}
