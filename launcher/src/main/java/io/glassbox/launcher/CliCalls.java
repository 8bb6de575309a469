package io.glassbox.launcher;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.RequestIds;
import io.glassbox.server.Retries;
import io.grpc.ConnectivityState;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/** How the CLI's client commands call a running suite: one channel, one call, a clear error. */
final class CliCalls {
  /**
   * The longest a command that makes one call waits to connect, whatever its own timeout (health
   * waits as long as its --wait). Connecting does not count in a call's deadline (starting Java's
   * networking and connecting took seconds on a loaded 2-core machine, and health's 1 s deadline
   * ran out before the server was asked), and a port that accepts connections and never speaks
   * gRPC holds a command no longer than this.
   */
  static final Duration CONNECT_LIMIT = Duration.ofSeconds(TimeoutConverter.CONNECT_LIMIT_SECONDS);
  /**
   * The least such a command waits to connect, however short its timeout: that is the answer's
   * deadline. Waiting only as long as the timeout, recommend --timeout-ms 2000 (or 500) said "no
   * connection" to a healthy suite on a loaded machine, where connecting alone took that long.
   */
  static final Duration CONNECT_FLOOR = Duration.ofSeconds(TimeoutConverter.CONNECT_FLOOR_SECONDS);

  /**
   * gRPC's channel logs a failed name resolution as a WARNING with a stack trace, which a client
   * command's own line says better ({@link CallHints}: the host does not resolve). Held here: JUL
   * keeps loggers weakly, and a level set on one collected is lost.
   */
  private static final Logger CHANNEL_LOG = Logger.getLogger("io.grpc.internal.ManagedChannelImpl");

  private CliCalls() {}

  /**
   * A channel to {@code target} with the key and TLS files of GLASSBOX_CLIENT_KEY_FILE and
   * GLASSBOX_TLS_* (when set); no retries (a person or a benchmark sees every failure).
   */
  static ManagedChannel channel(String target) {
    return channel(target, ConfigSource.fromEnvironment());
  }

  /**
   * {@link #channel(String)} with the key and TLS files {@code settings} name: a command that
   * reads its settings once for other things too passes them, and the settings file is read once.
   */
  static ManagedChannel channel(String target, ConfigSource settings) {
    CHANNEL_LOG.setLevel(Level.SEVERE);
    return ClientChannels.forTarget(target, ClientSettings.load(settings), Retries.none());
  }

  /**
   * Connects {@code channel} and waits, at most {@code wait}, until it is ready or has failed
   * (nothing listening, a TLS mismatch: a call then fails at once and says why). Empty once so;
   * else what to print: there was no connection to {@code target} in time.
   */
  static Optional<String> connect(ManagedChannel channel, String target, Duration wait) throws InterruptedException {
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
    return settled.await(wait.toNanos(), TimeUnit.NANOSECONDS) ? Optional.empty()
        : Optional.of(noConnection(target, wait));
  }

  /** How every command says that there was no connection to {@code target} within {@code within}. */
  static String noConnection(String target, Duration within) {
    return "no connection to " + target + " within " + seconds(within) + ": this machine or the network is very"
        + " slow, or something there accepts connections but does not speak gRPC.";
  }

  /**
   * Connects {@code channel}, waiting {@linkplain #connectWait as long as} a command whose calls
   * have {@code timeout} does: true once connected (or failed: its calls say why), else false after
   * printing that there was no connection, as {@code command} ("glassbox bench: no connection …").
   */
  static boolean connected(ManagedChannel channel, String target, Duration timeout, String command)
      throws InterruptedException {
    Optional<String> unconnected = connect(channel, target, connectWait(timeout));
    unconnected.ifPresent(why -> System.err.println(command + ": " + why));
    return unconnected.isEmpty();
  }

  /**
   * How long a command whose call has {@code timeout} waits to connect: as long, but at least
   * {@link #CONNECT_FLOOR} and at most {@link #CONNECT_LIMIT}.
   */
  static Duration connectWait(Duration timeout) {
    return timeout.compareTo(CONNECT_FLOOR) < 0 ? CONNECT_FLOOR
        : timeout.compareTo(CONNECT_LIMIT) > 0 ? CONNECT_LIMIT : timeout;
  }

  /**
   * How every command says that {@code target}, connected, did not answer within {@code within}
   * (the caller ends the sentence, with what to do).
   */
  static String noAnswer(String target, String within) {
    return "no answer from " + target + " within " + within + ": the server is busy or slow";
  }

  /** {@code duration} for a person, to a tenth of a second: "5 s", "1.5 s"; under a second in milliseconds, "150 ms". */
  static String seconds(Duration duration) {
    if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
      return duration.toMillis() + " ms";   // 10 ms was "0 s", and 150 ms "0.2 s"
    }
    return BigDecimal.valueOf(duration.toMillis(), 3).setScale(1, RoundingMode.HALF_UP).stripTrailingZeros()
        .toPlainString() + " s";
  }

  /**
   * Prints a failed call as {@code <command>: CODE: description}, then, where the failure has a
   * usual cause the caller fixes or a server's log says more, what to do ({@link CallHints}). A
   * call whose own deadline ran out, the command's {@code deadlineOption} as typed ("--timeout-ms
   * 300"), is said in one line that names that option: gRPC's own words for it ("CallOptions
   * deadline exceeded after 0.000912s. [closed=[], open=[[buffered_nanos=…]]]") say nothing to a user.
   * A hint that asks the server more waits no longer than what is left of {@code deadline}, the
   * command's own ({@link CallHints#tell}).
   */
  static void printFailure(PrintStream err, String command, StatusRuntimeException failure, String target,
      String deadlineOption, Deadline deadline) {
    printFailure(err, command, failure, target, deadlineOption, deadline, ConfigSource.fromEnvironment());
  }

  /**
   * {@link #printFailure} for a command run with the client {@code settings}. The command's own
   * transport failure that a hint explains is said in plain words ({@link CallHints#tell}: "could not connect to
   * localhost:50051 (connection refused)"): gRPC's description was "io exception" for every one,
   * followed by Netty's internals ("Channel Pipeline: [SslHandler#0, …]").
   */
  static void printFailure(PrintStream err, String command, StatusRuntimeException failure, String target,
      String deadlineOption, Deadline deadline, ConfigSource settings) {
    Status status = failure.getStatus();
    if (ownDeadlineRanOut(failure)) {
      err.printf("%s: %s: %s; a larger %s may do.%n", command, status.getCode(), noAnswer(target, deadlineOption),
          deadlineOption.split(" ")[0]);
      return;
    }
    CallHints.Told told = CallHints.tell(failure, target, settings, deadline);
    String description = told.whatFailed().orElseGet(() -> description(status));
    err.printf("%s: %s%n", command, statusLine(status, description));
    told.hint().ifPresent(why -> err.printf("%s: %s%n", command, why));
  }

  /** A failed call's status line in its own words: its code, then its description ({@link #description}). */
  static String statusLine(Status status) {
    return statusLine(status, description(status));
  }

  /** {@code status}'s description, or "(no details)" where it has none. */
  static String description(Status status) {
    return status.getDescription() == null ? "(no details)" : status.getDescription();
  }

  /** A failed call's status line, after the command's name: its code, then {@code words} ("UNAVAILABLE: could not connect …"). */
  static String statusLine(Status status, String words) {
    return status.getCode() + ": " + words;
  }

  /**
   * Whether {@code failure} is the command's own deadline running out: DEADLINE_EXCEEDED that no
   * server of the suite answered (one names itself in its trailers, {@link RequestIds#SERVER_HEADER},
   * and says which service it waited for).
   */
  static boolean ownDeadlineRanOut(StatusRuntimeException failure) {
    return failure.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && !RequestIds.answeredByAServer(failure);
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
   * The line that says the request id {@code id} a call was sent with, for a call no server
   * answered (no trailers carry the id then).
   */
  static String sentWith(String command, String id) {
    return command + ": the call was sent with request id " + id + ", under which the suite's logs list it.";
  }

  /**
   * Runs {@code call} on a {@link #channel} to {@code target} once it is {@linkplain #connect
   * connected}, waiting {@linkplain #connectWait as long as} {@code timeout} (the command's own,
   * that of the call) for that, so that a deadline {@code call} sets counts the answer only, and
   * closes it. Returns the exit code: {@code call}'s, or 1 after printing why there was no
   * connection or a failed call's status. {@code deadlineOption} is the timeout as typed, for
   * {@link #printFailure}, which has what is left of {@code timeout} from the connection made,
   * when {@code call}'s deadline starts too. {@code call}'s calls carry a request id made here
   * ({@link RequestIds#withId}), which a failure the command's own deadline ended says: no server's
   * trailers do then.
   */
  static int withChannel(String target, Duration timeout, String deadlineOption, Function<ManagedChannel, Integer> call)
      throws InterruptedException {
    return withChannel(target, timeout, deadlineOption, ConfigSource.fromEnvironment(), call);
  }

  /**
   * {@link #withChannel(String, Duration, String, Function)} for a command run with the client
   * {@code settings}: its channel and a failed call's hint both take them.
   */
  static int withChannel(String target, Duration timeout, String deadlineOption, ConfigSource settings,
      Function<ManagedChannel, Integer> call) throws InterruptedException {
    return withChannel(target, timeout, deadlineOption, settings, UUID.randomUUID().toString(), call);
  }

  /**
   * {@link #withChannel(String, Duration, String, ConfigSource, Function)} whose calls carry
   * {@code requestId}, one a server takes as it is ({@link RequestIds#withId}); {@code call} finds it
   * as {@link RequestIds#current()}.
   */
  static int withChannel(String target, Duration timeout, String deadlineOption, ConfigSource settings,
      String requestId, Function<ManagedChannel, Integer> call) throws InterruptedException {
    Context calling = RequestIds.withId(requestId);
    ManagedChannel channel = channel(target, settings);
    try {
      if (!connected(channel, target, timeout, "glassbox")) {
        return 1;
      }
      Deadline deadline = Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS);
      Context previous = calling.attach();
      try {
        return call.apply(channel);
      } catch (StatusRuntimeException e) {
        printFailure(System.err, "glassbox", e, target, deadlineOption, deadline, settings);
        if (ownDeadlineRanOut(e)) {
          // No server answered, so no trailers carry the id: say the one the command sent.
          System.err.println(sentWith("glassbox", requestId));
        }
        return 1;
      } finally {
        calling.detach(previous);
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
