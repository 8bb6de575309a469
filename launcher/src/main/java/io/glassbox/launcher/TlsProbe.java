package io.glassbox.launcher;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Whether a server speaks TLS, asked of it directly: a TLS handshake that trusts any certificate
 * and presents none. How a mismatched call fails says it only at times: a TLS server hangs up on a
 * plaintext client, and whether the client reads its alert first or the connection's reset is a
 * race; a plaintext server's answer to a TLS client races its hang-up likewise. The handshake does
 * not race: a TLS server answers a ClientHello with TLS (its ServerHello, or an alert), and a
 * plaintext gRPC server writes its HTTP/2 SETTINGS as soon as it accepts, before it reads a byte.
 * Used for a hint only: the probe sends nothing but the ClientHello, and no key or file.
 */
final class TlsProbe {
  private TlsProbe() {}

  /**
   * True when {@code target} answers a TLS handshake in TLS, false when it answers in something
   * else; empty when it cannot be told (no connection, a hang-up without a byte, no answer within
   * {@code within}, a target that is not host:port).
   */
  static Optional<Boolean> speaksTls(String target, Duration within) {
    Optional<URI> address = TargetConverter.dnsName(target).map(name -> URI.create("//" + name));
    if (address.isEmpty() || address.get().getHost() == null || address.get().getPort() < 0) {
      return Optional.empty();
    }
    String host = address.get().getHost().replaceAll("^\\[|\\]$", "");
    long end = System.nanoTime() + within.toNanos();
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress(host, address.get().getPort()), millisLeft(end));
      plain.setSoTimeout(millisLeft(end));   // connecting and the answer together, not each

      try (SSLSocket tls = (SSLSocket) trustingAnyone().getSocketFactory().createSocket(plain, host,
          address.get().getPort(), false)) {
        tls.startHandshake();
        return Optional.of(true);
      }
    } catch (SSLException e) {
      String message = String.valueOf(e.getMessage());
      if (message.startsWith("Received fatal alert")) {
        return Optional.of(true);    // a TLS server refusing us (mutual TLS, no common protocol)
      }
      if (message.contains("Unsupported or unrecognized SSL message")) {
        return Optional.of(false);   // bytes that are no TLS record
      }
      return Optional.empty();
    } catch (IOException | GeneralSecurityException e) {
      return Optional.empty();
    }
  }

  /** The whole milliseconds left until {@code end} ({@link System#nanoTime}), at least 1 (0 would wait forever). */
  private static int millisLeft(long end) {
    return (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()));
  }

  /** A TLS context that takes any server certificate: the probe asks how the server speaks, not who it is. */
  private static SSLContext trustingAnyone() throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    return context;
  }
}
