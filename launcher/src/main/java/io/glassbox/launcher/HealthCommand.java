package io.glassbox.launcher;

import io.glassbox.server.ConfigSource;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Waits until a server's standard gRPC health check says SERVING: its overall status, or with
 * {@code --ready} also that of each service it lists through server reflection.
 */
@Command(name = "health", description = "Wait until a server reports SERVING on grpc.health.v1 (overall status;"
    + " with --ready, every service's too).",
    footer = {"Connecting and the answers all count in --wait (one try without it: 5 s for both);"
        + " one answer is waited for 5 s at most, then asked again.",
        "The overall status stays SERVING once a server has started, while a backend its services need is down"
            + " (Redis under the feature service); --ready also asks each service it lists through server"
            + " reflection, which go NOT_SERVING then, as /ready on its metrics port does.",
        "Exit status: 0 once SERVING, 1 if not SERVING within --wait."})
final class HealthCommand implements Callable<Integer> {
  /**
   * How long health asks without {@code --wait}, connecting included, and the longest one try
   * waits for its answer once connected. A single try had 1 s for both, and on a loaded machine
   * connecting took it all.
   */
  static final Duration TRY_LIMIT = Duration.ofSeconds(5);
  /** How long health waits between tries; one is not started with less than twice this left. */
  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

  @Option(names = "--target", converter = TargetConverter.class, defaultValue = GatewayAddress.DEFAULT_TARGET,
      description = "host:port of the server (default ${DEFAULT-VALUE}, the gateway: "
          + GatewayAddress.TARGET_VARIABLE + " when set, else that of bin/glassbox up).")
  String target;

  /** The longest --wait: a day. Far longer ones (PT3000000H) overflowed a nanosecond count, a stack trace. */
  static final Duration MAX_WAIT = Duration.ofDays(1);

  /** --wait: a duration as the other options take it, up to {@link #MAX_WAIT}. */
  static final class WaitConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration wait = new DurationConverter().convert(value);
      if (wait.compareTo(MAX_WAIT) > 0) {
        throw new CommandLine.TypeConversionException("'" + value + "' is longer than --wait takes: give at most 24h");
      }
      return wait;
    }
  }

  @Option(names = "--wait", defaultValue = "0s", converter = WaitConverter.class,
      description = "How long to keep asking, at most, up to 24h (default: ask once).")
  Duration wait;

  @Option(names = "--ready", description = "SERVING only when every service the server lists through server"
      + " reflection is SERVING too, as /ready on its metrics port says; else names the one that is not.")
  boolean ready;

  /** The client settings (key and TLS files) the channel and a failed check's hint take; a test names its own. */
  Supplier<ConfigSource> settings = ConfigSource::fromEnvironment;

  /** The clock --wait and each try are counted on ({@link System#nanoTime}); a test's runs ahead. */
  LongSupplier nanoTime = System::nanoTime;

  @Override
  public Integer call() throws InterruptedException {
    // Read once, not at every failed try of a --wait.
    ConfigSource settings = this.settings.get();
    ManagedChannel channel = CliCalls.channel(target, settings);
    // Counted from here, once the channel can connect: reading the TLS files and the JVM's TLS start-up
    // took 6 to 10 s of a fresh JVM on a loaded machine, and a handshake that then failed was said as
    // "no connection within 5 s".
    long end = nanoTime.getAsLong() + (wait.isZero() ? TRY_LIMIT : wait).toNanos();
    try {
      String notServing;
      while (true) {
        Optional<String> answer = ask(channel, end, settings);
        if (answer.isEmpty()) {
          System.out.println(target + " is SERVING");
          return 0;
        }
        notServing = answer.get();
        if (wait.isZero() || left(end).compareTo(POLL_INTERVAL.multipliedBy(2)) < 0) {
          break;
        }
        TimeUnit.NANOSECONDS.sleep(POLL_INTERVAL.toNanos()); // a poll interval, not a wait for a condition
      }
      notServing.lines().forEach(line -> System.err.println("glassbox health: " + line));
      return 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * One try, connecting and answering by {@code end} ({@link System#nanoTime}), the answer within
   * {@link #TRY_LIMIT}: empty when SERVING, else what was found instead, with what to do as the
   * other commands say it ({@link CallHints}, from {@code settings}) on a line of its own. Running
   * out of time is said as such, not as the server's status; a DEADLINE_EXCEEDED that a server of
   * the suite sent ({@link CliCalls#ownDeadlineRanOut} tells them apart) is its answer, said with its words.
   *
   * <p>The hint is the one every client command prints; the lines around it are not {@link
   * CliCalls#printFailure}'s, whose needs differ: health prints only its last try's answer, so it
   * needs the words as a value; its first line says the server's state, "T is NOT_SERVING" for an
   * answer as "T is UNAVAILABLE" for a check a server failed, not the status's description (where
   * the check's own connection failed, or something at T that is not a server of the suite answered,
   * the line is the other commands', "UNAVAILABLE: could not connect to T (connection refused)",
   * "UNAVAILABLE: T is not a server of the suite (a proxy in front of it?); it answered: …"); and its answer's
   * deadline is a try's (5 s, or what --wait has left), so running out names no option whose larger
   * value would do.
   */
  private Optional<String> ask(ManagedChannel channel, long end, ConfigSource settings) throws InterruptedException {
    if (CliCalls.connect(channel, target, left(end)).isPresent()) {
      // Said with the time the user gave, not what was left of it at this try (none, for --wait 10ms).
      return Optional.of(CliCalls.noConnection(target, wait.isZero() ? TRY_LIMIT : wait));
    }
    Duration limit = left(end).compareTo(TRY_LIMIT) < 0 ? left(end) : TRY_LIMIT;
    // One deadline for the whole try: the overall check, the list of services and each service's check.
    Deadline deadline = Deadline.after(limit.toNanos(), TimeUnit.NANOSECONDS);
    try {
      HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel).withDeadline(deadline);
      ServingStatus status = health.check(HealthCheckRequest.getDefaultInstance()).getStatus();
      if (status != ServingStatus.SERVING) {
        return Optional.of(target + " is " + status.name());
      }
      if (ready) {
        Optional<List<String>> services = new ReflectedServices(channel, deadline).list();
        if (services.isEmpty()) {
          // Not "does --target name the right server?": it just answered the health check.
          return Optional.of(target + " is SERVING overall but serves no server reflection ("
              + ServerReflectionGrpc.SERVICE_NAME + "), which --ready needs to list its services");
        }
        for (String service : services.get()) {
          Optional<ServingStatus> serviceStatus = status(health, service);
          if (serviceStatus.isPresent() && serviceStatus.get() != ServingStatus.SERVING) {
            return Optional.of(target + " is up, but its service " + service + " is " + serviceStatus.get().name()
                + " (not ready: a backend it needs is down or being restored; the server's log says why)");
          }
        }
      }
      return Optional.empty();
    } catch (StatusRuntimeException e) {
      if (CliCalls.ownDeadlineRanOut(e)) {
        return Optional.of(CliCalls.noAnswer(target, CliCalls.seconds(wait.isZero() ? TRY_LIMIT : limit)) + ".");
      }
      // A DEADLINE_EXCEEDED a server of the suite sent is an answer: its description says what it waited for.
      Status status = e.getStatus();
      String said = status.getCode() == Status.Code.DEADLINE_EXCEEDED && status.getDescription() != null
          ? ": " + status.getDescription() : "";
      CallHints.Told told = CallHints.tell(e, target, settings, Deadline.after(left(end).toNanos(), TimeUnit.NANOSECONDS));
      // The check's own failure is said as every command says it; the hint then says only what to do.
      return Optional.of(told.whatFailed().map(what -> CliCalls.statusLine(status, what))
          .orElse(target + " is " + status.getCode().name() + said) + told.hint().map(hint -> "\n" + hint).orElse(""));
    }
  }

  /** {@code service}'s health status; empty for one the server keeps none for (the health and reflection services). */
  private static Optional<ServingStatus> status(HealthGrpc.HealthBlockingStub health, String service) {
    try {
      return Optional.of(health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private Duration left(long end) {
    return Duration.ofNanos(Math.max(0, end - nanoTime.getAsLong()));
  }
}
