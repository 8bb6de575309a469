package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.grpc.Context;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Admission control: at most {@code limit} calls of the guarded services run at once. A call
 * beyond it waits, first come first served, for a running call to end: at most {@code maxQueued}
 * calls wait, each for at most {@code maxWait}; a call that finds the queue full, or is still
 * waiting when its wait is up, is answered RESOURCE_EXHAUSTED (a client with a deadline would
 * rather hear "busy" soon than time out). A call whose client cancels it, or whose deadline
 * passes, while it waits leaves the queue. A running call holds its slot until it completes or
 * is cancelled, then hands it to the oldest waiting call. Once closed (the server is shutting
 * down), a call that would wait, or find the queue full or off, is refused UNAVAILABLE at once,
 * and so is each call waiting then: nothing would end their wait, and another replica can take
 * them.
 *
 * <p>Why a short queue and not a larger limit: the calls that run at once share the machine's
 * cores, so each takes longer the more there are, and under overload most of them would run
 * into their deadlines (work done for nothing); a burst of calls that arrive together waits a
 * little instead of being refused while the cores catch up.
 *
 * <p>A waiting call has not been started: the service sees nothing of it, and since nothing has
 * asked the transport for its request message, the message stays in the transport's buffers
 * (bounded by HTTP/2 flow control). Events gRPC delivers meanwhile (readiness, cancellation) are
 * kept and replayed, in order, when the call is admitted; the admitted call starts on the thread
 * that ended the call whose slot it takes, in its own gRPC context (deadline, request id).
 */
final class AdmissionInterceptor implements ServerInterceptor, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdmissionInterceptor.class);
  /** The refusal line, once a minute per reason ({@link #refusalLines}): the status code, then its description. */
  static final String REFUSAL_LINE = "refused a call with {}: {}";
  /** What the refusal line counts of the refusals held back since the last one. */
  static final String REFUSALS_HELD_BACK = "refused this way since the last one, each logged at DEBUG";

  /**
   * Why a call was refused, as {@value #REFUSED_COUNTER}'s {@code reason} label says it, and the
   * level of its line in the log.
   */
  enum Refusal {
    /** Every slot was taken and the queue full (or off: no queue, or no wait): refused at once. */
    QUEUE_FULL("queue_full", Level.WARN),
    /** It waited in the queue for its whole wait and no slot came free. */
    WAIT_EXPIRED("wait_expired", Level.WARN),
    /**
     * Every slot was taken and the server is shutting down, or it was waiting when the server
     * closed: no wait would end (UNAVAILABLE). A drain is expected, and says itself in the log: INFO.
     */
    SHUTTING_DOWN("shutting_down", Level.INFO),
    /**
     * Every slot was taken before the server was ready (its health NOT_SERVING: still loading):
     * refused UNAVAILABLE at once, as the services' own "still loading" refusals are, so that the
     * client retries it elsewhere instead of an operator raising the limit. A replica that loads
     * answers its calls at once, but under a client's resends, while loading takes the cores, they
     * fill its slots. Expected during a rollout: INFO.
     */
    STARTING("starting", Level.INFO);

    final String label;
    final Level level;

    Refusal(String label, Level level) {
      this.label = label;
      this.level = level;
    }
  }

  /** The server's name, as its refusals say it (the operator may run several). */
  private final String serverName;
  /** The port it guards, as {@value #REFUSED_COUNTER}'s {@code port} label says it. */
  private final String port;
  private final int limit;
  private final Duration maxWait;
  /** How many calls may wait at once: {@code maxQueued}, or 0 when {@link #maxWait} is 0. */
  private final int queueCapacity;
  /** The refusal of a call that finds every slot taken and the queue full; the settings are final. */
  private final String busy;
  /** The refusal of a call whose wait is up, before the milliseconds it waited; the settings are final. */
  private final String waitUpHead;
  /** The rest of that refusal, after the milliseconds. */
  private final String waitUpTail;
  /** The refusal of a call that would wait, or waits, once the server is shutting down. */
  private final Status shuttingDown;
  /** The refusal of a call that finds every slot taken before the server is ready. */
  private final Status starting;
  /** Whether the server has said it is ready (health SERVING); false while it loads. */
  private final BooleanSupplier serving;
  /** Refuses calls whose wait is up; none when no call may wait. */
  private final ScheduledExecutorService timer;
  private final Object lock = new Object();
  /** Calls holding a slot; guarded by {@link #lock}. */
  private int running;
  /** Calls waiting for a slot, oldest first; guarded by {@link #lock}. */
  private final ArrayDeque<Waiting<?, ?>> queue = new ArrayDeque<>();
  /**
   * Closed: no call waits any more, and none is queued; guarded by {@link #lock}. The timer's
   * refusal of a call it can no longer schedule is not enough: shutdownNow drops the tasks already
   * scheduled (and may drop one scheduled while it runs) without a word.
   */
  private boolean closed;
  /** Calls refused, by port and reason: the server's {@link #refusalCounter}, which both its ports share. */
  private final Counter refused;
  /**
   * A burst of refusals writes one WARN line a minute per reason, the rest at DEBUG: a gateway
   * that refused 1,985 calls of a burst logged nothing, and one line each would flood the log.
   */
  private final WarningLimiterPerCause<Refusal> refusalLines =
      new WarningLimiterPerCause<>(Duration.ofMinutes(1), REFUSALS_HELD_BACK);

  /**
   * Guards the services of {@code port} (the client port, or the admin services' port), counting
   * its refusals in {@code refused} (the server's {@link #refusalCounter}). With {@code maxQueued}
   * or {@code maxWait} 0, every call beyond {@code limit} is refused at once; so is one while
   * {@code serving} says the server is not ready yet, as still starting.
   */
  AdmissionInterceptor(String serverName, Role port, int limit, int maxQueued, Duration maxWait, Counter refused,
      BooleanSupplier serving) {
    this.serverName = requireNonNull(serverName, "serverName");
    this.port = port.label();
    if (limit < 1 || maxQueued < 0 || maxWait.isNegative()) {
      throw new IllegalArgumentException("limit must be >= 1, maxQueued and maxWait >= 0");
    }
    this.limit = limit;
    this.maxWait = maxWait;
    this.queueCapacity = maxWait.isZero() ? 0 : maxQueued;
    this.busy = busyRefusal(maxQueued);
    this.waitUpHead = atItsLimit(" and no slot came free in ");
    this.waitUpTail = " ms" + whatToChange(
        settings(ServerSettings.MAX_CONCURRENT_CALLS_KEY, ServerSettings.MAX_QUEUE_WAIT_KEY));
    this.shuttingDown = Status.UNAVAILABLE.withDescription(
        serverName + " is shutting down; retry the call on another replica, or later");
    this.starting = Status.UNAVAILABLE.withDescription(serverName + " is still starting (its health is NOT_SERVING)"
        + " and all its " + limit + " call slots are taken; " + DID_NOT_RUN + ": retry it shortly, or on another replica");
    this.serving = requireNonNull(serving, "serving");
    this.timer = queueCapacity == 0 ? null : newTimer();
    this.refused = requireNonNull(refused, "refused");
    for (Refusal reason : Refusal.values()) {
      // 0 from the start, so that rate() sees the first refusal; under no key, which the refusals are counted under
      refused.labelValues(this.port, reason.label, NO_KEY);
    }
  }

  /**
   * {@value #REFUSED_COUNTER}, registered in {@code registry}: one per server, in which the
   * admission of each of its ports counts its refusals under its {@code port} label
   * ({@link Role#label}: {@code client}, or {@code admin} for the admin services' port), by reason.
   */
  static Counter refusalCounter(PrometheusRegistry registry) {
    return Counter.builder().name(REFUSED_COUNTER)
        .help("Calls refused by the server's concurrency limit or by its per-key rate limit, by port (client, or"
            + " admin: the admin services' port), reason and, for rate_limit, API key name (empty for the other reasons): queue_full"
            + " (RESOURCE_EXHAUSTED: every slot taken and the queue full, or off), wait_expired (RESOURCE_EXHAUSTED:"
            + " no slot came free within the queue's wait), shutting_down (UNAVAILABLE: every slot taken, or the call"
            + " waiting, as the server shuts down), starting (UNAVAILABLE: every slot taken before the server was"
            + " ready) or rate_limit (RESOURCE_EXHAUSTED: the key over GLASSBOX_RATE_LIMIT_PER_KEY, which each"
            + " replica counts alone)")
        .labelNames("port", "reason", "key")
        .register(registry);
  }

  private static ScheduledExecutorService newTimer() {
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1,
        new ThreadFactoryBuilder().setNameFormat("admission-timer").setDaemon(true).build());
    scheduler.setRemoveOnCancelPolicy(true);
    return scheduler;
  }

  /** Calls running now. */
  int inFlight() {
    synchronized (lock) {
      return running;
    }
  }

  /** Calls waiting for a slot now. */
  int waiting() {
    synchronized (lock) {
      return queue.size();
    }
  }

  /**
   * The slots as Prometheus gauges: {@value #RUNNING_GAUGE} (calls holding a slot now) and
   * {@value #WAITING_GAUGE} (calls waiting for one), and the limits to read them against
   * ({@value #MAX_RUNNING_GAUGE}, {@value #MAX_WAITING_GAUGE}, {@value #MAX_WAIT_GAUGE}); for one
   * port of a server only (the client port's), as they have no port label. The refusals are
   * counted in {@link #refusalCounter}, registered on its own.
   */
  void registerGauges(PrometheusRegistry registry) {
    GaugeWithCallback.builder().name(RUNNING_GAUGE)
        .help("Calls running now under the server's concurrency limit, on its client port (not its admin port)")
        .callback(gauge -> gauge.call(inFlight()))
        .register(registry);
    GaugeWithCallback.builder().name(WAITING_GAUGE)
        .help("Calls waiting now for one of the server's concurrency slots, on its client port (not its admin port)")
        .callback(gauge -> gauge.call(waiting()))
        .register(registry);
    GaugeWithCallback.builder().name(MAX_RUNNING_GAUGE)
        .help("Most calls that run at once (GLASSBOX_MAX_CONCURRENT_CALLS)")
        .callback(gauge -> gauge.call(limit))
        .register(registry);
    GaugeWithCallback.builder().name(MAX_WAITING_GAUGE)
        .help("Most calls that wait for a slot at once (GLASSBOX_MAX_QUEUED_CALLS; 0 when GLASSBOX_MAX_QUEUE_WAIT is 0)")
        .callback(gauge -> gauge.call(queueCapacity))
        .register(registry);
    GaugeWithCallback.builder().name(MAX_WAIT_GAUGE)
        .help("Longest a call waits for a slot before it is refused (GLASSBOX_MAX_QUEUE_WAIT)")
        .unit(Unit.SECONDS)
        .callback(gauge -> gauge.call(maxWait.toNanos() / 1e9))
        .register(registry);
  }

  static final String RUNNING_GAUGE = "glassbox_admission_running_calls";
  static final String WAITING_GAUGE = "glassbox_admission_waiting_calls";
  static final String MAX_RUNNING_GAUGE = "glassbox_admission_max_running_calls";
  static final String MAX_WAITING_GAUGE = "glassbox_admission_max_waiting_calls";
  static final String MAX_WAIT_GAUGE = "glassbox_admission_max_wait_seconds";
  /**
   * Its samples are {@code _total}, with a {@code port} label ({@link Role#label}), a {@code reason}
   * ({@link Refusal}, or {@link AuthInterceptor#RATE_LIMIT_REASON}) and a {@code key}: the API key
   * name over its rate for {@code rate_limit} (the keys file bounds the names, and they are no
   * secret), {@link #NO_KEY} for a {@link Refusal}. Those are the server's slots running out, not
   * the caller's doing, and whichever caller came next is refused: counted by key, each would need a
   * series per reason, port and key, at 0 from the start, for rate() to see its first refusal.
   */
  static final String REFUSED_COUNTER = "glassbox_admission_refused_calls";
  /** {@value #REFUSED_COUNTER}'s {@code key} of a {@link Refusal}, whatever the caller's key. */
  static final String NO_KEY = "";
  /** What a refused call did: nothing, so a resend cannot count twice. */
  private static final String DID_NOT_RUN = "the call did not run, " + AuthInterceptor.NOTHING_STORED;

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    boolean admitted = false;
    boolean closing = false;
    Waiting<Q, A> waiting = null;
    // Before the server is ready no call waits: a wait would end in a "running its limit" refusal.
    boolean ready = serving.getAsBoolean();
    synchronized (lock) {
      if (running < limit) {
        running++;
        admitted = true;
      } else if (closed) {
        closing = true;
      } else if (ready && queue.size() < queueCapacity) {
        waiting = new Waiting<>(call, headers, next);
        queue.add(waiting);
      }
    }
    if (admitted) {
      return startHoldingSlot(call, headers, next);
    }
    if (closing) {
      return refusedAtOnce(call, Refusal.SHUTTING_DOWN, shuttingDown);
    }
    if (!ready) {
      return refusedAtOnce(call, Refusal.STARTING, starting);
    }
    if (waiting == null) {
      return refusedAtOnce(call, Refusal.QUEUE_FULL, Status.RESOURCE_EXHAUSTED.withDescription(busy));
    }
    waiting.expireAfterTheWait();
    return waiting;
  }

  /** Refuses {@code call}, which never started, for {@code reason} with {@code status}. */
  private <Q> ServerCall.Listener<Q> refusedAtOnce(ServerCall<Q, ?> call, Refusal reason, Status status) {
    refusedAs(reason, status);
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }

  /**
   * Counts and logs a refusal for {@code reason} with {@code status}: before the status goes, so
   * that /metrics has counted every refusal a client has heard of.
   */
  private void refusedAs(Refusal reason, Status status) {
    refused.labelValues(port, reason.label, NO_KEY).inc();
    refusalLines.log(reason, log, reason.level, REFUSAL_LINE, status.getCode(), status.getDescription());
  }

  /**
   * The refusal of a call that found every slot taken: with no queue it names, beside the limit,
   * only the queue setting(s) that are 0, since raising the other changes nothing. {@code maxQueued}
   * is as configured: with {@link #maxWait} 0 no call waits, whatever it says.
   */
  private String busyRefusal(int maxQueued) {
    if (queueCapacity > 0) {
      return refusal(" and " + maxQueued + " more are waiting",
          settings(ServerSettings.MAX_CONCURRENT_CALLS_KEY, ServerSettings.MAX_QUEUED_CALLS_KEY));
    }
    List<String> keys = new ArrayList<>(List.of(ServerSettings.MAX_CONCURRENT_CALLS_KEY));
    keys.addAll(ServerSettings.zeroQueueKeys(maxQueued, maxWait));
    return refusal("", settings(keys.toArray(String[]::new)));
  }

  /** The settings a refusal names, as it names them. */
  private static String settings(String... keys) {
    return String.join(" / ", keys);
  }

  /**
   * A refusal naming this server and the settings that move its limit: behind the gateway the
   * operator otherwise cannot tell which server refused, nor what to change.
   */
  private String refusal(String why, String settings) {
    return atItsLimit(why) + whatToChange(settings);
  }

  /** A refusal's start: this server, its limit and {@code why} the call got no slot. */
  private String atItsLimit(String why) {
    return serverName + " is running its limit of " + limit + " concurrent calls" + why;
  }

  /**
   * A refusal's end: what the client may do, and which {@code settings} the operator may raise.
   * Not the limit alone: a higher one only helps while what the calls wait on keeps up. "Unchanged"
   * says it of every service: for IngestEvents, with the same event ids.
   */
  private static String whatToChange(String settings) {
    return "; " + DID_NOT_RUN + ": back off and resend it unchanged, or set "
        + settings + " higher if the load is expected and the service's store or backends keep up";
  }

  /** Starts a call that holds a slot; the slot passes on when the call completes or is cancelled. */
  private <Q, A> ServerCall.Listener<Q> startHoldingSlot(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        passSlotOn();
      }
    };
    ServerCall.Listener<Q> delegate;
    try {
      delegate = next.startCall(call, headers);
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
    return new SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onComplete() {
        release.run();
        super.onComplete();
      }

      @Override
      public void onCancel() {
        release.run();
        super.onCancel();
      }
    };
  }

  /** A running call ended: its slot goes to the oldest waiting call, else it is free. */
  private void passSlotOn() {
    Waiting<?, ?> next;
    synchronized (lock) {
      next = queue.poll();
      if (next == null) {
        running--;
      }
    }
    if (next != null) {
      next.admit();
    }
  }

  /** Takes {@code waiting} out of the queue; false when it was not there (admitted already). */
  private boolean dequeue(Waiting<?, ?> waiting) {
    synchronized (lock) {
      return queue.remove(waiting);
    }
  }

  /**
   * The server is shutting down: each call waiting now is refused as shutting down, and so is
   * each call that would wait from now on. The running calls keep their slots.
   */
  @Override
  public void close() {
    List<Waiting<?, ?>> waitingNow;
    synchronized (lock) {
      closed = true;
      waitingNow = new ArrayList<>(queue);
      queue.clear();
    }
    for (Waiting<?, ?> waiting : waitingNow) {
      waiting.refused(Refusal.SHUTTING_DOWN, shuttingDown);
    }
    if (timer != null) {
      timer.shutdownNow();
    }
  }

  /** A call waiting for a slot: the listener gRPC sees until it is admitted, then a relay. */
  private final class Waiting<Q, A> extends ServerCall.Listener<Q> {
    private final ServerCall<Q, A> call;
    private final Metadata headers;
    private final ServerCallHandler<Q, A> next;
    private final long since = System.nanoTime();
    /** The call's context (its deadline, request id), for starting it from another call's thread. */
    private final Context context = Context.current();
    /** Events gRPC delivered before admission, in order; guarded by this. */
    private final List<Consumer<ServerCall.Listener<Q>>> pending = new ArrayList<>();
    /** The started call's listener once admitted; guarded by this. */
    private ServerCall.Listener<Q> started;
    /** Refused or gone before admission: nothing more to do; guarded by this. */
    private boolean ended;
    private ScheduledFuture<?> expiry;

    Waiting(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
      this.call = call;
      this.headers = headers;
      this.next = next;
    }

    void expireAfterTheWait() {
      ScheduledFuture<?> scheduled;
      try {
        scheduled = timer.schedule(this::expire, maxWait.toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // The timer stopped after close() took this call from the queue: it is refused already.
        return;
      }
      synchronized (this) {
        expiry = scheduled;
      }
    }

    /** The wait is up: refused, unless a slot came first. */
    private void expire() {
      long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
      if (dequeue(this)) {
        refused(Refusal.WAIT_EXPIRED,
            Status.RESOURCE_EXHAUSTED.withDescription(waitUpHead + waitedMillis + waitUpTail));
      }
    }

    /** Refused for {@code reason} with {@code status}, once out of the queue. */
    void refused(Refusal reason, Status status) {
      synchronized (this) {
        ended = true;
        // On the timer's thread (or close()'s): logged under the call's own request id.
        context.run(() -> RequestIds.directInMdc().execute(() -> refusedAs(reason, status)));
        call.close(status, new Metadata());
      }
    }

    /**
     * Starts the call in the slot just handed to it, then replays what gRPC delivered meanwhile;
     * in the call's own context, though on the thread of the call that ended.
     */
    void admit() {
      context.run(this::startAndReplay);
    }

    private void startAndReplay() {
      synchronized (this) {
        if (expiry != null) {
          expiry.cancel(false);
        }
        try {
          started = startHoldingSlot(call, headers, next);
        } catch (RuntimeException e) {
          // The slot was passed on by startHoldingSlot; the thread that ended the call before
          // this one must not hear of it.
          ended = true;
          call.close(Status.INTERNAL.withDescription("internal error"), new Metadata());
          return;
        }
        for (Consumer<ServerCall.Listener<Q>> event : pending) {
          event.accept(started);
        }
        pending.clear();
      }
    }

    private synchronized void deliver(Consumer<ServerCall.Listener<Q>> event) {
      if (started != null) {
        event.accept(started);
      } else if (!ended) {
        pending.add(event);
      }
    }

    @Override
    public void onMessage(Q message) {
      deliver(listener -> listener.onMessage(message));
    }

    @Override
    public void onHalfClose() {
      deliver(ServerCall.Listener::onHalfClose);
    }

    @Override
    public void onReady() {
      deliver(ServerCall.Listener::onReady);
    }

    @Override
    public void onComplete() {
      deliver(ServerCall.Listener::onComplete);
    }

    @Override
    public void onCancel() {
      // Cancelled (by the client, or its deadline) while waiting: it leaves the queue and holds
      // no slot. If a slot was handed to it just now, the started call hears the cancellation and
      // passes the slot on.
      if (dequeue(this)) {
        synchronized (this) {
          ended = true;
          if (expiry != null) {
            expiry.cancel(false);
          }
        }
        return;
      }
      deliver(ServerCall.Listener::onCancel);
    }
  }
}
