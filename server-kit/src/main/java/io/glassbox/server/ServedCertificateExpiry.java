package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Tells a server when the certificate it serves expires while it runs. gRPC holds the certificate
 * it read at start until the process ends, so from its notAfter on every handshake fails; the
 * server reported SERVING all the same, and Kubernetes kept routing to it. Expired means what it
 * means at start ({@link CertificateDates#expired}: the clock past notAfter, no tolerance).
 *
 * <p>One task waits for notAfter, not a poll. It wakes at least every {@link #LONGEST_WAIT} to read
 * the clock again: a scheduler counts elapsed time, which does not follow a wall clock that is set
 * (NTP) nor, on Linux, time a machine spends suspended; and a far-future notAfter (9999-12-31) is
 * more nanoseconds away than a long holds.
 */
final class ServedCertificateExpiry implements AutoCloseable {
  static final Duration LONGEST_WAIT = Duration.ofHours(1);

  /** Runs a task once; a {@code ScheduledExecutorService} in a server, driven by hand in tests. */
  @FunctionalInterface
  interface Timer {
    /** Runs {@code task} once after {@code delay} (at most {@link #LONGEST_WAIT}); cancelled through the future. */
    Future<?> schedule(Runnable task, Duration delay);
  }

  private final String key;
  private final Path file;
  private final List<X509Certificate> chain;
  /** The one of {@link #chain} that expires first ({@link CertificateDates#firstToExpire}). */
  private final X509Certificate certificate;
  private final Clock clock;
  private final Timer timer;
  private final Object lock = new Object();
  private Consumer<String> onExpired;
  private Future<?> next;
  private boolean closed;

  /** Watches {@code chain}, the certificates of {@code file} (setting {@code key}), the server's own first. */
  ServedCertificateExpiry(String key, Path file, List<X509Certificate> chain, Clock clock, Timer timer) {
    this.key = requireNonNull(key, "key");
    this.file = requireNonNull(file, "file");
    this.chain = List.copyOf(chain);
    this.certificate = CertificateDates.firstToExpire(this.chain);
    this.clock = requireNonNull(clock, "clock");
    this.timer = requireNonNull(timer, "timer");
  }

  /** A watch of {@code served}, a server's {@value TlsSettings#CERT_KEY}. */
  static ServedCertificateExpiry of(ServedCertificateFile served, Clock clock, Timer timer) {
    return new ServedCertificateExpiry(TlsSettings.CERT_KEY, served.file(), served.chain(), clock, timer);
  }

  /**
   * Calls {@code onExpired} once, with the one-line reason ({@link
   * CertificateDates#expiredWhileServing}), when the chain's first certificate to expire (its own, or
   * an intermediate's that expires before it) has expired: at once when it already
   * has (it was valid when the settings were read, which may be a model load ago), else from the
   * timer's thread at notAfter.
   */
  void start(Consumer<String> onExpired) {
    synchronized (lock) {
      this.onExpired = requireNonNull(onExpired, "onExpired");
    }
    check();
  }

  private void check() {
    Instant now = clock.instant();
    if (CertificateDates.expired(certificate, now)) {
      Consumer<String> told;
      synchronized (lock) {
        if (closed) {
          return;
        }
        told = onExpired;
      }
      told.accept(CertificateDates.expiredWhileServing(key, file, chain));
      return;
    }
    // Past notAfter, not at it: expired() is strict, as the start check is.
    Duration untilExpired = Duration.between(now, CertificateDates.notAfter(certificate)).plusMillis(1);
    synchronized (lock) {
      if (!closed) {
        next = timer.schedule(this::check,
            untilExpired.compareTo(LONGEST_WAIT) < 0 ? untilExpired : LONGEST_WAIT);
      }
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      if (next != null) {
        next.cancel(false);
      }
    }
  }
}
