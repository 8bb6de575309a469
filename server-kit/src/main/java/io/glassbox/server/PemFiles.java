package io.glassbox.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PEM files of {@link TlsSettings}, read and checked the way gRPC and the viewer page use
 * them. gRPC reads them only at the first handshake, so a file it cannot use, or a key that is
 * not its certificate's, would otherwise let a server report SERVING while every handshake fails.
 * Each failure is a {@link ConfigException} naming the setting and the file.
 */
final class PemFiles {
  private static final Pattern CERTIFICATE_BLOCK =
      Pattern.compile("-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----");
  private static final Pattern PEM_BEGIN = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----");
  private static final String PKCS8_BEGIN = "-----BEGIN PRIVATE KEY-----";
  /** The key algorithms a TLS server here is served with, in the order a PKCS#8 key is tried. */
  private static final List<String> SERVED_KEYS = List.of("RSA", "EC");
  /** Keys the JDK reads that are not served, with the words that name them, to tell them from a damaged file. */
  private static final List<Map.Entry<String, String>> OTHER_KEYS = List.of(
      Map.entry("RSASSA-PSS", "an RSA-PSS key"), Map.entry("Ed25519", "an Ed25519 key"),
      Map.entry("Ed448", "an Ed448 key"), Map.entry("X25519", "an X25519 key"), Map.entry("X448", "an X448 key"),
      Map.entry("DSA", "a DSA key"));
  private static final String PKCS8_END = "-----END PRIVATE KEY-----";
  private static final byte[] PROBE =
      "glassbox: does this key sign for this certificate?".getBytes(StandardCharsets.US_ASCII);

  private PemFiles() {}

  /**
   * The CERTIFICATE blocks of {@code setting}'s PEM file, whatever else it holds (a key after
   * them, as gRPC allows), the server's or client's own first.
   */
  static List<X509Certificate> certificates(String setting, Path file) {
    String text = read(setting, file);
    Matcher blocks = CERTIFICATE_BLOCK.matcher(text);
    StringBuilder certificates = new StringBuilder();
    while (blocks.find()) {
      certificates.append(blocks.group()).append('\n');
    }
    if (certificates.length() == 0) {
      throw new ConfigException(setting + "=" + file + noCertificate(setting, file, text));
    }
    try {
      return CertificateFactory.getInstance("X.509").generateCertificates(
              new ByteArrayInputStream(certificates.toString().getBytes(StandardCharsets.US_ASCII))).stream()
          .map(X509Certificate.class::cast).toList();
    } catch (GeneralSecurityException e) {
      throw new ConfigException(setting + "=" + file + " holds a certificate that cannot be read: " + e.getMessage());
    }
  }

  /** The PEM PKCS#8 private key ({@code BEGIN PRIVATE KEY}), RSA or EC, of {@code setting}'s file. */
  static PrivateKey privateKey(String setting, Path file) {
    String text = read(setting, file);
    int begin = text.indexOf(PKCS8_BEGIN);
    int end = text.indexOf(PKCS8_END);
    if (begin < 0 || end < begin) {
      throw new ConfigException(setting + "=" + file + noPkcs8Key(setting, file, text));
    }
    PKCS8EncodedKeySpec spec;
    try {
      spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(text.substring(begin + PKCS8_BEGIN.length(), end)));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(setting + "=" + file + " holds a BEGIN PRIVATE KEY block that is not base64: "
          + e.getMessage());
    }
    for (String algorithm : SERVED_KEYS) {
      Optional<PrivateKey> key = readAs(algorithm, spec);
      if (key.isPresent()) {
        return key.get();
      }
    }
    for (Map.Entry<String, String> other : OTHER_KEYS) {
      if (readAs(other.getKey(), spec).isPresent()) {
        throw new ConfigException(setting + "=" + file + " holds " + other.getValue() + ", which is not served: make"
            + " an RSA or EC key, e.g. openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256");
      }
    }
    throw new ConfigException(setting + "=" + file + " holds a BEGIN PRIVATE KEY block that is no key this JDK reads"
        + " (RSA, EC, RSA-PSS, Ed25519, Ed448, X25519, X448, DSA): damaged or cut short? openssl pkey -in " + file
        + " -noout says what is wrong with it");
  }

  /** {@code spec} read as an {@code algorithm} key, empty when it is not one (or not a readable key at all). */
  private static Optional<PrivateKey> readAs(String algorithm, PKCS8EncodedKeySpec spec) {
    try {
      return Optional.of(KeyFactory.getInstance(algorithm).generatePrivate(spec));
    } catch (InvalidKeySpecException notThisOne) {
      return Optional.empty();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks " + algorithm + " keys", e);
    }
  }

  /**
   * What the key file holds instead of a PKCS#8 key, and how to make one of it: openssl writes
   * the older PKCS#1 and SEC1 formats too (genrsa, ecparam -genkey, many CAs' tools).
   */
  private static String noPkcs8Key(String setting, Path file, String text) {
    String found = text.contains("-----BEGIN RSA PRIVATE KEY-----") ? "a PKCS#1 RSA key (BEGIN RSA PRIVATE KEY)"
        : text.contains("-----BEGIN EC PRIVATE KEY-----") ? "a SEC1 EC key (BEGIN EC PRIVATE KEY)"
        : text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
            ? "a key encrypted with a passphrase (BEGIN ENCRYPTED PRIVATE KEY)"
        : null;
    if (found != null) {
      return " holds " + found + ", not the PKCS#8 key (BEGIN PRIVATE KEY) that TLS here reads: convert it with"
          + " openssl pkcs8 -topk8 -nocrypt -in " + file + " -out " + file + ".pk8 and set " + setting + " to "
          + file + ".pk8";
    }
    List<String> labels = pemLabels(text);
    if (labels.isEmpty()) {
      return " is not PEM (no BEGIN line): if it is a DER (binary) key, convert it with openssl pkcs8 -topk8 -nocrypt"
          + " -inform DER -in " + file + " -out " + file + ".pk8 and set " + setting + " to " + file + ".pk8";
    }
    return " holds no private key, only " + String.join(" and ", labels) + " blocks: set " + setting
        + " to the certificate's PEM PKCS#8 private key (BEGIN PRIVATE KEY)";
  }

  /** What a certificate file holds instead of PEM certificates, and how to make them of it. */
  private static String noCertificate(String setting, Path file, String text) {
    List<String> labels = pemLabels(text);
    if (!labels.isEmpty()) {
      return " holds no certificate (BEGIN CERTIFICATE), only " + String.join(" and ", labels) + " blocks";
    }
    try {
      CertificateFactory.getInstance("X.509").generateCertificate(
          new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)));
      return " is a DER (binary) certificate, not PEM (BEGIN CERTIFICATE): convert it with openssl x509 -inform DER"
          + " -in " + file + " -out " + file + ".pem and set " + setting + " to " + file + ".pem";
    } catch (GeneralSecurityException notDer) {
      return " is not PEM (no BEGIN CERTIFICATE line); a PKCS#12 file's certificates come out with openssl pkcs12"
          + " -in " + file + " -nokeys -out " + file + ".pem";
    }
  }

  /** The distinct labels of the PEM blocks in {@code text} (CERTIFICATE, PRIVATE KEY, ...), in order. */
  private static List<String> pemLabels(String text) {
    return PEM_BEGIN.matcher(text).results().map(begin -> begin.group(1)).distinct().toList();
  }

  /**
   * Refuses a key that is not the private key of {@code certificate}: it signs a few bytes that
   * the certificate's public key must verify (RSA and EC alike).
   */
  static void requireKeyOf(X509Certificate certificate, String certSetting, Path certFile, PrivateKey key,
      String keySetting, Path keyFile) {
    if (!signsFor(key, certificate.getPublicKey())) {
      throw new ConfigException(keySetting + "=" + keyFile + " is not the private key of the certificate in "
          + certSetting + "=" + certFile + " (" + certificate.getSubjectX500Principal().getName()
          + "): every TLS handshake would fail. Set " + keySetting + " to the key the certificate was issued for"
          + " (openssl x509 -noout -pubkey -in CERT and openssl pkey -pubout -in KEY print the same public key)");
    }
  }

  private static boolean signsFor(PrivateKey key, PublicKey publicKey) {
    if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
      return false;
    }
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(PROBE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(PROBE);
      return verifier.verify(signature);
    } catch (GeneralSecurityException differentCurveOrSize) {
      return false;
    }
  }

  /** The file as bytes one to one in chars: a binary file reads, and is then found not PEM. */
  private static String read(String setting, Path file) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw ConfigException.unreadable(setting, file, e);
    }
  }
}
