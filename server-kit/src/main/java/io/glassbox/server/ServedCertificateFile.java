package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A server's certificate file ({@value TlsSettings#CERT_KEY}), read once at its start: the bytes
 * gRPC serves, and the chain they hold, whose dates the expiry gauge and {@link
 * ServedCertificateExpiry} follow. One read, so what is watched is what is served, even when the
 * file is replaced while the server starts.
 */
final class ServedCertificateFile {
  private final Path file;
  private final byte[] content;
  private final List<X509Certificate> chain;

  private ServedCertificateFile(Path file, byte[] content, List<X509Certificate> chain) {
    this.file = requireNonNull(file, "file");
    this.content = content;
    this.chain = List.copyOf(chain);
  }

  /** Reads and parses {@code file}; a {@link ConfigException} naming it when it cannot. */
  static ServedCertificateFile read(Path file) {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      throw ConfigException.unreadable(TlsSettings.CERT_KEY, file, e);
    }
    return new ServedCertificateFile(file, content,
        PemFiles.certificates(TlsSettings.CERT_KEY, file, new String(content, StandardCharsets.ISO_8859_1)));
  }

  Path file() {
    return file;
  }

  /** Its certificates, the server's own first. */
  List<X509Certificate> chain() {
    return chain;
  }

  /** The bytes as read, for gRPC's key manager. */
  InputStream open() {
    return new ByteArrayInputStream(content);
  }
}
