package io.glassbox.server;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.InputStream;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A throw-away certificate authority for TLS tests: a CA certificate and leaf certificates it
 * signs for {@code localhost} / {@code 127.0.0.1}, written as the PEM files the services read.
 */
public final class TestCertificates {
  /** How long its certificates last unless told: make-secrets.sh's default, beyond the 30 days servers warn within. */
  private static final Duration VALIDITY = Duration.ofDays(365);
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private final String name;
  private final KeyPair caKeys;
  private final X509Certificate ca;

  private TestCertificates(String name, KeyPair caKeys, X509Certificate ca) {
    this.name = name;
    this.caKeys = caKeys;
    this.ca = ca;
  }

  /** A new CA named {@code name}. */
  public static TestCertificates authority(String name) throws Exception {
    KeyPair keys = rsa();
    X500Name subject = new X500Name("CN=" + name);
    X509v3CertificateBuilder builder = builder(subject, subject, keys)
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    return new TestCertificates(name, keys, sign(builder, keys));
  }

  /** As {@link #authority(String)}, valid from {@code notBefore} to {@code notAfter}: an expired root, say. */
  public static TestCertificates authority(String name, Instant notBefore, Instant notAfter) throws Exception {
    KeyPair keys = rsa();
    X500Name subject = new X500Name("CN=" + name);
    X509v3CertificateBuilder builder = builder(subject, subject, keys, notBefore, notAfter)
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    return new TestCertificates(name, keys, sign(builder, keys));
  }

  /** An intermediate CA named {@code name}, issued by this one. */
  public TestCertificates intermediate(String intermediate) throws Exception {
    Instant now = Instant.now();
    return intermediate(intermediate, now.minus(Duration.ofHours(1)), now.plus(VALIDITY));
  }

  /** As {@link #intermediate(String)}, valid from {@code notBefore} to {@code notAfter}. */
  public TestCertificates intermediate(String intermediate, Instant notBefore, Instant notAfter) throws Exception {
    KeyPair keys = rsa();
    X509v3CertificateBuilder builder = builder(new X500Name("CN=" + name), new X500Name("CN=" + intermediate), keys,
        notBefore, notAfter)
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    return new TestCertificates(intermediate, keys, sign(builder, caKeys));
  }

  /** A certificate for localhost and 127.0.0.1 that signs itself, and its PKCS#8 key; returns {certificate, key}. */
  public static Path[] selfSigned(Path dir, String leaf) throws Exception {
    KeyPair keys = rsa();
    X500Name subject = new X500Name("CN=" + leaf);
    return write(dir, leaf, keys, localhost(builder(subject, subject, keys)), keys);
  }

  /** Writes the CA certificate to {@code file}. */
  public Path writeCa(Path file) throws IOException {
    Files.writeString(file, pem(ca));
    return file;
  }

  /**
   * Issues a certificate for localhost and 127.0.0.1 (usable by servers and clients alike) and
   * writes it and its PKCS#8 key; returns {certificate, key}.
   */
  public Path[] issue(Path dir, String leaf) throws Exception {
    return issue(dir, leaf, rsa());
  }

  /**
   * As {@link #issue(Path, String)}, valid for the day up to {@code notAfter}: one that has expired,
   * for a {@code notAfter} past.
   */
  public Path[] issueValidUntil(Path dir, String leaf, Instant notAfter) throws Exception {
    KeyPair keys = rsa();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name),
        BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notAfter.minus(Duration.ofDays(1))), Date.from(notAfter),
        new X500Name("CN=" + leaf), keys.getPublic());
    return write(dir, leaf, keys, localhost(builder), caKeys);
  }

  /** As {@link #issue(Path, String)}, for an EC (P-256) key. */
  public Path[] issueEc(Path dir, String leaf) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    return issue(dir, leaf, generator.generateKeyPair());
  }

  private Path[] issue(Path dir, String leaf, KeyPair keys) throws Exception {
    Instant now = Instant.now();
    return issue(dir, leaf, keys, now.minus(Duration.ofHours(1)), now.plus(VALIDITY));
  }

  /** As {@link #issue(Path, String)}, valid from {@code notBefore} to {@code notAfter}: expired, or not yet valid. */
  public Path[] issue(Path dir, String leaf, Instant notBefore, Instant notAfter) throws Exception {
    return issue(dir, leaf, rsa(), notBefore, notAfter);
  }

  private Path[] issue(Path dir, String leaf, KeyPair keys, Instant notBefore, Instant notAfter) throws Exception {
    return write(dir, leaf, keys, localhost(builder(new X500Name("CN=" + name), new X500Name("CN=" + leaf), keys,
        notBefore, notAfter)), caKeys);
  }

  /** A leaf for localhost and 127.0.0.1. */
  private static X509v3CertificateBuilder localhost(X509v3CertificateBuilder builder) throws IOException {
    return builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
        .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
  }

  /** Signs {@code builder} with {@code signer}, writes the certificate and the leaf's {@code keys}. */
  private static Path[] write(Path dir, String leaf, KeyPair keys, X509v3CertificateBuilder builder, KeyPair signer)
      throws Exception {
    X509Certificate certificate = sign(builder, signer);
    Path cert = Files.writeString(dir.resolve(leaf + ".crt"), pem(certificate));
    Path key = Files.writeString(dir.resolve(leaf + ".key"),
        pem(new PemObject("PRIVATE KEY", keys.getPrivate().getEncoded())));
    return new Path[] {cert, key};
  }

  /**
   * Writes the PKCS#8 key in {@code pkcs8Key} to {@code file} in the older format openssl also
   * writes: PKCS#1 (BEGIN RSA PRIVATE KEY) for RSA, SEC1 (BEGIN EC PRIVATE KEY) for EC.
   */
  public static Path writeTraditional(Path pkcs8Key, Path file) throws Exception {
    String pem = Files.readString(pkcs8Key).replaceAll("-----[A-Z ]+-----|\\s", "");
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem));
    PrivateKey key;
    try {
      key = KeyFactory.getInstance("RSA").generatePrivate(spec);
    } catch (InvalidKeySpecException notRsa) {
      key = KeyFactory.getInstance("EC").generatePrivate(spec);
    }
    return Files.writeString(file, pem(key));
  }

  /** Writes the first certificate of the PEM file {@code certificate} to {@code file} as DER (binary). */
  public static Path writeDer(Path certificate, Path file) throws Exception {
    try (InputStream in = Files.newInputStream(certificate)) {
      return Files.write(file, CertificateFactory.getInstance("X.509").generateCertificate(in).getEncoded());
    }
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    return builder(issuer, subject, keys, now.minus(Duration.ofHours(1)), now.plus(VALIDITY));
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys, Instant notBefore,
      Instant notAfter) {
    return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) throws Exception {
    ContentSigner contentSigner = new JcaContentSignerBuilder("SHA256withRSA").build(signer.getPrivate());
    return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
  }

  private static KeyPair rsa() throws NoSuchAlgorithmException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private static String pem(Object object) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }
}
