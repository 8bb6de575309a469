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
  private static final String RSA_OID = "1.2.840.113549.1.1.1";
  private static final String EC_OID = "1.2.840.10045.2.1";
  /** Keys that are not served, by their algorithm identifier, with the words that name them. */
  private static final Map<String, String> OTHER_KEYS = Map.of(
      "1.2.840.113549.1.1.10", "an RSA-PSS key", "1.3.101.112", "an Ed25519 key", "1.3.101.113", "an Ed448 key",
      "1.3.101.110", "an X25519 key", "1.3.101.111", "an X448 key", "1.2.840.10040.4.1", "a DSA key",
      "1.2.840.113549.1.3.1", "a DH key", "1.2.156.10197.1.301", "an SM2 key");
  private static final String PKCS8_END = "-----END PRIVATE KEY-----";
  private static final byte[] PROBE =
      "glassbox: does this key sign for this certificate?".getBytes(StandardCharsets.US_ASCII);

  private PemFiles() {}

  /**
   * The CERTIFICATE blocks of {@code setting}'s PEM file, whatever else it holds (a key after
   * them, as gRPC allows), the server's or client's own first.
   */
  static List<X509Certificate> certificates(String setting, Path file) {
    return certificates(setting, file, read(setting, file));
  }

  /** As {@link #certificates(String, Path)}, of {@code text}, the file's content already read. */
  static List<X509Certificate> certificates(String setting, Path file, String text) {
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
    return privateKey(setting, file, read(setting, file));
  }

  /** As {@link #privateKey(String, Path)}, of {@code text}, the file's content already read. */
  static PrivateKey privateKey(String setting, Path file, String text) {
    int begin = text.indexOf(PKCS8_BEGIN);
    int end = text.indexOf(PKCS8_END);
    if (begin < 0 || end < begin) {
      throw new ConfigException(setting + "=" + file + noPkcs8Key(setting, file, text));
    }
    byte[] encoded;
    try {
      encoded = Base64.getMimeDecoder().decode(text.substring(begin + PKCS8_BEGIN.length(), end));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(setting + "=" + file + " holds a BEGIN PRIVATE KEY block that is not base64: "
          + e.getMessage());
    }
    String algorithm = algorithmOid(encoded).orElseThrow(() -> new ConfigException(setting + "=" + file
        + " holds a BEGIN PRIVATE KEY block that is not a PKCS#8 key: damaged or cut short? openssl pkey -in " + file
        + " -noout says what is wrong with it"));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(encoded);
    switch (algorithm) {
      case RSA_OID:
        return readAs("RSA", spec).orElseThrow(() -> new ConfigException(setting + "=" + file + " holds an RSA key"
            + " this JDK cannot read: damaged? openssl pkey -in " + file + " -noout says what is wrong with it"));
      case EC_OID:
        return readAs("EC", spec).orElseThrow(() -> new ConfigException(setting + "=" + file + " holds an EC key"
            + " this JDK cannot read: its curve given by explicit parameters rather than by name, or the file damaged"
            + " (openssl pkey -in " + file + " -noout -text shows which); make an EC key on a named curve, e.g."
            + " openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256"));
      default:
        throw new ConfigException(setting + "=" + file + " holds "
            + OTHER_KEYS.getOrDefault(algorithm, "a key of algorithm " + algorithm) + ", which is not served: make an"
            + " RSA or EC key, e.g. openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256");
    }
  }

  /** {@code spec} read as an {@code algorithm} key, empty when it is not one that reads. */
  private static Optional<PrivateKey> readAs(String algorithm, PKCS8EncodedKeySpec spec) {
    try {
      return Optional.of(KeyFactory.getInstance(algorithm).generatePrivate(spec));
    } catch (InvalidKeySpecException notReadable) {
      return Optional.empty();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks " + algorithm + " keys", e);
    }
  }

  /**
   * The dotted algorithm identifier of a PKCS#8 PrivateKeyInfo ({@code SEQUENCE { INTEGER,
   * SEQUENCE { OID, ... }, ... }}), empty when {@code der} is not one: it tells the kind of key
   * from what the file says it is, not from which key factory happens to read its bytes (the
   * JDK's DSA one reads other keys' bytes).
   */
  static Optional<String> algorithmOid(byte[] der) {
    try {
      Der outer = Der.at(der, 0, der.length);
      Der version = Der.at(der, outer.start(), outer.end());
      Der algorithm = Der.at(der, version.end(), outer.end());
      Der oid = Der.at(der, algorithm.start(), algorithm.end());
      if (outer.tag() != 0x30 || outer.end() != der.length || version.tag() != 0x02 || algorithm.tag() != 0x30
          || oid.tag() != 0x06 || oid.start() == oid.end()) {
        return Optional.empty();
      }
      StringBuilder dotted = new StringBuilder();
      int first = der[oid.start()] & 0xff;
      dotted.append(Math.min(first / 40, 2)).append('.').append(first - 40 * Math.min(first / 40, 2));
      long arc = 0;
      for (int i = oid.start() + 1; i < oid.end(); i++) {
        arc = (arc << 7) | (der[i] & 0x7f);
        if ((der[i] & 0x80) == 0) {
          dotted.append('.').append(arc);
          arc = 0;
        }
      }
      return Optional.of(dotted.toString());
    } catch (IndexOutOfBoundsException notDer) {
      return Optional.empty();
    }
  }

  /** One DER element: its tag and where its contents start and end in the bytes. */
  private record Der(int tag, int start, int end) {
    /** The element at {@code offset}, which must end by {@code limit}. */
    static Der at(byte[] der, int offset, int limit) {
      int tag = der[offset] & 0xff;
      int lengthByte = der[offset + 1] & 0xff;
      int start = offset + 2;
      int length = lengthByte;
      if (lengthByte >= 0x80) {
        int bytes = lengthByte & 0x7f;
        if (bytes == 0 || bytes > 3) {
          throw new IndexOutOfBoundsException("length of " + bytes + " bytes");
        }
        length = 0;
        for (int i = 0; i < bytes; i++) {
          length = (length << 8) | (der[start++] & 0xff);
        }
      }
      if (start + length > limit) {
        throw new IndexOutOfBoundsException("element past its container");
      }
      return new Der(tag, start, start + length);
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
   * the certificate's public key must verify (RSA and EC alike); a key it cannot sign with at all
   * (an EC curve the JDK lacks, such as secp256k1) is refused as such, not as another's key.
   */
  static void requireKeyOf(X509Certificate certificate, String certSetting, Path certFile, PrivateKey key,
      String keySetting, Path keyFile) {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] signature;
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(PROBE);
      signature = signer.sign();
    } catch (GeneralSecurityException e) {
      throw new ConfigException(keySetting + "=" + keyFile + " holds " + (key.getAlgorithm().equals("EC") ? "an EC"
          : "an RSA") + " key this JDK does not sign with (" + e.getMessage() + "): TLS here serves RSA keys and EC"
          + " keys on P-256, P-384 or P-521; make one, e.g. openssl genpkey -algorithm EC -pkeyopt"
          + " ec_paramgen_curve:P-256");
    }
    if (!verifies(algorithm, signature, certificate.getPublicKey(), key.getAlgorithm())) {
      throw new ConfigException(keySetting + "=" + keyFile + " is not the private key of the certificate in "
          + certSetting + "=" + certFile + " (" + certificate.getSubjectX500Principal().getName()
          + "): every TLS handshake would fail. Set " + keySetting + " to the key the certificate was issued for"
          + " (openssl x509 -noout -pubkey -in CERT and openssl pkey -pubout -in KEY print the same public key)");
    }
  }

  /** Whether {@code publicKey}, of a key of {@code keyAlgorithm}, verifies {@code signature} of the probe. */
  private static boolean verifies(String algorithm, byte[] signature, PublicKey publicKey, String keyAlgorithm) {
    if (!keyAlgorithm.equals(publicKey.getAlgorithm())) {
      return false;
    }
    try {
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
