package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS files shared by a service's server and its client channels. Without any file everything
 * is plaintext (fine on loopback). With a certificate and key the server speaks TLS; with a CA
 * as well it requires client certificates signed by that CA (mutual TLS), and clients present
 * the same certificate and trust that CA. A pure client (the CLI) may set only the CA.
 *
 * @param certFile PEM certificate chain ({@value #CERT_KEY}); the server's, and the client's for mTLS
 * @param keyFile PEM PKCS#8 private key of {@code certFile} ({@value #KEY_KEY})
 * @param caFile PEM CA certificates ({@value #CA_KEY}): servers require client certificates
 *     signed by them; clients trust servers signed by them (otherwise the system roots)
 */
public record TlsSettings(Optional<Path> certFile, Optional<Path> keyFile, Optional<Path> caFile) {
  public static final String CERT_KEY = "GLASSBOX_TLS_CERT_FILE";
  public static final String KEY_KEY = "GLASSBOX_TLS_KEY_FILE";
  public static final String CA_KEY = "GLASSBOX_TLS_CA_FILE";

  public TlsSettings {
    requireNonNull(certFile, "certFile");
    requireNonNull(keyFile, "keyFile");
    requireNonNull(caFile, "caFile");
    if (certFile.isPresent() != keyFile.isPresent()) {
      throw new ConfigException(CERT_KEY + " and " + KEY_KEY + " must be set together");
    }
    certFile.ifPresent(file -> requireReadable(CERT_KEY, file));
    keyFile.ifPresent(file -> requireReadable(KEY_KEY, file));
    caFile.ifPresent(file -> requireReadable(CA_KEY, file));
    // gRPC reads the files only at the first handshake: a server would report SERVING and then
    // fail every one. Read and checked here, where each service reads its settings at start.
    // The server reads them again at its own start, checked alike, and serves that read.
    certFile.ifPresent(file -> ServedCertificateFile.read(file, keyFile.get()));
    caFile.ifPresent(file -> PemFiles.certificates(CA_KEY, file));
  }

  /** Plaintext. */
  public static TlsSettings none() {
    return new TlsSettings(Optional.empty(), Optional.empty(), Optional.empty());
  }

  public static TlsSettings load(ConfigSource source) {
    return new TlsSettings(
        source.get(CERT_KEY).map(Path::of), source.get(KEY_KEY).map(Path::of), source.get(CA_KEY).map(Path::of));
  }

  /** Whether servers speak TLS. */
  public boolean enabled() {
    return certFile.isPresent();
  }

  /** Whether servers require client certificates. */
  public boolean mutual() {
    return certFile.isPresent() && caFile.isPresent();
  }

  /**
   * What clients will fail on when a server presents {@code served}, its certificate file as read
   * at its start: a chain that does not lead to a certificate of the CA file ({@link ServedChain}).
   * Empty without a CA file, or when it does.
   */
  Optional<String> chainWarning(ServedCertificateFile served) {
    return caFile.flatMap(ca -> ServedChain.warning(served.file(), served.chain(), ca,
        PemFiles.certificates(CA_KEY, ca)));
  }

  /**
   * The server's credentials, serving {@code served} (this certificate and key file as read at the
   * server's start; empty without TLS); under mutual TLS the client certificates it refuses go to {@code
   * refusals} (counted, and told in its log).
   */
  ServerCredentials serverCredentials(Optional<ServedCertificateFile> served, RefusedClientCertificates refusals) {
    if (caFile.isPresent() && certFile.isEmpty()) {
      throw new ConfigException(CA_KEY + " on a server requires " + CERT_KEY + " and " + KEY_KEY
          + " (mutual TLS: the server presents its certificate too)");
    }
    if (!enabled()) {
      return InsecureServerCredentials.create();
    }
    ServedCertificateFile files = served.orElseThrow();
    try (InputStream chain = files.open(); InputStream key = files.openKey()) {
      TlsServerCredentials.Builder builder = TlsServerCredentials.newBuilder().keyManager(chain, key);
      if (caFile.isPresent()) {
        builder.trustManager(refusals.around(trustManager())).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      return builder.build();
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new ConfigException("TLS files " + certFile.get() + ", " + keyFile.get()
          + caFile.map(ca -> ", " + ca).orElse("") + " cannot be used: " + e.getMessage());
    }
  }

  /**
   * These files for TLS that is not gRPC's (the viewer page's HTTPS server, an HTTPS client): this
   * certificate and key as this side's identity, if set, and trust in the CA only, if set (a
   * server must then also require client certificates). Empty when neither is set.
   */
  public Optional<SSLContext> sslContext() {
    if (certFile.isEmpty() && caFile.isEmpty()) {
      return Optional.empty();
    }
    try {
      KeyManagerFactory keyManagers = null;
      if (certFile.isPresent()) {
        char[] noPassword = new char[0];
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("identity", PemFiles.privateKey(KEY_KEY, keyFile.get()), noPassword,
            PemFiles.certificates(CERT_KEY, certFile.get()).toArray(Certificate[]::new));
        keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, noPassword);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers == null ? null : keyManagers.getKeyManagers(),
          caFile.isEmpty() ? null : new TrustManager[] {trustManager()}, null);
      return Optional.of(context);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      String files = Stream.of(certFile, keyFile, caFile).flatMap(Optional::stream).map(Path::toString)
          .collect(Collectors.joining(", "));
      throw new ConfigException("TLS files " + files + " cannot be used: " + e.getMessage());
    }
  }

  /** Trust in the CA file's certificates alone. */
  private X509ExtendedTrustManager trustManager() throws IOException, GeneralSecurityException {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    int n = 0;
    for (Certificate ca : PemFiles.certificates(CA_KEY, caFile.orElseThrow())) {
      trusted.setCertificateEntry("ca-" + n++, ca);
    }
    TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trustManagers.init(trusted);
    return Arrays.stream(trustManagers.getTrustManagers()).filter(X509ExtendedTrustManager.class::isInstance)
        .map(X509ExtendedTrustManager.class::cast).findFirst()
        .orElseThrow(() -> new GeneralSecurityException("no X.509 trust manager"));
  }

  ChannelCredentials channelCredentials() {
    if (certFile.isEmpty() && caFile.isEmpty()) {
      return InsecureChannelCredentials.create();
    }
    try {
      TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
      if (certFile.isPresent()) {
        builder.keyManager(certFile.get().toFile(), keyFile.get().toFile());
      }
      if (caFile.isPresent()) {
        builder.trustManager(caFile.get().toFile());
      }
      return builder.build();
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("TLS files " + certFile.map(Path::toString).orElse("") + " "
          + caFile.map(Path::toString).orElse("") + " cannot be used by a client: " + e.getMessage());
    }
  }

  private static void requireReadable(String key, Path file) {
    if (!Files.isReadable(file)) {
      throw new ConfigException(key + "=" + file + " is not a readable file");
    }
  }
}
