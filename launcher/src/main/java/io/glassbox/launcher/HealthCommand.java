package io.glassbox.launcher;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Waits until a server's standard gRPC health check (overall status) says SERVING. */
@Command(name = "health", description = "Wait until a server reports SERVING on grpc.health.v1 (overall status).",
    footer = {"Each try waits up to 20 s to connect, then up to 5 s for the answer.",
        "Exit status: 0 once SERVING, 1 if not SERVING within --wait."})
final class HealthCommand implements Callable<Integer> {
  /** How long one try waits for the answer once connected (see {@link CliCalls#connect}). */
  static final Duration ANSWER_LIMIT = Duration.ofSeconds(5);

  @Option(names = "--target", converter = TargetConverter.class, defaultValue = GatewayAddress.DEFAULT_TARGET,
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
      String notServing;
      do {
        Optional<String> answer = ask(channel);
        if (answer.isEmpty()) {
          System.out.println(target + " is SERVING");
          return 0;
        }
        notServing = answer.get();
        TimeUnit.MILLISECONDS.sleep(200); // a poll interval, not a wait for a condition
      } while (System.nanoTime() < deadline);
      System.err.println("glassbox health: " + notServing);
      return 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * One try: empty when SERVING, else what was found instead. The answer's deadline starts once
   * connected, and running out of it is said as such, not as the server's status.
   */
  private Optional<String> ask(ManagedChannel channel) throws InterruptedException {
    if (!CliCalls.connect(channel, CliCalls.CONNECT_LIMIT)) {
      return Optional.of(CliCalls.noConnection(target));
    }
    try {
      ServingStatus status = HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(ANSWER_LIMIT.toMillis(), TimeUnit.MILLISECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
      return status == ServingStatus.SERVING ? Optional.empty() : Optional.of(target + " is " + status.name());
    } catch (StatusRuntimeException e) {
      return Optional.of(e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED
          ? "no answer from " + target + " within " + ANSWER_LIMIT.toSeconds() + " s"
          : target + " is " + e.getStatus().getCode().name());
    }
  }
}
