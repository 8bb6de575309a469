package io.glassbox.launcher;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.Retries;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** How the CLI's client commands call a running suite: one channel, one call, a clear error. */
final class CliCalls {
  /**
   * How long a command waits to connect before its call's deadline starts. Starting Java's
   * networking and connecting took seconds on a loaded 2-core machine, so a deadline that counted
   * them ran out before the server was asked (health's 1 s one, six times of six).
   */
  static final Duration CONNECT_LIMIT = Duration.ofSeconds(20);

  private CliCalls() {}

  /**
   * A channel to {@code target} with the key and TLS files of GLASSBOX_CLIENT_KEY_FILE and
   * GLASSBOX_TLS_* (when set); no retries (a person or a benchmark sees every failure).
   */
  static ManagedChannel channel(String target) {
    return ClientChannels.forTarget(target, ClientSettings.load(ConfigSource.fromEnvironment()), Retries.none());
  }

  /**
   * Connects {@code channel} and waits, at most {@code limit}, until it is ready or has failed
   * (nothing listening, a TLS mismatch: a call then fails at once and says why). Returns false
   * when neither happened in time.
   */
  static boolean connect(ManagedChannel channel, Duration limit) throws InterruptedException {
    CountDownLatch settled = new CountDownLatch(1);
    new Runnable() {
      @Override
      public void run() {
        ConnectivityState state = channel.getState(true);
        if (state == ConnectivityState.READY || state == ConnectivityState.TRANSIENT_FAILURE
            || state == ConnectivityState.SHUTDOWN) {
          settled.countDown();
        } else {
          channel.notifyWhenStateChanged(state, this);
        }
      }
    }.run();
    return settled.await(limit.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** What a command prints when {@link #connect} ran out of time. */
  static String noConnection(String target) {
    return "no connection to " + target + " within " + CONNECT_LIMIT.toSeconds()
        + " s: something there accepts connections but does not speak gRPC, or the network or machine is very slow.";
  }

  /**
   * Prints a failed call as {@code <command>: CODE: description}, then, where the failure has a
   * usual cause the caller fixes or a server's log says more, what to do ({@link CallHints}).
   */
  static void printFailure(PrintStream err, String command, StatusRuntimeException failure, String target) {
    Status status = failure.getStatus();
    err.printf("%s: %s: %s%n", command, status.getCode(),
        status.getDescription() == null ? "(no details)" : status.getDescription());
    CallHints.hint(failure, target, ConfigSource.fromEnvironment())
        .ifPresent(hint -> err.printf("%s: %s%n", command, hint));
  }

  /** A service's reply as JSON, as {@code --json} prints it: every field, with its proto name. */
  static String json(MessageOrBuilder reply) {
    try {
      return JsonFormat.printer().includingDefaultValueFields().preservingProtoFieldNames().print(reply) + "\n";
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a reply that JSON cannot hold", e);   // only Any fields can
    }
  }

  /**
   * Runs {@code call} on a {@link #channel} to {@code target} once it is {@linkplain #connect
   * connected}, so that a deadline {@code call} sets counts the answer only, and closes it.
   * Returns the exit code: {@code call}'s, or 1 after printing why there was no connection or a
   * failed call's status.
   */
  static int withChannel(String target, Function<ManagedChannel, Integer> call) throws InterruptedException {
    ManagedChannel channel = channel(target);
    try {
      if (!connect(channel, CONNECT_LIMIT)) {
        System.err.println("glassbox: " + noConnection(target));
        return 1;
      }
      return call.apply(channel);
    } catch (StatusRuntimeException e) {
      printFailure(System.err, "glassbox", e, target);
      return 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
