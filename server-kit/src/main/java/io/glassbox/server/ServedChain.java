package io.glassbox.server;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Whether the chain a server sends (its certificate file, as gRPC sends it) leads to a CA of its
 * CA file, which the suite's own clients trust alone. A file holding only the leaf of an
 * intermediate CA starts without complaint, and every client that trusts only the root then fails
 * its handshake; said once, at start. Without a CA file nothing is said: the leaf's issuer may be
 * an intermediate, or the root the clients trust (a private CA that signs leaves itself), and the
 * server cannot tell which.
 */
final class ServedChain {
  private ServedChain() {}

  /**
   * The warning for the chain {@code served} (leaf first) of {@code certFile} when it does not
   * reach one of {@code trusted}, the certificates of {@code caFile}: an issuer in neither file
   * (an intermediate the certificate file lacks, or the root the CA file lacks: the server cannot
   * tell which, so the warning says both ways), or a root that is not among them.
   */
  static Optional<String> warning(Path certFile, List<X509Certificate> served, Path caFile,
      List<X509Certificate> trusted) {
    List<X509Certificate> known = Stream.concat(trusted.stream(), served.stream()).toList();
    X509Certificate current = served.get(0);
    List<X509Certificate> walked = new ArrayList<>();
    while (!trusted.contains(current) && !walked.contains(current)) {
      walked.add(current);
      Optional<X509Certificate> issuer = issuerOf(current, known);
      if (issuer.isEmpty()) {
        String issuerName = current.getIssuerX500Principal().getName();
        return Optional.of(TlsSettings.CERT_KEY + "=" + certFile + " holds no certificate of "
            + issuerName + ", the issuer of " + subject(current) + ", and "
            + TlsSettings.CA_KEY + "=" + caFile + " holds none either: clients will fail every handshake with"
            + " \"unable to get local issuer certificate\" (Java clients: \"PKIX path building failed\"). If "
            + issuerName + " is an intermediate CA, append its certificate to " + certFile + ", after the server's"
            + " own (cat intermediate.crt >> " + certFile + "); if it is the root CA the clients trust, add its"
            + " certificate to " + caFile + " (cat root.crt >> " + caFile + "), keeping the CA that signs client"
            + " certificates there");
      }
      if (issuer.get().equals(current)) {
        return Optional.of(TlsSettings.CERT_KEY + "=" + certFile + " leads to " + subject(current) + ", which "
            + TlsSettings.CA_KEY + "=" + caFile + " does not hold: clients that trust only " + caFile + ", as this"
            + " suite's own services do, will fail every handshake (\"unable to get local issuer certificate\"). Add"
            + " the CA that issued the certificate to " + caFile + ", keeping the CA that signs client certificates"
            + " there");
      }
      current = issuer.get();
    }
    return Optional.empty();
  }

  /** The certificate among {@code candidates} whose key signed {@code certificate}, itself if it signs itself. */
  private static Optional<X509Certificate> issuerOf(X509Certificate certificate, List<X509Certificate> candidates) {
    return Stream.concat(Stream.of(certificate), candidates.stream())
        .filter(candidate -> candidate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal()))
        .filter(candidate -> signed(certificate, candidate))
        .findFirst();
  }

  private static boolean signed(X509Certificate certificate, X509Certificate by) {
    try {
      certificate.verify(by.getPublicKey());
      return true;
    } catch (GeneralSecurityException notBy) {
      return false;
    }
  }

  private static String subject(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().getName();
  }
}
