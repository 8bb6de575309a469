package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSslCertificateException;
import io.grpc.netty.shaded.io.netty.internal.tcnative.CertificateVerifier;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.Socket;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The client certificates a mutual-TLS server refuses, counted and told: the client sees its
 * handshake fail ("certificate unknown", TLSV1_ALERT_CERTIFICATE_REQUIRED), and before, the server
 * said nothing and no counter moved, so a client signed by a CA the server no longer trusts (a CA
 * rotated on one side only) showed as nothing on the server. One WARN line a minute at most, with
 * the count since, naming the certificate's subject and issuer (public names, no key) and why.
 * A client that sends no certificate at all is refused before any certificate is checked: not
 * counted here.
 */
final class RefusedClientCertificates {
  static final String REFUSED_COUNTER = "glassbox_tls_handshakes_refused";
  static final List<String> REASONS = List.of("untrusted", "expired", "not_yet_valid", "rejected");
  private static final Logger log = LoggerFactory.getLogger(RefusedClientCertificates.class);

  private final String server;
  private final String caFile;
  private final Counter refused = Counter.builder().name(REFUSED_COUNTER)
      .help("TLS handshakes refused because of the client's certificate, by reason: untrusted (not signed by a CA of"
          + " the CA file), expired, not_yet_valid, rejected (signed by one, refused for another reason: its key"
          + " usage, a damaged chain)")
      .labelNames("reason")
      .build();
  private final WarningLimiter warnings =
      new WarningLimiter(Duration.ofMinutes(1), "client certificates refused since the last line");

  /** {@code server}: its name, in its log lines; {@code caFile}: the CA file it trusts, named in them. */
  RefusedClientCertificates(String server, String caFile) {
    this.server = requireNonNull(server, "server");
    this.caFile = requireNonNull(caFile, "caFile");
    // Every reason shown from the start at 0, so a rate or an alert on one has a series before the first refusal.
    for (String reason : REASONS) {
      refused.labelValues(reason);
    }
  }

  /** Shows the count on {@code registry}'s {@code /metrics}. */
  void register(PrometheusRegistry registry) {
    registry.register(refused);
  }

  /** {@code trusted}, counting and telling the client certificates it refuses. */
  X509ExtendedTrustManager around(X509ExtendedTrustManager trusted) {
    return new X509ExtendedTrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
          throws CertificateException {
        counted(chain, () -> trusted.checkClientTrusted(chain, authType, socket));
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
          throws CertificateException {
        counted(chain, () -> trusted.checkClientTrusted(chain, authType, engine));
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        counted(chain, () -> trusted.checkClientTrusted(chain, authType));
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
          throws CertificateException {
        trusted.checkServerTrusted(chain, authType, socket);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
          throws CertificateException {
        trusted.checkServerTrusted(chain, authType, engine);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        trusted.checkServerTrusted(chain, authType);
      }

      /**
       * None named: a server that names its CAs in its certificate request has a client holding a
       * certificate of another CA send none at all, and the handshake then fails before any
       * certificate is checked, unseen here (TLSV1_ALERT_CERTIFICATE_REQUIRED at the client). Named
       * none, the client sends the one it has, and its refusal is counted and told.
       */
      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
  }

  /** A check of a certificate chain, which may refuse it. */
  private interface ChainCheck {
    void run() throws CertificateException;
  }

  /** Runs {@code check} of the client's {@code chain}, counting and telling its refusal. */
  private void counted(X509Certificate[] chain, ChainCheck check) throws CertificateException {
    try {
      check.run();
    } catch (CertificateException e) {
      throw refused(chain, e);
    }
  }

  private CertificateException refused(X509Certificate[] chain, CertificateException e) {
    String reason = reason(e);
    refused.labelValues(reason).inc();
    X509Certificate client = chain == null || chain.length == 0 ? null : chain[0];
    warnings.log(log, Level.WARN, "{}: refused a client's TLS certificate ({}): subject {}, issuer {}{}: {}", server,
        reason, client == null ? "none" : client.getSubjectX500Principal().getName(),
        client == null ? "none" : client.getIssuerX500Principal().getName(),
        client == null ? "" : ", valid " + client.getNotBefore().toInstant() + " to " + client.getNotAfter().toInstant(),
        "untrusted".equals(reason) ? "not signed by a CA of " + TlsSettings.CA_KEY + "=" + caFile
            + " (a CA rotated on one side only? during a rotation the CA file holds both CAs)" : e.getMessage());
    // Under OpenSSL (BoringSSL) a refusal of no known cause went to the client as an internal_error
    // alert, which says nothing: an unknown issuer is said as such (the unknown_ca alert).
    return "untrusted".equals(reason) && OpenSsl.isAvailable()
        ? new OpenSslCertificateException(e.getMessage(), e, CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
        : e;
  }

  /**
   * Why: the certificate's dates, no path to a trusted CA, or else refused by a check after the path
   * was built (an extended key usage for servers only, say): a few values, for the label.
   */
  private static String reason(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof CertificateExpiredException
          || (cause instanceof CertPathValidatorException path && path.getReason() == BasicReason.EXPIRED)) {
        return "expired";
      }
      if (cause instanceof CertificateNotYetValidException
          || (cause instanceof CertPathValidatorException path && path.getReason() == BasicReason.NOT_YET_VALID)) {
        return "not_yet_valid";
      }
    }
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof CertPathBuilderException) {
        return "untrusted";
      }
    }
    return "rejected";
  }
}
