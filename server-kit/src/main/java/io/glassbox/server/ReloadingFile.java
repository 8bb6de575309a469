package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A value read from a small file at start, and read again when the file's content changes: the
 * API keys a server accepts, the key a client presents. The content is compared, not the
 * modification time: Kubernetes updates a mounted Secret by pointing a {@code ..data} symlink at a
 * new folder, which leaves the path's own times meaningless, and a read through the symlink sees
 * either the old file or the new one whole. A change that cannot be read or parsed keeps the
 * value in force and is logged once (a WARN naming the file and line, as at start); fixed, it is
 * taken. A value not read from a file ({@link #fixed}) never changes.
 */
public final class ReloadingFile<T> {
  private static final Logger log = LoggerFactory.getLogger(ReloadingFile.class);
  public static final String POLL_KEY = "GLASSBOX_KEY_FILES_POLL";
  private static final Duration DEFAULT_POLL = Duration.ofSeconds(5);
  /** Reading a small file more often than this costs for nothing (and under 1 ms schedules nothing). */
  private static final Duration MIN_POLL = Duration.ofMillis(100);
  private static final Duration MAX_POLL = Duration.ofMinutes(5);

  private final String key;
  private final String what;
  private final Optional<Path> file;
  private final Duration every;
  private final BiFunction<Path, String, T> parse;
  private final Function<T, String> describe;
  private final Function<String, String> version;
  private final AtomicLong failures = new AtomicLong();
  private volatile T current;
  private volatile String currentVersion;
  /**
   * The last content read, usable or not (or the problem of a file that could not be read), so
   * each change is counted and logged once.
   */
  private String lastSeen;
  /** The thread reading the file again, while its owner runs it; one at most. */
  private ScheduledExecutorService watcher;

  private ReloadingFile(String key, String what, Optional<Path> file, Duration every, BiFunction<Path, String, T> parse,
      Function<T, String> describe, Function<String, String> version, T current, String content) {
    this.key = key;
    this.what = what;
    this.file = file;
    this.every = every;
    this.parse = parse;
    this.describe = describe;
    this.version = version;
    inForce(requireNonNull(current, "current"), content);
  }

  /**
   * Reads {@code file} (named by the setting {@code key}) with {@code parse}, which throws a
   * {@link ConfigException} naming the file and line; a file that cannot be read or parsed fails
   * here, as a setting does at start. {@link #watch} then reads it again every {@code every}.
   * {@code what} names the value in logs ("api keys"); {@code describe} says what was read
   * ("3 keys") and {@code version}, from the content, which version of the file it is: both
   * without revealing it, since logs and the unauthenticated {@code /metrics} show them.
   */
  public static <T> ReloadingFile<T> read(String key, Path file, Duration every, String what,
      BiFunction<Path, String, T> parse, Function<T, String> describe, Function<String, String> version) {
    if (every.compareTo(MIN_POLL) < 0) {
      throw new IllegalArgumentException("a file is read again at most every " + MIN_POLL.toMillis() + " ms, got " + every);
    }
    String content = readContent(key, file);
    return new ReloadingFile<>(key, what, Optional.of(file), every, parse, describe, version,
        parse.apply(file, content), content);
  }

  /** The content of {@code file}, named by the setting {@code key}; a {@link ConfigException} when unreadable. */
  static String readContent(String key, Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw ConfigException.unreadable(key, file, e);
    }
  }

  /**
   * How often key files are read again ({@value #POLL_KEY}, default 5 s, from 100 ms to 5
   * minutes): a Secret that Kubernetes updated is in force within this long of the kubelet
   * writing it.
   */
  public static Duration poll(ConfigSource source) {
    return source.getDuration(POLL_KEY, DEFAULT_POLL, MIN_POLL, MAX_POLL, "from 100ms to 5 minutes");
  }

  /** A value that is not read from a file and never changes. */
  public static <T> ReloadingFile<T> fixed(T value) {
    return new ReloadingFile<>("", "", Optional.empty(), Duration.ZERO, (f, c) -> value, v -> "", c -> "", value, "");
  }

  /** The value in force. */
  public T current() {
    return current;
  }

  /**
   * Reads the file again (at once, on the caller's thread); a changed content that parses becomes
   * the value in force. Nothing for a fixed value.
   */
  synchronized void check() {
    if (file.isEmpty()) {
      return;
    }
    Path path = file.get();
    String content;
    try {
      content = readContent(key, path);
    } catch (ConfigException unreadable) {
      refuse(unreadable.getMessage(), unreadable.getMessage());
      return;
    }
    if (content.equals(lastSeen)) {
      return;
    }
    try {
      inForce(parse.apply(path, content), content);
      log.info("{} reloaded: {} from {} (version {})", what, describe.apply(current), path, currentVersion);
    } catch (ConfigException e) {
      refuse(content, e.getMessage());
    }
  }

  private void inForce(T value, String content) {
    lastSeen = content;
    current = value;
    currentVersion = version.apply(content);
  }

  /** {@code seen}: the content that does not parse, or the problem of a file that cannot be read. */
  private void refuse(String seen, String problem) {
    if (seen.equals(lastSeen)) {
      return;
    }
    lastSeen = seen;
    failures.incrementAndGet();
    log.warn("{} not reloaded, keeping the {} in force (version {}): {}", what, describe.apply(current),
        currentVersion, problem);
  }

  /**
   * Checks the file every {@code every} on a thread of its own until the returned action is run;
   * nothing to do for a fixed value. One owner watches a file (the server whose calls use it),
   * however many channels or interceptors read the value: a second watch while the first runs is
   * a mistake, refused.
   */
  synchronized Runnable watch(String threadName) {
    if (file.isEmpty()) {
      return () -> { };
    }
    if (watcher != null) {
      throw new IllegalStateException(what + " file " + file.get() + " is already read again by another owner");
    }
    ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
        new ThreadFactoryBuilder().setNameFormat(threadName.replace("%", "%%")).setDaemon(true).build());
    thread.scheduleWithFixedDelay(this::checkLogged, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    watcher = thread;
    return () -> stopWatching(thread);
  }

  private synchronized void stopWatching(ScheduledExecutorService thread) {
    thread.shutdownNow();
    if (watcher == thread) {
      watcher = null;
    }
  }

  private void checkLogged() {
    try {
      check();
    } catch (RuntimeException e) {
      // A scheduled task that throws is never run again; the next check may succeed.
      log.warn("{}: checking {} failed", what, file.orElseThrow(), e);
    }
  }

  /**
   * Registers {@code <prefix>_loaded{version}} (1, labelled with the version of the file in
   * force) and
   * {@code <prefix>_reload_failures_total} (changes that could not be used); nothing for a fixed
   * value.
   */
  void registerMetrics(PrometheusRegistry registry, String prefix) {
    if (file.isEmpty()) {
      return;
    }
    GaugeWithCallback.builder()
        .name(prefix + "_loaded")
        .help("The " + what + " file in force: 1, labelled with its version")
        .labelNames("version")
        .callback(callback -> callback.call(1, currentVersion))
        .register(registry);
    CounterWithCallback.builder()
        .name(prefix + "_reload_failures")
        .help("Changes of the " + what + " file that could not be read or parsed, so were not used")
        .callback(callback -> callback.call(failures.get()))
        .register(registry);
  }
}
