package io.glassbox.server;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;

/**
 * The validity of the certificate a service presents (its server certificate, and under mutual TLS
 * its client certificate too: the same file). gRPC reads the file only at the first handshake, so a
 * server with an expired certificate reported SERVING while every handshake failed, and a gateway
 * whose certificate had expired went SERVING while every backend refused it: refused at start. One
 * that expires within {@link #WARN_WITHIN} is warned of at start (make-secrets.sh reports the same 30
 * days), every server shows the dates on {@code /metrics} for an alert that comes before either, and
 * one that expires while the server runs takes it out of readiness ({@link ServedCertificateExpiry}).
 */
final class CertificateDates {
  /** make-secrets.sh's {@code warn_days}. */
  static final int WARN_WITHIN_DAYS = 30;
  static final Duration WARN_WITHIN = Duration.ofDays(WARN_WITHIN_DAYS);
  /**
   * How far ahead of this machine's clock a certificate's notBefore may be and still start (with a
   * warning): one made on a machine whose clock runs ahead, applied at once, would otherwise stop
   * every pod on a node whose clock is behind.
   */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
  static final String EXPIRY_GAUGE = "glassbox_tls_certificate_expiry_timestamp_seconds";
  /** The renewal that keeps the CA, so pods still trust each other while they roll. */
  private static final String RENEW = "renew it (deploy/make-secrets.sh --renew makes a new tls.crt and tls.key signed"
      + " by the kept CA; then apply secrets.yaml and restart every service), or set " + TlsSettings.CERT_KEY
      + " and " + TlsSettings.KEY_KEY + " to a valid pair";

  private CertificateDates() {}

  /**
   * Refuses {@code certificate}, the first of {@code file} (setting {@code key}), when it has
   * expired or is not yet valid at {@code now}: every peer would refuse it.
   */
  static void requireValid(String key, Path file, X509Certificate certificate, Instant now) {
    Instant notBefore = certificate.getNotBefore().toInstant();
    if (expired(certificate, now)) {
      throw new ConfigException(expiredAt(key, file, certificate) + ": every handshake with it would fail. "
          + capitalized(RENEW));
    }
    if (now.plus(CLOCK_SKEW).isBefore(notBefore)) {
      throw new ConfigException(key + "=" + file + " holds a certificate (" + subject(certificate)
          + ") that is not valid until " + notBefore + " (notBefore): every handshake with it would fail until then."
          + " Check this machine's clock, or " + RENEW);
    }
  }

  /**
   * Whether {@code certificate} has expired at {@code now}: once {@code now} is past its notAfter, with
   * no tolerance ({@link #CLOCK_SKEW} is for a notBefore ahead of this clock). The one rule of the start
   * check, of the readiness that follows the certificate while the service runs ({@link
   * ServedCertificateExpiry}), and of the alert GlassboxTlsCertificateExpired.
   */
  static boolean expired(X509Certificate certificate, Instant now) {
    return now.isAfter(notAfter(certificate));
  }

  /**
   * Why a service whose {@code certificate} (of {@code file}, setting {@code key}) expired while it
   * ran is not ready: one line, for its log and its {@code /ready}.
   */
  static String expiredWhileServing(String key, Path file, X509Certificate certificate) {
    return expiredAt(key, file, certificate) + " while this service ran: every handshake with it fails, so the"
        + " service reports NOT_SERVING (alive: a restart would refuse to start). " + capitalized(RENEW);
  }

  private static String expiredAt(String key, Path file, X509Certificate certificate) {
    return key + "=" + file + " holds a certificate (" + subject(certificate) + ") that expired at "
        + notAfter(certificate) + " (notAfter)";
  }

  /** The warning for {@code certificate} of {@code file} when it expires within {@link #WARN_WITHIN} of {@code now}. */
  static Optional<String> expiryWarning(String key, Path file, X509Certificate certificate, Instant now) {
    Instant notBefore = certificate.getNotBefore().toInstant();
    if (now.isBefore(notBefore)) {
      return Optional.of(key + "=" + file + " holds a certificate (" + subject(certificate) + ") that is not valid"
          + " until " + notBefore + " (notBefore), " + Duration.between(now, notBefore).toSeconds() + " s ahead of this"
          + " machine's clock: peers whose clocks are behind it refuse it until then. Check the clocks (NTP)");
    }
    Instant notAfter = certificate.getNotAfter().toInstant();
    if (notAfter.isAfter(now.plus(WARN_WITHIN))) {
      return Optional.empty();
    }
    long days = Duration.between(now, notAfter).toDays();
    return Optional.of(key + "=" + file + " holds a certificate (" + subject(certificate) + ") that expires at "
        + notAfter + " (notAfter), in " + days + (days == 1 ? " day" : " days") + ", within "
        + WARN_WITHIN.toDays() + ": then every handshake with it fails. " + capitalized(RENEW) + " before then");
  }

  /**
   * Registers the gauge of when the certificates of {@code tls} expire: {@code certificate="server"},
   * the certificate file's first (also the client certificate under mutual TLS), and {@code
   * certificate="ca"}, the last of the CA file's to expire (trust in the file ends with it; during a
   * CA rotation the file holds two). Nothing without the files.
   */
  static void registerMetrics(PrometheusRegistry registry, TlsSettings tls) {
    Optional<Instant> served = tls.certFile()
        .map(file -> notAfter(PemFiles.certificates(TlsSettings.CERT_KEY, file).get(0)));
    Optional<Instant> trusted = tls.caFile()
        .map(file -> PemFiles.certificates(TlsSettings.CA_KEY, file).stream().map(CertificateDates::notAfter)
            .max(Comparator.naturalOrder()).orElseThrow());
    if (served.isEmpty() && trusted.isEmpty()) {
      return;
    }
    GaugeWithCallback.builder().name(EXPIRY_GAUGE).unit(Unit.SECONDS)
        .help("When this service's TLS certificate (certificate=server: the one it serves, and presents to others"
            + " under mutual TLS) and its CA file (certificate=ca: the last of its CAs) expire, since the Unix epoch")
        .labelNames("certificate")
        .callback(gauge -> {
          served.ifPresent(notAfter -> gauge.call(notAfter.getEpochSecond(), "server"));
          trusted.ifPresent(notAfter -> gauge.call(notAfter.getEpochSecond(), "ca"));
        })
        .register(registry);
  }

  static Instant notAfter(X509Certificate certificate) {
    return certificate.getNotAfter().toInstant();
  }

  private static String subject(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().getName();
  }

  private static String capitalized(String text) {
    return Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }
}
