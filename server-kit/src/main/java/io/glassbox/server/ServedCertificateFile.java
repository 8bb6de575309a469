package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * A server's certificate file ({@value TlsSettings#CERT_KEY}) and key file ({@value
 * TlsSettings#KEY_KEY}), each read once at its start: the bytes gRPC serves, and the chain they
 * hold, whose dates the expiry gauge and {@link ServedCertificateExpiry} follow. One read, checked
 * as {@link TlsSettings} checks its own, so what is checked and watched is what is served, even
 * when a file is replaced while the server starts.
 */
final class ServedCertificateFile {
  private final Path file;
  private final byte[] content;
  private final byte[] key;
  private final List<X509Certificate> chain;

  private ServedCertificateFile(Path file, byte[] content, byte[] key, List<X509Certificate> chain) {
    this.file = requireNonNull(file, "file");
    this.content = content;
    this.key = key;
    this.chain = List.copyOf(chain);
  }

  /**
   * Reads and parses {@code file} and {@code keyFile}; a {@link ConfigException} naming them when
   * they cannot be read, when the key is not the certificate's, or when the certificate is out of
   * its dates.
   */
  static ServedCertificateFile read(Path file, Path keyFile) {
    byte[] content = readAll(TlsSettings.CERT_KEY, file);
    byte[] key = readAll(TlsSettings.KEY_KEY, keyFile);
    List<X509Certificate> chain = PemFiles.certificates(TlsSettings.CERT_KEY, file, latin1(content));
    PemFiles.requireKeyOf(chain.get(0), TlsSettings.CERT_KEY, file,
        PemFiles.privateKey(TlsSettings.KEY_KEY, keyFile, latin1(key)), TlsSettings.KEY_KEY, keyFile);
    CertificateDates.requireValid(TlsSettings.CERT_KEY, file, chain, Instant.now());
    return new ServedCertificateFile(file, content, key, chain);
  }

  private static byte[] readAll(String setting, Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw ConfigException.unreadable(setting, file, e);
    }
  }

  private static String latin1(byte[] content) {
    return new String(content, StandardCharsets.ISO_8859_1);
  }

  Path file() {
    return file;
  }

  /** Its certificates, the server's own first. */
  List<X509Certificate> chain() {
    return chain;
  }

  /** The certificate file's bytes as read, for gRPC's key manager. */
  InputStream open() {
    return new ByteArrayInputStream(content);
  }

  /** The key file's bytes as read, for gRPC's key manager. */
  InputStream openKey() {
    return new ByteArrayInputStream(key);
  }
}
