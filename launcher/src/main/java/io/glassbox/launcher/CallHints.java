package io.glassbox.launcher;

import io.glassbox.gateway.GatewayMain;
import io.glassbox.server.ApiKeys;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.Descriptions;
import io.glassbox.server.RequestIds;
import io.glassbox.server.TlsSettings;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import io.grpc.netty.shaded.io.netty.handler.ssl.NotSslRecordException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;

/**
 * What a person can do about a failed call. The status line says what went wrong: in the server's
 * words where one answered ("needs an API key: send metadata …"), and in this class's own where the
 * command's connection failed ("could not connect to H:P (connection refused)"); the hint says what
 * to set in bin/glassbox's own terms, for the usual causes: no suite at the target, the wrong TLS
 * files, no key or the wrong one, a server of the suite that is not the one the command calls; and,
 * for a server that answered but could not serve the call (a service behind it down, Redis
 * unreachable) or failed, which one it was and the call's request id to look for in the logs.
 */
final class CallHints {
  private static final String TLS_FILES = TlsSettings.CA_KEY + " (and " + TlsSettings.CERT_KEY + " and "
      + TlsSettings.KEY_KEY + " where the suite wants mutual TLS)";

  /**
   * Which server of bin/glassbox up each client command calls, and where by default: up records no
   * ports, so a suite started on others is not known here; the hint names the options that move
   * them, and the variables that move the commands' defaults to match.
   */
  private static final String BY_PORT = "by default the gateway at " + GatewayAddress.DEFAULT_TARGET + " (recommend, explain,"
      + " why-not, what-if, feedback), the explain service at " + GatewayAddress.DEFAULT_EXPLAIN_TARGET + " (insights),"
      + " the feature admin at " + GatewayAddress.DEFAULT_FEATURE_ADMIN_TARGET + " (import) and the model admin at "
      + GatewayAddress.DEFAULT_MODEL_ADMIN_TARGET + " (reload-model), unless up's --gateway-port, --explain-port,"
      + " --feature-admin-port or --model-admin-port moved them (" + targetVariables("and")
      + " then move the commands' defaults to match)";

  /** What to do when {@code --target} named something that answered, but not in HTTP/2 (an HTTP port, most often). */
  private static final String NOT_A_GRPC_PORT = "name a gRPC port with --target, not an HTTP one (by default up's"
      + " viewer, 8080, or metrics, 9451-9454, unless up's --http-port or --metrics-port moved them): bin/glassbox up's"
      + " gRPC servers are " + BY_PORT + ".";

  /**
   * An exception's words up to the next colon, after the system call that Netty's native transport
   * names first ("finishConnect(..) failed with error(-111): ", "syscall:read(..) failed: ").
   */
  private static final Pattern REASON = Pattern.compile("^(?:[\\w:]+\\(\\.\\.\\) failed(?: with error\\(-?\\d+\\))?: )?([^:]+?)"
      + "(?: by peer)?(?::|$)");

  /** How the JDK (and, followed by " by peer", Netty's native transport) says a connection was reset. */
  private static final String CONNECTION_RESET = "Connection reset";

  /** How gRPC describes a connection closed under a call without a word (no cause), which says no more than that. */
  private static final String NETWORK_CLOSED = "Network closed";

  /** A TLS record's first bytes, as Netty's HTTP/2 exception shows what it got instead of SETTINGS. */
  private static final Pattern TLS_RECORD = Pattern.compile("bytes: 1[56]03");

  /**
   * The longest asking a server that hung up whether it speaks TLS may take ({@link TlsProbe}), when
   * the command's own deadline leaves longer: a server that speaks answers in milliseconds, and one
   * that accepts and says nothing held a failed command 5 s more whatever its timeout.
   */
  static final Duration PROBE_LIMIT = Duration.ofSeconds(2);

  /** The description of the INTERNAL a server of the suite answers for its own failure, a bug it logs at ERROR. */
  private static final String GATEWAYS_OWN_FAILURE = "internal error";

  private CallHints() {}

  /**
   * A failed call as a person reads it: {@code whatFailed}, the status line's words in place of the
   * status's description where the failure is the command's own, and {@code hint}, what to do.
   */
  record Told(Optional<String> whatFailed, Optional<String> hint) {
    private static Told hintOnly(String hint) {
      return new Told(Optional.empty(), Optional.of(hint));
    }
  }

  /**
   * What failed and what to do, for {@code failure} of a call to {@code target} made with
   * {@code settings}. A server of the suite names itself in a failure's trailers
   * ({@link RequestIds#SERVER_HEADER}); without that name the failure never reached one, and came from
   * gRPC itself (empty trailers) or from another peer that answered ({@link #answeredUnnamed}). Asking the
   * server how it speaks waits no longer than what is left of {@code deadline}, the command's own,
   * nor {@link #PROBE_LIMIT}; where it has decided, the status line says what it found.
   */
  static Told tell(StatusRuntimeException failure, String target, ConfigSource settings, Deadline deadline) {
    Status status = failure.getStatus();
    Metadata trailers = failure.getTrailers() == null ? new Metadata() : failure.getTrailers();
    Optional<String> keyFile = settings.get(ClientSettings.KEY_FILE_KEY);
    Optional<String> answeredBy = Optional.ofNullable(trailers.get(RequestIds.SERVER_HEADER));
    String id = trailers.get(RequestIds.HEADER);
    return switch (status.getCode()) {
      // A write that may have been stored was served, perhaps in full: say only where its log is,
      // under an id, and whether it is the one its description says to resend it with, where it
      // names one (a feedback's); an import has none.
      case UNAVAILABLE -> answeredBy
          .map(server -> Told.hintOnly(Descriptions.saysMayHaveBeenStored(status)
              ? "the suite's logs list this call under trace id " + id + " (" + RequestIds.HEADER.name()
                  + howLogged(server, status) + ")" + (!Descriptions.namesResendRequestId(status) ? "."
                  // A feedback whose key is a request id a server takes is sent with it as its id.
                  : status.getDescription().contains(Descriptions.RESEND_UNDER_REQUEST_ID + id + "\"")
                  ? ", the request id to resend it with too." : ", not the request id to resend it with.")
              : "the " + server + " at " + target + " is up but could not serve this call"
                  + why(server, id, status)))
          .orElseGet(() -> answeredUnnamed(status, trailers)
              ? notOfTheSuite(status, target)
              : unavailable(status, target, settings, deadline));
      // DEADLINE_EXCEEDED: a server's says which service it waited for; the command's own deadline
      // is told by CliCalls.printFailure, which knows the command's option.
      case INTERNAL, UNKNOWN -> answeredBy.map(server -> Told.hintOnly("the " + server + " at " + target + " failed"
              + why(server, id, status)))
          .orElseGet(() -> notGrpc(status, target));
      default -> new Told(Optional.empty(), otherHint(status, target, keyFile));
    };
  }

  /** Where the logs of {@code server} say why its call {@code id}, which failed with {@code status}, failed. */
  private static String why(String server, String id, Status status) {
    return "; the suite's logs say why (this call's request id: " + id + howLogged(server, status) + ").";
  }

  /**
   * How {@code server} logs a call it could not serve with {@code status}, where a person who
   * looks its id up may find nothing: the gateway logs the first call a minute that failed each way
   * at INFO, every one at DEBUG (its DependencyFailures and FeedbackRecorder), so an outage does
   * not flood its log; its log level is read when it starts. Its own failure, a bug it answers
   * INTERNAL {@value #GATEWAYS_OWN_FAILURE} (DependencyFailures.forCaller), it logs at ERROR every time.
   */
  private static String howLogged(String server, Status status) {
    if (!server.equals(GatewayMain.NAME)) {
      return "";
    }
    return status.getCode() == Status.Code.INTERNAL && GATEWAYS_OWN_FAILURE.equals(status.getDescription())
        ? "; the gateway logs each such failure at ERROR"
        : "; at INFO the gateway logs the first call a minute that failed each way, every one at DEBUG (restart the"
            + " gateway with GLASSBOX_LOG_LEVEL=DEBUG)";
  }

  /** {@code hint}, with the status line said from the failure's cause where it has one ({@link #whatFailed}). */
  private static Told ownWords(Status status, String target, String hint) {
    return new Told(whatFailed(status, target), Optional.of(hint));
  }

  private static Optional<String> otherHint(Status status, String target, Optional<String> keyFile) {
    return switch (status.getCode()) {
      case UNAUTHENTICATED -> Optional.of(keyFile
          .map(file -> "the key in " + file + " (" + ClientSettings.KEY_FILE_KEY + ") is not one the server"
              + " accepts: its keys file (" + ApiKeys.FILE_KEY + ") lists the sha256 of each key it takes.")
          .orElse("the suite wants an API key: set " + ClientSettings.KEY_FILE_KEY + " to a file holding yours"
              + " (bin/glassbox sends it as \"authorization: Bearer <key>\")."));
      case PERMISSION_DENIED -> Optional.of("this call needs an admin key: set " + ClientSettings.KEY_FILE_KEY
          + " to a file holding one" + keyFile.map(file -> " (" + file + " holds a client key).").orElse("."));
      // A server of the suite, but not the one this command calls (insights asked of the gateway).
      case UNIMPLEMENTED -> Optional.of(target + " does not serve this call: does --target name the right server?"
          + " bin/glassbox up's are " + BY_PORT + ".");
      default -> Optional.empty();
    };
  }

  /**
   * What {@code target} may be when it answered in something else than HTTP/2 (Netty's exception
   * then names the first bytes it got): a TLS server, whose records start 15 03 (an alert, what a
   * TLS server says to a plaintext client) or 16 03 (a handshake), or else an HTTP port.
   */
  private static Told notGrpc(Status status, String target) {
    return causes(status).filter(Http2Exception.class::isInstance).findFirst().map(http2 ->
        TLS_RECORD.matcher(String.valueOf(http2.getMessage())).find()
            ? mismatch(target, false)
            : ownWords(status, target, NOT_A_GRPC_PORT))
        .orElse(new Told(Optional.empty(), Optional.empty()));
  }

  /**
   * A command that spoke TLS ({@code clientTls}) to {@code target}, which does not, or plaintext
   * to one that speaks TLS: the status line says so, whichever way the failure went (an alert, a
   * reset, a close), and the hint which settings to change.
   */
  private static Told mismatch(String target, boolean clientTls) {
    return clientTls
        ? new Told(Optional.of(doesNotSpeakTls(target)), Optional.of(unsetTlsFiles()))
        : new Told(Optional.of(target + " speaks TLS; this command sent plaintext"), Optional.of(setTlsFiles()));
  }

  private static String doesNotSpeakTls(String target) {
    return target + " does not speak TLS; this command sent TLS";
  }

  /**
   * An UNAVAILABLE that something at {@code target} answered but no server of the suite
   * ({@link #answeredUnnamed}): a proxy in front of the suite that could not pass the call on, in its
   * own words, and where to look.
   */
  private static Told notOfTheSuite(Status status, String target) {
    return new Told(Optional.of(target + " is not a server of the suite (a proxy in front of it?); it answered: "
            + folded(CliCalls.description(status))),
        Optional.of("if a proxy stands in front of the suite, look in its log; or name a server of the suite with"
            + " --target to call it directly."));
  }

  /**
   * Whether {@code status}, which names no server of the suite, is still an answer: gRPC fails a call
   * itself (a connection closed, a GOAWAY, a keepalive that went unanswered) with empty trailers,
   * while anything that answered (a proxy's trailers-only response, an HTTP status such as 503 with
   * an HTML page) leaves its headers in them.
   */
  private static boolean answeredUnnamed(Status status, Metadata trailers) {
    return status.getCause() == null && !trailers.keys().isEmpty();
  }

  /**
   * {@code description} ({@link CliCalls#description}) on one line: gRPC's for an HTTP status puts
   * the reply's content type on a second line, and the reply's headers on a third, which the status
   * line leaves out.
   */
  private static String folded(String description) {
    return Stream.of(description.strip().split("\\s*\\R\\s*"))
        .filter(line -> !line.startsWith("trailers: Metadata(") && !line.startsWith("headers: Metadata("))
        .collect(Collectors.joining("; "));
  }

  private static Told unavailable(Status status, String target, ConfigSource settings, Deadline deadline) {
    boolean clientTls = settings.get(TlsSettings.CA_KEY).isPresent();
    ConnectionFailure failure = ConnectionFailure.of(status);
    if (failure.mayBeATlsMismatch(status)) {
      // Connected, then hung up on: how a mismatched TLS fails races the hang-up (an alert, a
      // reset, a close), so ask the server how it speaks rather than read the failure. A GOAWAY or
      // a keepalive that went unanswered says what closed it, which no answer of the server changes.
      Duration left = Duration.ofNanos(Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS)));
      Optional<Boolean> speaksTls = left.isZero() ? Optional.empty()
          : TlsProbe.speaksTls(target, left.compareTo(PROBE_LIMIT) < 0 ? left : PROBE_LIMIT);
      if (speaksTls.equals(Optional.of(!clientTls))) {
        return mismatch(target, clientTls);
      }
    }
    if (failure == ConnectionFailure.TLS_HANDSHAKE) {
      return TlsRefusal.of(status, settings).told(target);
    }
    // An UNAVAILABLE is always the command's own failure here: its status line is said from the failure read above.
    return new Told(Optional.of(connectionFailure(failure, status, target)),
        Optional.of(unreached(failure, status, target, clientTls)));
  }

  /**
   * Why the command's own connection to its target failed, read once from the causes of a status
   * that no server of the suite named itself in, so that the status line ({@link #whatFailed}) and
   * the hint ({@link #unreached}) tell the same failure. Where the causes hold more than one, the
   * first listed here is it.
   */
  private enum ConnectionFailure {
    /** No cause: gRPC's own words for a connection closed under the call (a GOAWAY, a keepalive that went unanswered). */
    CLOSED_UNDER_THE_CALL,
    /** This command sent TLS, and the server answered in plaintext (a NotSslRecordException). */
    PLAINTEXT_ANSWER,
    /** The target's host does not resolve (an UnknownHostException). */
    UNRESOLVED,
    /** Nothing took the connection (a ConnectException: refused; a unix socket that is not there is OTHER). */
    REFUSED,
    /** The TLS handshake failed (an SSLException). */
    TLS_HANDSHAKE,
    /** The target answered in something else than HTTP/2 (an Http2Exception). */
    NOT_HTTP2,
    /** Something took the connection, then reset it (a cause that says "Connection reset", the JDK's or Netty's). */
    RESET,
    /** Any other cause (a closed channel, a unix socket that is not there). */
    OTHER;

    static ConnectionFailure of(Status status) {
      if (status.getCause() == null) {
        return CLOSED_UNDER_THE_CALL;
      }
      return causes(status).anyMatch(NotSslRecordException.class::isInstance) ? PLAINTEXT_ANSWER
          : causes(status).anyMatch(UnknownHostException.class::isInstance) ? UNRESOLVED
          : causes(status).anyMatch(ConnectException.class::isInstance) ? REFUSED
          : causes(status).anyMatch(SSLException.class::isInstance) ? TLS_HANDSHAKE
          : causes(status).anyMatch(Http2Exception.class::isInstance) ? NOT_HTTP2
          : causes(status).anyMatch(cause -> String.valueOf(cause.getMessage()).contains(CONNECTION_RESET)) ? RESET
          : OTHER;
    }

    /**
     * Whether a server that speaks otherwise than the command (TLS or plaintext) may have failed it
     * thus: it connected and was hung up on, or closed without a word, where asking the server how it
     * speaks can tell.
     */
    boolean mayBeATlsMismatch(Status status) {
      return switch (this) {
        case TLS_HANDSHAKE, NOT_HTTP2, RESET, OTHER -> true;
        case CLOSED_UNDER_THE_CALL -> closedWithoutAWord(status);
        case PLAINTEXT_ANSWER, UNRESOLVED, REFUSED -> false;
      };
    }
  }

  /** Whether {@code status} is gRPC's for a connection that closed without a word ("Network closed for unknown reason"). */
  private static boolean closedWithoutAWord(Status status) {
    return status.getCause() == null && status.getDescription() != null
        && status.getDescription().startsWith(NETWORK_CLOSED);
  }

  /** The hint for the command's own {@code failure} to reach {@code target}, where the server was not asked or could not say. */
  private static String unreached(ConnectionFailure failure, Status status, String target, boolean clientTls) {
    return switch (failure) {
      case TLS_HANDSHAKE -> setTlsFiles();
      case PLAINTEXT_ANSWER -> unsetTlsFiles();
      case UNRESOLVED -> "check the host's name in --target, or this machine's DNS.";
      // Closed under the call (a GOAWAY, a keepalive that went unanswered), which no server failed;
      // closed without a word is also how a TLS server hangs up on a plaintext client, where asking it could not say.
      case CLOSED_UNDER_THE_CALL -> "a retry may work; if it keeps failing, look in the log of the server at " + target + "."
          + (closedWithoutAWord(status) && !clientTls ? " If the suite speaks TLS, " + setTlsFiles() : "");
      // Something answered at the target: not a suite that is down, but not one of its servers either, or one that hung up.
      case NOT_HTTP2 -> NOT_A_GRPC_PORT;
      case RESET -> "something listens at " + target + ": if it is a server of the suite, look in its log; if not, name"
          + " one with --target: bin/glassbox up's gRPC servers are " + BY_PORT + ".";
      case REFUSED, OTHER -> "start the suite with `bin/glassbox up` (ready once it prints \"Glassbox is up\"),"
          + " or name another server with --target (or move the command's default with " + targetVariables("or") + ").";
    };
  }

  /** {@link GatewayAddress#TARGET_VARIABLES} in a sentence: "A, B, C and D" for {@code conjunction} "and". */
  private static String targetVariables(String conjunction) {
    List<String> variables = GatewayAddress.TARGET_VARIABLES;
    return String.join(", ", variables.subList(0, variables.size() - 1)) + " " + conjunction + " "
        + variables.get(variables.size() - 1);
  }

  /**
   * What failed, in plain words, when the command's own connection to {@code target} did, for a
   * {@code status} that no server of the suite named itself in: one with a cause (gRPC's description
   * says "io exception" or "http2 exception" of them all, and the cause says which it was), or an
   * UNAVAILABLE without one, gRPC's for a connection closed under the call ("Network closed for
   * unknown reason", "Connection closed after GOAWAY. …", "Keepalive failed. …"), said with gRPC's
   * words but the first. Empty for any other status.
   */
  static Optional<String> whatFailed(Status status, String target) {
    return connectionFailed(status) ? Optional.of(connectionFailure(ConnectionFailure.of(status), status, target))
        : Optional.empty();
  }

  /** The longest description {@link #oneLine} gives: a summary line's, not a log's. */
  private static final int ONE_LINE_LIMIT = 160;

  /**
   * A failed call's description in one line of at most {@value #ONE_LINE_LIMIT} characters, for a
   * count of failures (load's by status): the command's own connection failure as the status line
   * says it (a failed TLS handshake with whose certificate, from {@code settings}), else the
   * status's description folded; gRPC's was "io exception" and Netty's pipeline on a second line.
   */
  static String oneLine(Status status, String target, ConfigSource settings) {
    String words = !connectionFailed(status) ? folded(CliCalls.description(status))
        : ConnectionFailure.of(status) == ConnectionFailure.TLS_HANDSHAKE ? TlsRefusal.of(status, settings).failed(target)
        : connectionFailure(ConnectionFailure.of(status), status, target);
    // A server's words, escaped: an ANSI escape or a bidi control in them must not reach the terminal.
    String said = Descriptions.escape(words);
    if (said.length() <= ONE_LINE_LIMIT) {
      return said;
    }
    int end = ONE_LINE_LIMIT - 1;
    return said.substring(0, Character.isHighSurrogate(said.charAt(end - 1)) ? end - 1 : end) + "…";
  }

  /**
   * Whether {@code status} is how gRPC fails a call whose connection did: UNAVAILABLE, or INTERNAL
   * for bytes that are not HTTP/2. Other codes with a cause are the client's own refusals, in words
   * of their own (BearerKey's UNAUTHENTICATED "the API key cannot be sent").
   */
  private static boolean connectionFailed(Status status) {
    return status.getCode() == Status.Code.UNAVAILABLE
        || status.getCode() == Status.Code.INTERNAL && causes(status).anyMatch(Http2Exception.class::isInstance);
  }

  private static String connectionFailure(ConnectionFailure failure, Status status, String target) {
    return switch (failure) {
      case CLOSED_UNDER_THE_CALL -> "the connection to " + target + " was closed under the call"
          + (closedWithoutAWord(status) || status.getDescription() == null ? "" : " (" + status.getDescription() + ")");
      case PLAINTEXT_ANSWER -> doesNotSpeakTls(target);
      case UNRESOLVED -> "could not connect to " + target + " (its host does not resolve)";
      case REFUSED -> "could not connect to " + target
          + reason(causes(status).filter(ConnectException.class::isInstance).findFirst().orElseThrow());
      // Said from the causes alone: without the command's settings the files are not named.
      case TLS_HANDSHAKE -> TlsRefusal.of(status, ConfigSource.of(Map.of())).failed(target);
      case NOT_HTTP2 -> target + " answered, but not in gRPC";
      case RESET, OTHER -> "the connection to " + target + " failed" + reason(innermost(status));
    };
  }

  /**
   * The words of {@code cause} that say why, lower case, in brackets: a ConnectException's
   * "finishConnect(..) failed with error(-111): Connection refused: localhost/127.0.0.1:50051"
   * (Netty's native transport; Java's own says the part from "Connection") says " (connection
   * refused)": the system call is Netty's internals, and the address the target already named. A
   * reset says " (connection reset)" in the JDK's words and Netty's ("Connection reset by peer").
   */
  private static String reason(Throwable cause) {
    if (cause.getMessage() == null) {
      return " (" + typeWords(cause) + ")";
    }
    Matcher why = REASON.matcher(cause.getMessage());
    return !why.find() ? ""
        : " (" + why.group(1).substring(0, 1).toLowerCase(Locale.ROOT) + why.group(1).substring(1) + ")";
  }

  /**
   * What the type of {@code cause}, which has no message, says: "file not found" for the
   * FileNotFoundException of a unix socket that is not there (Netty's, without a message),
   * "closed channel" for a ClosedChannelException, "ssl handshake" for an SSLHandshakeException.
   */
  static String typeWords(Throwable cause) {
    return cause.getClass().getSimpleName().replaceFirst("(Exception|Error)$", "")
        .replaceAll("(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ").toLowerCase(Locale.ROOT);
  }

  static String setTlsFiles() {
    return "set " + TLS_FILES + " to the files the suite uses.";
  }

  private static String unsetTlsFiles() {
    return "unset " + TlsSettings.CA_KEY + ", " + TlsSettings.CERT_KEY + " and " + TlsSettings.KEY_KEY
        + ", or name a server that speaks TLS with --target.";
  }

  /** The last of {@link #causes}, for a {@code status} that has a cause. */
  private static Throwable innermost(Status status) {
    return causes(status).reduce((outer, inner) -> inner).orElseThrow();
  }

  /** {@code status}'s cause, its cause, and so on. */
  static Stream<Throwable> causes(Status status) {
    return Stream.iterate(status.getCause(), cause -> cause != null, Throwable::getCause);
  }
}
