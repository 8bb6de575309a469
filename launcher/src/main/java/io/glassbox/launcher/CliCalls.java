package io.glassbox.launcher;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.Retries;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** How the CLI's client commands call a running suite: one channel, one call, a clear error. */
final class CliCalls {
  private CliCalls() {}

  /**
   * A channel to {@code target} with the key and TLS files of GLASSBOX_CLIENT_KEY_FILE and
   * GLASSBOX_TLS_* (when set); no retries (a person or a benchmark sees every failure).
   */
  static ManagedChannel channel(String target) {
    return ClientChannels.forTarget(target, ClientSettings.load(ConfigSource.fromEnvironment()), Retries.none());
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
   * Runs {@code call} on a {@link #channel} to {@code target} and closes it. Returns the exit
   * code: {@code call}'s, or 1 after printing a failed call's status.
   */
  static int withChannel(String target, Function<ManagedChannel, Integer> call) throws InterruptedException {
    ManagedChannel channel = channel(target);
    try {
      return call.apply(channel);
    } catch (StatusRuntimeException e) {
      printFailure(System.err, "glassbox", e, target);
      return 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
