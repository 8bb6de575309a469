package io.glassbox.server;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

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
   * Refuses the chain {@code chain} of {@code file} (setting {@code key}) when a certificate of it
   * whose dates peers check ({@link #checked}) has expired or is not yet valid at {@code now}: every
   * peer would refuse it.
   */
  static void requireValid(String key, Path file, List<X509Certificate> chain, Instant now) {
    X509Certificate first = firstToExpire(chain);
    if (expired(first, now)) {
      throw new ConfigException(expiredAt(key, file, chain, first) + ": every handshake with it would fail. "
          + capitalized(renewal(file, chain, first)));
    }
    X509Certificate last = lastToStart(chain);
    Instant notBefore = last.getNotBefore().toInstant();
    if (now.plus(CLOCK_SKEW).isBefore(notBefore)) {
      throw new ConfigException(key + "=" + file + " holds " + named(chain, last) + " that is not valid until "
          + notBefore + " (notBefore): every handshake with it would fail until then. Check this machine's clock, or "
          + renewal(file, chain, last));
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
   * The certificate of a served {@code chain} (its own first) that expires first among those whose
   * dates peers check: from then on every handshake fails, whichever it is (an intermediate that
   * expires before the leaf does too).
   */
  static X509Certificate firstToExpire(List<X509Certificate> chain) {
    return checked(chain).stream().min(Comparator.comparing(CertificateDates::notAfter)).orElseThrow();
  }

  /** The certificate of a served {@code chain} that becomes valid last among those whose dates peers check. */
  static X509Certificate lastToStart(List<X509Certificate> chain) {
    return checked(chain).stream().max(Comparator.comparing(certificate -> certificate.getNotBefore().toInstant()))
        .orElseThrow();
  }

  /**
   * The certificates of a served {@code chain} whose dates peers check: its own (the first), and
   * every other but a root that signs itself. A client checks the dates of the root it trusts, its
   * own copy, not of one the server sends along (the JDK's PKIX checks not even its own: a root is a
   * trust anchor); the roots' dates are the CA file's ({@code certificate="ca"}).
   */
  private static List<X509Certificate> checked(List<X509Certificate> chain) {
    return IntStream.range(0, chain.size()).filter(i -> i == 0 || !signsItself(chain.get(i)))
        .mapToObj(chain::get).toList();
  }

  private static boolean signsItself(X509Certificate certificate) {
    if (!certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
      return false;
    }
    try {
      certificate.verify(certificate.getPublicKey());
      return true;
    } catch (GeneralSecurityException notItself) {
      return false;
    }
  }

  /**
   * Why a service whose served {@code chain} (of {@code file}, setting {@code key}) expired while it
   * ran is not ready: one line, for its log and its {@code /ready}.
   */
  static String expiredWhileServing(String key, Path file, List<X509Certificate> chain) {
    X509Certificate first = firstToExpire(chain);
    return expiredAt(key, file, chain, first) + " while this service ran: every handshake with it fails, so the"
        + " service reports NOT_SERVING (alive: a restart would refuse to start). "
        + capitalized(renewal(file, chain, first));
  }

  private static String expiredAt(String key, Path file, List<X509Certificate> chain, X509Certificate certificate) {
    return key + "=" + file + " holds " + named(chain, certificate) + " that expired at " + notAfter(certificate)
        + " (notAfter)";
  }

  /**
   * {@code certificate} of {@code chain} in words: "a certificate (CN=srv)" for the chain's own, and
   * for another its place and whose issuer it is, so the operator replaces the right one.
   */
  private static String named(List<X509Certificate> chain, X509Certificate certificate) {
    int index = chain.indexOf(certificate);
    if (index == 0) {
      return "a certificate (" + subject(certificate) + ")";
    }
    return "a CA certificate (" + subject(certificate) + ", certificate " + (index + 1) + " of " + chain.size()
        + " in the file, the issuer of " + subject(chain.get(index - 1)) + ")";
  }

  /** How to replace {@code certificate} of {@code chain}, in {@code file}. */
  private static String renewal(Path file, List<X509Certificate> chain, X509Certificate certificate) {
    if (chain.indexOf(certificate) == 0) {
      return RENEW;
    }
    return "put a valid certificate of " + subject(certificate) + " from its issuer in its place in " + file
        + " (then restart the service), or set " + TlsSettings.CERT_KEY + " and " + TlsSettings.KEY_KEY
        + " to a valid pair";
  }

  /**
   * The warning for the served {@code chain} of {@code file} when a certificate of it whose dates
   * peers check expires within {@link #WARN_WITHIN} of {@code now}, or is not valid yet.
   */
  static Optional<String> expiryWarning(String key, Path file, List<X509Certificate> chain, Instant now) {
    X509Certificate last = lastToStart(chain);
    Instant notBefore = last.getNotBefore().toInstant();
    if (now.isBefore(notBefore)) {
      return Optional.of(key + "=" + file + " holds " + named(chain, last) + " that is not valid until " + notBefore
          + " (notBefore), " + Duration.between(now, notBefore).toSeconds() + " s ahead of this machine's clock:"
          + " peers whose clocks are behind it refuse it until then. Check the clocks (NTP)");
    }
    X509Certificate first = firstToExpire(chain);
    Instant notAfter = notAfter(first);
    if (notAfter.isAfter(now.plus(WARN_WITHIN))) {
      return Optional.empty();
    }
    long days = Duration.between(now, notAfter).toDays();
    return Optional.of(key + "=" + file + " holds " + named(chain, first) + " that expires at " + notAfter
        + " (notAfter), in " + days + (days == 1 ? " day" : " days") + ", within " + WARN_WITHIN.toDays()
        + ": then every handshake with it fails. " + capitalized(renewal(file, chain, first)) + " before then");
  }

  /**
   * Registers the gauge of when the certificates a service uses expire: {@code certificate="server"},
   * the first to expire of {@code served}, the chain it serves ({@link #firstToExpire}; also its
   * client certificate under mutual TLS), and {@code certificate="ca"}, the last of {@code caFile}'s
   * to expire (trust in the file ends with it; during a CA rotation the file holds two). Nothing
   * without either.
   */
  static void registerMetrics(PrometheusRegistry registry, Optional<List<X509Certificate>> served,
      Optional<Path> caFile) {
    Optional<Instant> servedExpiry = served.map(chain -> notAfter(firstToExpire(chain)));
    Optional<Instant> trusted = caFile
        .map(file -> PemFiles.certificates(TlsSettings.CA_KEY, file).stream().map(CertificateDates::notAfter)
            .max(Comparator.naturalOrder()).orElseThrow());
    if (servedExpiry.isEmpty() && trusted.isEmpty()) {
      return;
    }
    GaugeWithCallback.builder().name(EXPIRY_GAUGE).unit(Unit.SECONDS)
        .help("When this service's TLS certificate (certificate=server: the first of the chain it serves, and presents"
            + " to others under mutual TLS, to expire) and its CA file (certificate=ca: the last of its CAs) expire,"
            + " since the Unix epoch")
        .labelNames("certificate")
        .callback(gauge -> {
          servedExpiry.ifPresent(notAfter -> gauge.call(notAfter.getEpochSecond(), "server"));
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
