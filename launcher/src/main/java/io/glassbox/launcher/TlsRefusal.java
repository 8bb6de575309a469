package io.glassbox.launcher;

import io.glassbox.server.ConfigSource;
import io.glassbox.server.TlsSettings;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Why a TLS handshake of a client command failed, and whose files can fix it: the server's
 * certificate has expired, which only the server's renewal fixes, or is not valid yet (a clock is
 * wrong, this machine's or the issuer's, or it was issued to start later); it is issued
 * by a CA this command does not trust ({@value TlsSettings#CA_KEY}); or the server refused this
 * command's certificate, or wanted one and got none. Read from the failure's causes: the JDK's
 * trust manager's exceptions for the server's certificate, BoringSSL's alert for the server's
 * refusal ("TLSV1_ALERT_CERTIFICATE_REQUIRED": a client whose certificate's issuer is not among the
 * CAs the server asks for sends none, so a refused certificate reads as a missing one).
 *
 * @param reason the handshake's failure in plain words, for the status line's brackets
 * @param hint what to do, and whose files to change
 */
record TlsRefusal(String reason, String hint) {
  /** The words of a NotAfter or NotBefore the JDK's validity check says ("NotAfter: Tue Dec 01 00:00:00 UTC 2026"). */
  private static final String VALIDITY_PREFIX = "^Not(After|Before): ";

  /** BoringSSL's names of the alerts a server sends when it refuses the client's certificate, or wanted one. */
  private static final String[] REFUSED_ALERTS = {"CERTIFICATE_REQUIRED", "BAD_CERTIFICATE", "CERTIFICATE_UNKNOWN",
      "UNKNOWN_CA", "CERTIFICATE_EXPIRED", "CERTIFICATE_REVOKED", "UNSUPPORTED_CERTIFICATE"};

  /** The TLS handshake's failure in {@code status} (an SSLException among its causes), for a command run with {@code settings}. */
  static TlsRefusal of(Status status, ConfigSource settings) {
    Optional<Throwable> expired = CallHints.causes(status).filter(cause -> cause instanceof CertificateExpiredException
        || cause instanceof CertificateNotYetValidException).findFirst();
    if (expired.isPresent()) {
      String when = String.valueOf(expired.get().getMessage()).replaceFirst(VALIDITY_PREFIX, "");
      if (expired.get() instanceof CertificateExpiredException) {
        return new TlsRefusal("the server's certificate expired on " + when, "the server's certificate (its "
            + TlsSettings.CERT_KEY + ") must be renewed: this command's files cannot fix that.");
      }
      // Said as the JDK says the notBefore (Date's words, this machine's zone), to compare at a glance.
      return new TlsRefusal("the server's certificate is not valid until " + when, "this machine's clock says " + new Date()
          + ", before that: one of the two clocks is wrong (this machine's, or that of the machine that issued the"
          + " certificate), or the certificate was issued to start in the future; set the clock right, or have the"
          + " server's certificate (its " + TlsSettings.CERT_KEY + ") reissued: this command's files cannot fix that.");
    }
    Optional<String> caFile = settings.get(TlsSettings.CA_KEY);
    if (CallHints.causes(status).anyMatch(cause -> String.valueOf(cause.getMessage())
        .contains("unable to find valid certification path"))) {
      return new TlsRefusal("the server's certificate is not issued by a CA in "
          + caFile.map(file -> TlsSettings.CA_KEY + "=" + file).orElse("this machine's trusted CAs (" + TlsSettings.CA_KEY
              + " is not set)"), CallHints.setTlsFiles());
    }
    Throwable innermostCause = CallHints.causes(status).reduce((outer, inner) -> inner).orElseThrow();
    String innermost = String.valueOf(innermostCause.getMessage());
    boolean refused = Stream.of(REFUSED_ALERTS).anyMatch(alert -> innermost.toUpperCase(Locale.ROOT).contains(alert));
    Optional<String> certFile = settings.get(TlsSettings.CERT_KEY);
    if (refused && certFile.isPresent()) {
      String issuer = issuer(Path.of(certFile.get())).map(name -> ", issued by " + name).orElse("");
      return new TlsRefusal("the server refused this client's certificate, " + TlsSettings.CERT_KEY + "="
          + certFile.get() + issuer, "the server's " + TlsSettings.CA_KEY + " must hold the CA that issued "
          + certFile.get() + ", or set " + TlsSettings.CERT_KEY + " and " + TlsSettings.KEY_KEY
          + " to a certificate and key that the server's CA issued.");
    }
    if (refused) {
      return new TlsRefusal("the server wants a client certificate (mutual TLS); this command sent none",
          CallHints.setTlsFiles());
    }
    // Without words of its own, the cause's kind ("ssl handshake"), as before.
    return new TlsRefusal(innermost.isBlank() || innermost.equals("null") ? CallHints.typeWords(innermostCause) : innermost,
        CallHints.setTlsFiles());
  }

  /** The status line's words: the handshake with {@code target} failed, and why. */
  String failed(String target) {
    return "the TLS handshake with " + target + " failed (" + reason + ")";
  }

  /** The failure as a failed call is told. */
  CallHints.Told told(String target) {
    return new CallHints.Told(Optional.of(failed(target)), Optional.of(hint));
  }

  /** The issuer of the first certificate in {@code file}; empty where it cannot be read (the handshake said why). */
  private static Optional<String> issuer(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return Optional.of(((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in))
          .getIssuerX500Principal().getName());
    } catch (IOException | GeneralSecurityException | ClassCastException e) {
      return Optional.empty();
    }
  }
}
