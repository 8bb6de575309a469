package io.glassbox.launcher;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Waits until a server's standard gRPC health check (overall status) says SERVING. */
@Command(name = "health", description = "Wait until a server reports SERVING on grpc.health.v1 (overall status).",
    footer = "Exit status: 0 once SERVING, 1 if not SERVING within --wait.")
final class HealthCommand implements Callable<Integer> {
  @Option(names = "--target", defaultValue = GatewayAddress.DEFAULT_TARGET,
      description = "host:port of the server (default ${DEFAULT-VALUE}, the gateway: "
          + GatewayAddress.TARGET_VARIABLE + " when set, else that of bin/glassbox up).")
  String target;

  @Option(names = "--wait", defaultValue = "0s", converter = DurationConverter.class,
      description = "How long to keep asking (default: ask once).")
  Duration wait;

  @Override
  public Integer call() throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    ManagedChannel channel = CliCalls.channel(target);
    try {
      HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
      String last = "no answer";
      do {
        try {
          ServingStatus status = health.withDeadlineAfter(1, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance()).getStatus();
          if (status == ServingStatus.SERVING) {
            System.out.println(target + " is SERVING");
            return 0;
          }
          last = status.name();
        } catch (StatusRuntimeException e) {
          last = e.getStatus().getCode().name();
        }
        TimeUnit.MILLISECONDS.sleep(200); // a poll interval, not a wait for a condition
      } while (System.nanoTime() < deadline);
      System.err.println("glassbox health: " + target + " is " + last);
      return 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
