package io.glassbox.launcher;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.glassbox.server.ApiKeys;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.Retries;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
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
   * Prints a refused call as {@code <command>: CODE: description}, then, where the code has a
   * usual cause the caller fixes (no suite at the target, no key or the wrong one), what to do.
   */
  static void printFailure(PrintStream err, String command, Status status, String target) {
    err.printf("%s: %s: %s%n", command, status.getCode(),
        status.getDescription() == null ? "(no details)" : status.getDescription());
    printHints(err, command, List.of(status.getCode().name()), target);
  }

  /** The hints (see {@link #hint}) for the outcomes named, those that are gRPC status codes. */
  static void printHints(PrintStream err, String command, Collection<String> outcomes, String target) {
    Optional<String> keyFile = ConfigSource.fromEnvironment().get(ClientSettings.KEY_FILE_KEY);
    Arrays.stream(Status.Code.values()).filter(code -> outcomes.contains(code.name()))
        .flatMap(code -> hint(code, target, keyFile).stream())
        .forEach(hint -> err.printf("%s: %s%n", command, hint));
  }

  /** What to do about a call refused with {@code code}, given the key file the CLI sent from, if any. */
  static Optional<String> hint(Status.Code code, String target, Optional<String> keyFile) {
    return switch (code) {
      case UNAVAILABLE -> Optional.of("nothing answered at " + target + ". Is the suite up? Start it with "
          + "`bin/glassbox up` (ready once it prints \"Glassbox is up\"), or name another server with --target.");
      case UNAUTHENTICATED -> Optional.of(keyFile
          .map(file -> "the key in " + file + " (" + ClientSettings.KEY_FILE_KEY + ") is not one the server"
              + " accepts: its keys file (" + ApiKeys.FILE_KEY + ") lists the sha256 of each key it takes.")
          .orElse("the suite wants an API key: set " + ClientSettings.KEY_FILE_KEY + " to a file holding yours"
              + " (bin/glassbox sends it as \"authorization: Bearer <key>\")."));
      case PERMISSION_DENIED -> Optional.of("this call needs an admin key: set " + ClientSettings.KEY_FILE_KEY
          + " to a file holding one" + keyFile.map(file -> " (" + file + " holds a client key).").orElse("."));
      default -> Optional.empty();
    };
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
      printFailure(System.err, "glassbox", e.getStatus(), target);
      return 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
