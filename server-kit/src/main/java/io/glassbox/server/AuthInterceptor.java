package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Checks the {@code authorization: Bearer <key>} metadata (the scheme in any case) of every call
 * to the services it guards (health and reflection are not guarded, so probes and tools keep working):
 * UNAUTHENTICATED for a missing or unknown key or another scheme, PERMISSION_DENIED for a key without the
 * required role, RESOURCE_EXHAUSTED for a key over its rate limit. Each call is checked against
 * the keys in force when it starts (the keys file is read again when it changes). Without
 * configured keys every call passes. The caller's key name is put in the {@link #CALLER} context.
 */
public final class AuthInterceptor implements ServerInterceptor {
  /** The authenticated caller of the current call (absent when keys are off). */
  static final Context.Key<ApiKey> CALLER = Context.key("glassbox-caller");
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "Bearer";
  private static final String SEND = "send metadata \"authorization: Bearer <key>\"";
  /** {@value AdmissionInterceptor#REFUSED_COUNTER}'s reason for a call over its key's rate limit. */
  static final String RATE_LIMIT_REASON = "rate_limit";
  /** What a refused call did, in the words the feature-service's refusals use. */
  static final String NOTHING_STORED = "nothing was stored";
  private static final Logger log = LoggerFactory.getLogger(AuthInterceptor.class);

  private final ReloadingFile<ApiKeys> keys;
  private final Role required;
  private final KeyRateLimiter rateLimiter;
  /** The port's label in {@link #refused}, as the admission of the same port says it. */
  private final String port;
  /** The server's {@link AdmissionInterceptor#refusalCounter}, where rate-limit refusals count too. */
  private final Counter refused;
  /** One WARN line a minute per key name (the keys file bounds them), the other refusals at DEBUG. */
  private final WarningLimiterPerCause<String> refusalLines =
      new WarningLimiterPerCause<>(Duration.ofMinutes(1), AdmissionInterceptor.REFUSALS_HELD_BACK);

  /**
   * Guards the services of the port that {@code required} names (the client port, or the admin
   * services'), counting its rate-limit refusals in {@code refused}.
   */
  AuthInterceptor(ReloadingFile<ApiKeys> keys, Role required, KeyRateLimiter rateLimiter, Counter refused) {
    this.keys = requireNonNull(keys, "keys");
    this.required = requireNonNull(required, "required");
    this.rateLimiter = requireNonNull(rateLimiter, "rateLimiter");
    this.port = required.label();
    this.refused = requireNonNull(refused, "refused");
    for (String name : keys.current().namesAllowed(required)) {
      // 0 from the start, so that rate() sees the first refusal (a name a reload adds starts at its
      // first, and one it removes keeps its series); only for keys that may call this port: the
      // others are refused PERMISSION_DENIED before their rate is checked, so theirs would never move.
      if (rateLimiter.limits(name)) {
        refused.labelValues(port, RATE_LIMIT_REASON, name);
      }
    }
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    // The keys in force now: the file may have changed since the last call.
    ApiKeys keys = this.keys.current();
    if (!keys.enabled()) {
      return next.startCall(call, headers);
    }
    String method = call.getMethodDescriptor().getFullMethodName();
    String credentials = Optional.ofNullable(headers.get(AUTHORIZATION)).orElse("").strip();
    int space = credentials.indexOf(' ');
    String scheme = space < 0 ? credentials : credentials.substring(0, space);
    String sent = space < 0 ? "" : credentials.substring(space + 1).strip();
    boolean bearer = isBearer(scheme);
    if (sent.isEmpty() && (credentials.isEmpty() || bearer)) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription(method + " needs an API key: " + SEND));
    }
    if (!bearer) {
      // Without a scheme the value may be the key itself: it is not quoted back.
      return refuse(call, Status.UNAUTHENTICATED.withDescription(method + " takes an API key in the Bearer scheme; "
          + (sent.isEmpty() ? "the authorization metadata has no scheme"
              : "the authorization metadata has the scheme \"" + Descriptions.truncate(scheme, 16) + "\"")
          + ": " + SEND));
    }
    ApiKey key = keys.find(sent).orElse(null);
    if (key == null) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription("the API key is not known to this server"));
    }
    if (!key.role().allows(required)) {
      return refuse(call, Status.PERMISSION_DENIED.withDescription(method + " needs the "
          + required.label() + " role; key " + key.name() + " has the " + key.role().label() + " role"));
    }
    long waitNanos = rateLimiter.acquire(keys, key.name());
    if (waitNanos > 0) {
      return refuseOverTheRateLimit(call, key.name(), waitNanos);
    }
    return Contexts.interceptCall(Context.current().withValue(CALLER, key), call, headers, next);
  }

  /**
   * Whether an authorization scheme is Bearer, the one this interceptor takes: in any case (RFC
   * 7235), "bearer" and "BEARER" too. The gateway's viewer checks its header by it as well.
   */
  public static boolean isBearer(String scheme) {
    return scheme.equalsIgnoreCase(BEARER);
  }

  /**
   * What a rate-limit refusal adds when the key is one of the suite's own (as make-secrets.sh names
   * it, the key it writes to client-key; it hands callers caller-key, named shop): a caller holding it
   * reads another name than any it chose, and shares its budget with every other such caller.
   */
  private static String suitesOwn(String name) {
    return ServerSettings.SUITES_OWN_KEYS.contains(name) ? " (" + name + " is the suite's own key, which its "
        + "services present to each other: give each calling application a key line of its own in the API keys file)"
        : "";
  }

  /**
   * Refuses a call of key {@code name} over its rate limit, telling the caller when its bucket
   * allows a call again ({@code waitNanos}, rounded up to the millisecond); counted under the key's
   * name, which the keys file bounds and which is no secret, and logged at WARN once a minute per
   * key: before, these refusals were neither, and most of a replica's RESOURCE_EXHAUSTED showed
   * nowhere.
   */
  private <Q> ServerCall.Listener<Q> refuseOverTheRateLimit(ServerCall<Q, ?> call, String name, long waitNanos) {
    Status status = Status.RESOURCE_EXHAUSTED.withDescription("API key " + name + " is over this replica's rate"
        + " limit of " + rateLimiter.perSecond() + " calls per second (the limit is per replica: each counts only the"
        + " calls it receives); the call did not run, " + NOTHING_STORED + ": retry in "
        + (waitNanos + 999_999) / 1_000_000 + " ms or later" + suitesOwn(name));
    refused.labelValues(port, RATE_LIMIT_REASON, name).inc();
    refusalLines.log(name, log, Level.WARN, AdmissionInterceptor.REFUSAL_LINE, status.getCode(),
        status.getDescription());
    return refuse(call, status);
  }

  private static <Q> ServerCall.Listener<Q> refuse(ServerCall<Q, ?> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
